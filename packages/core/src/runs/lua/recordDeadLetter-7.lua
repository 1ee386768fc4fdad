--[[
  Records a chunk that failed for good, unless it was counted before. A chunk that is
  dead already keeps its generation and gets the new reason. The chunk's pack expires
  after the retention once none of its chunks is still to be counted (until then, they
  need it), or at once if the run failed (none ever will be).

  KEYS
    1 run hash
    2 counts hash
    3 chunk-state hash
    4 dead-letter hash
    5 the chunk's pack (a key nobody sets, for a chunk read from shared storage)
    6 dead-letter generations hash
    7 chunk-lines hash
  ARGV
    1 chunk id
    2 dead-letter JSON (its range and reason)
    3 chunk byte length
    4 event channel
    5 how long to keep the chunk's bytes (ms); a partial run is kept at least as long
    6 its line count as a worker counted it ('' if stored, or unknown)
    7 its source's lines field in the counts hash (count-fields.ts)
    8-10 its pack's source, first and last chunk
  Returns {RecordCode, g}:
    {RECORDED, g} if dead-lettered now as generation g, {DUPLICATE, g} if it was dead
    already (its reason is updated), {DUPLICATE, 0} if it was counted, {RUN_MISSING, 0}
    if the run is gone, {CHUNK_UNKNOWN, 0} if the run does not know the chunk.
  Adds to the counts hash: dead, settledBytes (count-fields.ts) and the lines field above.
]]
--- @include "includes/recordCodes"
--- @include "includes/settle"
--- @include "includes/sums"
--- @include "includes/addCountedLines"
--- @include "includes/packState"
--- @include "includes/chunkState"
--- @include "includes/setChunkState"
--- @include "includes/foldChunkStates"
if redis.call('EXISTS', KEYS[1]) == 0 then return {RecordCode.RUN_MISSING, 0} end
local state = stateOf(KEYS[3], ARGV[1])
if not state then return {RecordCode.CHUNK_UNKNOWN, 0} end
if state == 'done' then return {RecordCode.DUPLICATE, 0} end
local sums = {}
addCountedLines(KEYS[7], sums, ARGV[1], ARGV[6], ARGV[7])
addAll(KEYS[2], sums)
if state == 'dead' then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
  return {RecordCode.DUPLICATE, tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0')}
end
setState(KEYS[3], ARGV[1], 'dead')
fold(KEYS[3], string.match(ARGV[1], '^(%d+)%.'))
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
local generation = redis.call('HINCRBY', KEYS[6], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], 'dead', 1)
if tonumber(redis.call('HGET', KEYS[1], 'deadRetentionMs') or '0') < tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'deadRetentionMs', ARGV[5])
end
if state ~= 'replaying' then
  redis.call('HINCRBY', KEYS[2], 'settledBytes', ARGV[3])
end
local _, _, other = packState(KEYS[3], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]))
if other == 0 or redis.call('HGET', KEYS[1], 'status') == 'failed' then redis.call('PEXPIRE', KEYS[5], ARGV[5]) end
announce(settle(KEYS[1], KEYS[2]), ARGV[4], ARGV[1])
return {RecordCode.RECORDED, generation}
