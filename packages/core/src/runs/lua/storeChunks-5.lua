--[[
  Adds chunks to what the run enqueued, each once. A chunk whose bytes are kept in Redis
  is added only if they are there: they are SET before, on the chunk-bytes path, which
  may be another connection, and a restart or failover in between can lose them while
  this lands; a queued chunk always has its bytes (or was lost together with them).
  A followed source's checkpoint (where the chunks stored so far end, in its stream and in
  the file it reads) is written in the same step, so that a coordinator taking the run up
  again starts exactly after the last chunk stored; it only moves forward.

  KEYS
    1 run hash
    2 counts hash
    3 chunk-state hash
    4 positions hash (RedisKeys.positions): source → its checkpoint
    5 the pack holding the bytes of the chunks that keep them in Redis (absent if none does)
  ARGV
    1 how many chunks, then 7 per chunk:
      its id
      its source's chunks, bytes and lines fields in the counts hash (count-fields.ts)
      its byte length
      its line count ('' when the workers will count the lines: a chunk read from shared storage)
      '1' if its bytes are kept in Redis
    then the source whose checkpoint this is and the checkpoint, `<next chunk> <JSON>` (both
      '' if none): written once every chunk is recorded (or known), unless the source's is
      at a later chunk already
  Returns per chunk a RecordCode:
    RECORDED if added now, DUPLICATE if it was enqueued before (includes/chunkStates.lua), RUN_MISSING if the run is
    gone, BYTES_MISSING if its bytes are not there (SET them again, then call again).
  Adds to the counts hash: chunks (count-fields.ts) and the source's fields above.
]]
--- @include "includes/recordCodes"
--- @include "includes/sums"
--- @include "includes/chunkStates"
local n = tonumber(ARGV[1])
local results = {}
if redis.call('EXISTS', KEYS[1]) == 0 then
  for i = 1, n do results[i] = RecordCode.RUN_MISSING end
  return results
end
local ids = {}
for i = 0, n - 1 do ids[i + 1] = ARGV[2 + i * 7] end
local known = statesOf(KEYS[3], ids)
local packThere = nil
local queued, seen, sums = {}, {}, {}
for i = 0, n - 1 do
  local at = 2 + i * 7
  local id = ARGV[at]
  if known[i + 1] or seen[id] then
    results[i + 1] = RecordCode.DUPLICATE
  else
    if ARGV[at + 6] == '1' and packThere == nil then packThere = redis.call('EXISTS', KEYS[5]) == 1 end
    if ARGV[at + 6] == '1' and not packThere then
      results[i + 1] = RecordCode.BYTES_MISSING
    else
      seen[id] = true
      queued[#queued + 1] = id
      queued[#queued + 1] = 'queued'
      add(sums, 'chunks', 1)
      add(sums, ARGV[at + 1], 1)
      add(sums, ARGV[at + 2], ARGV[at + 4])
      if ARGV[at + 5] ~= '' then add(sums, ARGV[at + 3], ARGV[at + 5]) end
      results[i + 1] = RecordCode.RECORDED
    end
  end
end
if #queued > 0 then redis.call('HSET', KEYS[3], unpack(queued)) end
addAll(KEYS[2], sums)
local source, checkpoint = ARGV[2 + n * 7], ARGV[3 + n * 7]
if source and source ~= '' and packThere ~= false then
  local before = redis.call('HGET', KEYS[4], source)
  local nextChunk = tonumber(string.match(checkpoint, '^(%d+) '))
  if not before or tonumber(string.match(before, '^(%d+) ')) < nextChunk then
    redis.call('HSET', KEYS[4], source, checkpoint)
  end
end
return results
