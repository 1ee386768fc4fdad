--[[
  Records the counts of one or more chunks of a run, each once. A chunk Redis does not
  know as enqueued (a restart lost it, with its accounting) is neither counted nor
  dead-lettered here: its coordinator enqueues it again. Then each pack that held a
  chunk recorded here is deleted if all its chunks are counted, or given the retention
  if the rest are dead-lettered (a replayed chunk's pack, kept while it ran). Each source
  of a chunk recorded folds its settled chunks (includes/foldChunkStates.lua).
  In a run with a record spec, a chunk's keys (--by) and distinct values
  (--count-distinct) are merged into the run's in the same step that marks it done, so a
  second delivery adds nothing (includes/mergeGroups.lua, includes/distinctValues.lua).

  KEYS
    1 run hash (its `maxKeys` field bounds the per-key table)
    2 counts hash
    3 chunk-state hash
    4 dead-letter hash
    5 unused (a chunk's pack, in the other chunk scripts)
    6 dead-letter generations hash
    7 chunk-lines hash
    8 insight hash
    9 per-key table hash (RedisKeys.groups)
    10 HyperLogLog of the keys in the table's `others` row (RedisKeys.groupsOthers)
    11… the packs
  Besides, per --count-distinct field, the keys named in ARGV (RedisKeys.distinct), and
  one SET or HyperLogLog per key of the table whose name the script builds: the field's
  per-key prefix followed by the key's JSON text. All start with the run's prefix-based
  names (on a Redis Cluster the prefix is a hash tag: one slot).
  ARGV
    1 the worker's field in the counts hash (count-fields.ts)
    2 event channel
    3 number of chunks
    4 how long to keep a pack with dead-lettered chunks (ms)
    5 number of packs
    6 w, the counters of a key: 1 + 2 x patterns (lines, then per pattern lines, occurrences)
    7 d, the number of --count-distinct fields
    8 distinct values counted exactly per key (EXACT_DISTINCT_PER_KEY)
    9 distinct values counted exactly in total and in `others` (EXACT_DISTINCT_TOTAL)
    10 --notify-over's n ('' without it): a key of the table whose lines pass n is a
      crossing (includes/mergeGroups.lua, includes/keyCrossings.lua)
    11 the run's crossings hash (RedisKeys.crossings)
    12 the prefix's crossings counter (RedisKeys.crossingCount)
    13 in a join, the prefix of its partitions' lists (RedisKeys.joinPieces), '' otherwise
    then the w fields of the `others` row in the counts hash (count-fields.ts)
    then per distinct field: its total set, its others set, its counts hash, its per-key
      prefix (RedisKeys.distinct)
    then per pack: its source, first and last chunk
    then per chunk:
      its id
      its byte length
      its line count as the worker counted it ('' for a stored chunk, whose lines the
        coordinator counted)
      its source's lines field in the counts hash (count-fields.ts)
      its pack (1… in the order above; 0 for a chunk read from shared storage)
      n, followed by n field/increment pairs for the counts hash (count-fields.ts)
      its insight and rejects as JSON ('' when it has neither)
      g, followed by g keys, each its JSON text and its w counters
      per distinct field (d of them): t, followed by t values (of all its selected
        lines); then b, followed by b keys, each its JSON text, k, and k values
      l (0, or g with --notify-over), and when l > 0: the chunk's first line in its source
        ('' when unknown: a chunk read from shared storage), then l line numbers: the
        last selected line of each of its g keys (1-based in the chunk), in their order
      j, followed by j partition/piece pairs: in a join, the chunk's join events, each
        piece appended to its partition's list (the reduce reads them, joins/partition-join.ts)
      its mark in a followed join, `sides:time` (its newest time), kept in the join's marks
        hash (RedisKeys.joinMarks) for startJoinTick-3.lua, or ''
  Returns per chunk {RecordCode, g}:
    {RECORDED, g} if counted now (g > 0: the chunk had been dead-lettered as generation g),
    {DUPLICATE, 0} if it had been counted already, {RUN_MISSING, 0} if the run is gone,
    {CHUNK_UNKNOWN, 0} if the run does not know the chunk, {RUN_FAILED, 0} if the run
    failed (nobody will count the pack's other chunks: it is dropped, or given the
    retention if it holds a dead-lettered chunk).
  Adds to the counts hash: done, dead, settledBytes (count-fields.ts) and the fields above;
  to a distinct field's counts hash: `t`, `o` and each key's count ('~n': an estimate);
  to the crossings hash, each key that passed n, and to the crossings counter, how many.
]]
--- @include "includes/recordCodes"
--- @include "includes/settle"
--- @include "includes/sums"
--- @include "includes/addCountedLines"
--- @include "includes/packState"
--- @include "includes/mergeGroups"
--- @include "includes/distinctValues"
--- @include "includes/keyCrossings"
--- @include "includes/chunkState"
--- @include "includes/setChunkState"
--- @include "includes/foldChunkStates"
local n, m = tonumber(ARGV[3]), tonumber(ARGV[5])
local width, d = tonumber(ARGV[6]), tonumber(ARGV[7])
local keyBound, totalBound = tonumber(ARGV[8]), tonumber(ARGV[9])
local joinPrefix = ARGV[13]
local at = 14
local groups = {key = KEYS[9], others = KEYS[10], runKey = KEYS[1], fields = {}, notifyOver = tonumber(ARGV[10])}
local crossingNames = {crossings = ARGV[11], counter = ARGV[12]}
for c = 1, width do groups.fields[c] = ARGV[at + c - 1] end
at = at + width
local fields = {}
for f = 1, d do
  fields[f] = {total = ARGV[at], others = ARGV[at + 1], counts = ARGV[at + 2], perKey = ARGV[at + 3]}
  at = at + 4
end
local packs = {}
for p = 1, m do
  packs[p] = {
    key = KEYS[10 + p], source = ARGV[at], first = tonumber(ARGV[at + 1]), last = tonumber(ARGV[at + 2]),
    touched = false,
  }
  at = at + 3
end
-- A chunk's keys and distinct values at ARGV[from…]: merged into the run's when `apply`
-- (the chunk is recorded now), only stepped over otherwise. Returns where they end.
local function chunkRecords(id, from, apply, sums)
  local inTable = {}
  local crossed = {}
  local pos = from
  local g = tonumber(ARGV[pos])
  pos = pos + 1
  for i = 1, g do
    if apply then
      local admitted, count = mergeKey(groups, sums, ARGV[pos], pos + 1)
      inTable[ARGV[pos]] = admitted
      if count then crossed[#crossed + 1] = {key = ARGV[pos], count = count, index = i} end
    end
    pos = pos + 1 + width
  end
  for f = 1, d do
    local names = fields[f]
    local t = tonumber(ARGV[pos])
    if apply and t > 0 then
      redis.call('HSET', names.counts, 't', addDistinct(names.total, totalBound, pos + 1, pos + t))
    end
    pos = pos + 1 + t
    local b = tonumber(ARGV[pos])
    pos = pos + 1
    for _ = 1, b do
      local key, k = ARGV[pos], tonumber(ARGV[pos + 1])
      if apply and k > 0 then
        if inTable[key] == nil then inTable[key] = redis.call('HEXISTS', groups.key, key) == 1 end
        if inTable[key] then
          redis.call('HSET', names.counts, key, addDistinct(names.perKey .. key, keyBound, pos + 2, pos + 1 + k))
        else
          redis.call('HSET', names.counts, 'o', addDistinct(names.others, totalBound, pos + 2, pos + 1 + k))
        end
      end
      pos = pos + 2 + k
    end
  end
  local l = tonumber(ARGV[pos])
  pos = pos + 1
  local firstLine = ''
  if l > 0 then
    firstLine = ARGV[pos]
    pos = pos + 1
  end
  if #crossed > 0 then
    local linesAt = pos
    recordCrossings(crossingNames, id, crossed, firstLine, function(index)
      if index <= l then return ARGV[linesAt + index - 1] end
      return nil
    end)
  end
  return pos + l
end
local results = {}
local runExists = redis.call('EXISTS', KEYS[1]) == 1
local failed = runExists and redis.call('HGET', KEYS[1], 'status') == 'failed'
local recorded = 0
local seen, sums, folding = {}, {}, {}
for i = 1, n do
  local id, length, lines, linesField, pack = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], tonumber(ARGV[at + 4])
  local first, last = at + 6, at + 5 + 2 * tonumber(ARGV[at + 5])
  local insight = ARGV[last + 1]
  local records = last + 2
  local state = nil
  local apply = false
  if runExists then state = stateOf(KEYS[3], id) end
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
    apply = true
    seen[id] = true
    setState(KEYS[3], id, 'done')
    folding[string.match(id, '^(%d+)%.')] = true
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
  at = chunkRecords(id, records, apply, sums)
  local j = tonumber(ARGV[at])
  local mark = ARGV[at + 1 + 2 * j]
  if apply then
    for p = 1, j do redis.call('RPUSH', joinPrefix .. ARGV[at + 2 * p - 1], ARGV[at + 2 * p]) end
    if mark ~= '' then redis.call('HSET', joinPrefix .. 'marks', id, mark) end
  end
  at = at + 2 + 2 * j
end
addAll(KEYS[2], sums)
for source in pairs(folding) do fold(KEYS[3], source) end
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
