--[[
  Records the counts of one or more chunks of a run, each once. A chunk Redis does not
  know as enqueued (a restart lost it, with its accounting) is neither counted nor
  dead-lettered here: its coordinator enqueues it again. Then each pack that held a
  chunk recorded here is deleted if all its chunks are counted, or given the retention
  if the rest are dead-lettered (a replayed chunk's pack, kept while it ran).

  KEYS
    1 run hash
    2 counts hash
    3 chunk-state hash
    4 dead-letter hash
    5 unused (a chunk's pack, in the other chunk scripts)
    6 dead-letter generations hash
    7 chunk-lines hash
    8 insight hash
    9… the packs
  ARGV
    1 the worker's field in the counts hash (count-fields.ts)
    2 event channel
    3 number of chunks
    4 how long to keep a pack with dead-lettered chunks (ms)
    5 number of packs
    then per pack: its source, first and last chunk
    then per chunk:
      its id
      its byte length
      its line count as the worker counted it ('' for a stored chunk, whose lines the
        coordinator counted)
      its source's lines field in the counts hash (count-fields.ts)
      its pack (1… in the order above; 0 for a chunk read from shared storage)
      n, followed by n field/increment pairs for the counts hash (count-fields.ts)
      its insight as JSON ('' when the run asks for none)
  Returns per chunk {RecordCode, g}:
    {RECORDED, g} if counted now (g > 0: the chunk had been dead-lettered as generation g),
    {DUPLICATE, 0} if it had been counted already, {RUN_MISSING, 0} if the run is gone,
    {CHUNK_UNKNOWN, 0} if the run does not know the chunk, {RUN_FAILED, 0} if the run
    failed (nobody will count the pack's other chunks: it is dropped, or given the
    retention if it holds a dead-lettered chunk).
  Adds to the counts hash: done, dead, settledBytes (count-fields.ts) and the fields above.
]]
--- @include "includes/recordCodes"
--- @include "includes/settle"
--- @include "includes/sums"
--- @include "includes/addCountedLines"
--- @include "includes/packState"
local n, m = tonumber(ARGV[3]), tonumber(ARGV[5])
local packs = {}
local at = 6
for p = 1, m do
  packs[p] = {
    key = KEYS[8 + p], source = ARGV[at], first = tonumber(ARGV[at + 1]), last = tonumber(ARGV[at + 2]),
    touched = false,
  }
  at = at + 3
end
local results = {}
local runExists = redis.call('EXISTS', KEYS[1]) == 1
local failed = runExists and redis.call('HGET', KEYS[1], 'status') == 'failed'
local recorded = 0
local seen, sums = {}, {}
for i = 1, n do
  local id, length, lines, linesField, pack = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], tonumber(ARGV[at + 4])
  local first, last = at + 6, at + 5 + 2 * tonumber(ARGV[at + 5])
  local insight = ARGV[last + 1]
  at = last + 2
  local state = nil
  if runExists then state = redis.call('HGET', KEYS[3], id) end
  if not runExists then
    results[i] = {RecordCode.RUN_MISSING, 0}
  elseif failed then
    if pack > 0 then packs[pack].touched = true end
    results[i] = {RecordCode.RUN_FAILED, 0}
  elseif not state then
    results[i] = {RecordCode.CHUNK_UNKNOWN, 0}
  elseif state == 'done' or seen[id] then
    results[i] = {RecordCode.DUPLICATE, 0}
  else
    seen[id] = true
    redis.call('HSET', KEYS[3], id, 'done')
    local generation = 0
    if state == 'dead' then
      -- Counted after all by a delivery that raced the dead-lettering.
      add(sums, 'dead', -1)
      redis.call('HDEL', KEYS[4], id)
      generation = tonumber(redis.call('HGET', KEYS[6], id) or '0')
    elseif state == 'replaying' then
      generation = tonumber(redis.call('HGET', KEYS[6], id) or '0')
    else
      add(sums, 'settledBytes', length)
    end
    add(sums, 'done', 1)
    add(sums, ARGV[1], 1)
    for j = first, last, 2 do
      add(sums, ARGV[j], ARGV[j + 1])
    end
    addCountedLines(KEYS[7], sums, id, lines, linesField)
    if insight ~= '' then redis.call('HSET', KEYS[8], id, insight) end
    if pack > 0 then packs[pack].touched = true end
    recorded = recorded + 1
    results[i] = {RecordCode.RECORDED, generation}
  end
end
addAll(KEYS[2], sums)
-- In a failed run, chunks still queued will never be counted: they need no bytes.
for _, pack in ipairs(packs) do
  if pack.touched then
    local _, dead, other = packState(KEYS[3], pack.source, pack.first, pack.last)
    if failed or other == 0 then
      if dead == 0 then
        redis.call('DEL', pack.key)
      elseif redis.call('PTTL', pack.key) == -1 then
        redis.call('PEXPIRE', pack.key, ARGV[4])
      end
    end
  end
end
if recorded > 0 then
  announce(settle(KEYS[1], KEYS[2]), ARGV[2], recorded)
end
return results
