import { LuaScript } from '../redis/script.js';

/*
 * The scripts that change a run's state. Each runs atomically in Redis, which is what
 * makes counting exactly-once: a chunk's state is set in the same step as its counts
 * are added, so a second delivery of the chunk changes nothing. Each is also safe to
 * run twice, which is what ioredis does with a command whose reply a reconnect lost.
 *
 * Shared KEYS: 1 run hash, 2 counts hash, 3 chunk-state hash, 4 dead-letter hash,
 * 5 the chunk's pack (its bytes), 6 dead-letter generations hash, 7 chunk-lines hash.
 * A chunk's state: absent (never enqueued) → queued → done | dead, and a replay takes
 * dead → replaying → done | dead. Each time a chunk is dead-lettered its generation (in
 * the generations hash) goes up, so every dead-lettering has an id of its own.
 * Counters in the counts hash:
 *   chunks and s<i>:chunks|bytes|lines                what was enqueued
 *   done, dead                                        chunks counted / dead-lettered now
 *   settledBytes                                      bytes no longer in flight
 *   s<i>:p<j>:l|o                                     matching lines / occurrences
 *   s<i>:any                                          lines any pattern selects (several patterns)
 *   w:<worker>                                        chunks each worker counted
 * A script that changes a counter for many chunks adds them up first and sends one
 * HINCRBY per counter: a job of 64 chunks made 9 calls a chunk.
 *
 * A job's chunks are stored together, as one pack (`RedisKeys.chunkPack`): it is
 * deleted when every chunk in it is counted, and it expires after the dead-letter
 * retention once every chunk in it is counted or dead-lettered, some dead.
 */

/** Counter increments added up in a table, then sent once per counter. */
const SUMS = `
local function add(sums, field, by)
  sums[field] = (sums[field] or 0) + tonumber(by)
end
local function addAll(key, sums)
  for field, by in pairs(sums) do
    if by ~= 0 then redis.call('HINCRBY', key, field, by) end
  end
end
`;

/**
 * What the chunks of a pack (source, chunks first…last) have come to: how many are
 * counted, how many dead-lettered, how many neither (queued, replaying, or unknown).
 */
const PACK_STATE = `
local function packState(statesKey, source, first, last)
  local ids = {}
  for seq = first, last do ids[#ids + 1] = source .. '.' .. seq end
  local done, dead, other = 0, 0, 0
  for _, state in ipairs(redis.call('HMGET', statesKey, unpack(ids))) do
    if state == 'done' then done = done + 1
    elseif state == 'dead' then dead = dead + 1
    else other = other + 1 end
  end
  return done, dead, other
end
`;

/**
 * Marks the run completed or partial once it is sealed and every chunk is settled. The
 * seal carries the number of chunks the coordinator enqueued; if Redis lost some of them
 * (a restart that lost acknowledged writes), the run cannot finish short: it waits for
 * the coordinator to enqueue them again.
 *
 * `announce` publishes the script's event on the run's channel: `finished` if this step
 * finished the run (its coordinator then reads the report at once), else `message`.
 */
const SETTLE = `
local function settle(runKey, countsKey)
  local seal = redis.call('HMGET', runKey, 'sealed', 'status', 'expectedChunks')
  if seal[1] ~= '1' then return false end
  local status = seal[2]
  if status == 'failed' then return false end
  local c = redis.call('HMGET', countsKey, 'chunks', 'done', 'dead')
  local total, done, dead = tonumber(c[1] or '0'), tonumber(c[2] or '0'), tonumber(c[3] or '0')
  if seal[3] and tonumber(seal[3]) ~= total then return false end
  if done + dead < total then return false end
  local final = 'completed'
  if dead > 0 then final = 'partial' end
  if status == final then return false end
  local t = redis.call('TIME')
  redis.call('HSET', runKey, 'status', final, 'finishedAt', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  return true
end
local function announce(finished, channel, message)
  if finished then message = 'finished' end
  redis.call('PUBLISH', channel, message)
end
`;

/**
 * Adds chunks to what the run enqueued, each once. A chunk whose bytes are kept in Redis
 * is added only if they are there: they are SET before, on the chunk-bytes path, which
 * may be another connection, and a restart or failover in between can lose them while
 * this lands; a queued chunk always has its bytes (or was lost together with them).
 * KEYS: 1 run hash, 2 counts hash, 3 chunk-state hash, 4 the pack holding the bytes of
 * the chunks that have them in Redis (absent if none has).
 * ARGV: 1 how many chunks, then per chunk: its id, source index, byte length, line count
 * ('' when the workers will count the lines: a chunk read from shared storage), and '1'
 * if its bytes are kept in Redis.
 * Returns per chunk 1 if added now, 0 if it was enqueued before, -1 if the run is gone,
 * -4 if its bytes are not there (SET them again, then call again).
 */
export const storeChunksScript = new LuaScript(
  'storeChunks',
  `${SUMS}
local n = tonumber(ARGV[1])
local results = {}
if redis.call('EXISTS', KEYS[1]) == 0 then
  for i = 1, n do results[i] = -1 end
  return results
end
local ids = {}
for i = 0, n - 1 do ids[i + 1] = ARGV[2 + i * 5] end
local known = redis.call('HMGET', KEYS[3], unpack(ids))
local packThere = nil
local queued, seen, sums = {}, {}, {}
for i = 0, n - 1 do
  local at = 2 + i * 5
  local id = ARGV[at]
  if known[i + 1] or seen[id] then
    results[i + 1] = 0
  else
    if ARGV[at + 4] == '1' and packThere == nil then packThere = redis.call('EXISTS', KEYS[4]) == 1 end
    if ARGV[at + 4] == '1' and not packThere then
      results[i + 1] = -4
    else
      seen[id] = true
      queued[#queued + 1] = id
      queued[#queued + 1] = 'queued'
      local s = 's' .. ARGV[at + 1] .. ':'
      add(sums, 'chunks', 1)
      add(sums, s .. 'chunks', 1)
      add(sums, s .. 'bytes', ARGV[at + 2])
      if ARGV[at + 3] ~= '' then add(sums, s .. 'lines', ARGV[at + 3]) end
      results[i + 1] = 1
    end
  end
end
if #queued > 0 then redis.call('HSET', KEYS[3], unpack(queued)) end
addAll(KEYS[2], sums)
return results
`,
);

/**
 * Adds a chunk's lines to its source's, once, for a chunk whose lines only a worker
 * counted (read from shared storage): the chunk-lines hash is the guard.
 */
const ADD_COUNTED_LINES = `
local function addCountedLines(linesKey, sums, chunk, lines, field)
  if lines ~= '' and redis.call('HSETNX', linesKey, chunk, lines) == 1 then
    add(sums, field, lines)
  end
end
`;

/**
 * Records the counts of one or more chunks of a run, each once. A chunk Redis does not
 * know as enqueued (a restart lost it, with its accounting) is neither counted nor
 * dead-lettered here: its coordinator enqueues it again. Then each pack that held a
 * chunk recorded here is deleted if all its chunks are counted, or given the retention
 * if the rest are dead-lettered (a replayed chunk's pack, kept while it ran).
 *
 * KEYS: the shared ones (1–7; 5 unused), 8 the run's insight hash, then 9… the packs.
 * ARGV: 1 worker field, 2 event channel, 3 number of chunks, 4 how long to keep a pack
 * with dead-lettered chunks (ms), 5 number of packs; per pack: its source, first and
 * last chunk; then per chunk: its id, byte length, line count as the worker counted it
 * ('' for a stored chunk, whose lines the coordinator counted), its source's lines
 * field, its pack (1… in the order above; 0 for a chunk read from shared storage), n
 * followed by n field/increment pairs, and the chunk's insight as JSON ('' when the run
 * asks for none). Returns per chunk {1, g} if counted now (g > 0: the chunk had been
 * dead-lettered as generation g), {0, 0} if it had been counted already, {-1, 0} if the
 * run is gone, {-2, 0} if the run does not know the chunk, {-3, 0} if the run failed
 * (nobody will count the pack's other chunks: it is dropped, or given the retention if
 * it holds a dead-lettered chunk).
 */
export const recordResultsScript = new LuaScript(
  'recordResults',
  `${SETTLE}${SUMS}${ADD_COUNTED_LINES}${PACK_STATE}
local n, m = tonumber(ARGV[3]), tonumber(ARGV[5])
local packs = {}
local at = 6
for p = 1, m do
  packs[p] = { key = KEYS[8 + p], source = ARGV[at], first = tonumber(ARGV[at + 1]), last = tonumber(ARGV[at + 2]), touched = false }
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
    results[i] = {-1, 0}
  elseif failed then
    if pack > 0 then packs[pack].touched = true end
    results[i] = {-3, 0}
  elseif not state then
    results[i] = {-2, 0}
  elseif state == 'done' or seen[id] then
    results[i] = {0, 0}
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
    results[i] = {1, generation}
  end
end
addAll(KEYS[2], sums)
-- In a failed run, chunks still queued will never be counted: they need no bytes.
for _, pack in ipairs(packs) do
  if pack.touched then
    local done, dead, other = packState(KEYS[3], pack.source, pack.first, pack.last)
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
`,
);

/**
 * ARGV: 1 chunk id, 2 dead-letter JSON, 3 chunk byte length, 4 event channel, 5 how long
 * to keep the chunk's bytes (ms), 6 its line count as a worker counted it ('' if stored,
 * or unknown), 7 the source's lines field, 8–10 its pack's source, first and last chunk.
 * The pack expires after the retention once none of its chunks is still to be counted
 * (until then, they need it), or at once if the run failed (none ever will be). Returns {1, g} if dead-lettered now as generation g,
 * {0, g} if it was dead already (its reason is updated), {0, 0} if it was counted,
 * {-1, 0} if the run is gone, and {-2, 0} if the run does not know the chunk.
 */
export const recordDeadLetterScript = new LuaScript(
  'recordDeadLetter',
  `${SETTLE}${SUMS}${ADD_COUNTED_LINES}${PACK_STATE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local state = redis.call('HGET', KEYS[3], ARGV[1])
if not state then return {-2, 0} end
if state == 'done' then return {0, 0} end
local sums = {}
addCountedLines(KEYS[7], sums, ARGV[1], ARGV[6], ARGV[7])
addAll(KEYS[2], sums)
if state == 'dead' then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
  return {0, tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0')}
end
redis.call('HSET', KEYS[3], ARGV[1], 'dead')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
local generation = redis.call('HINCRBY', KEYS[6], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], 'dead', 1)
if state ~= 'replaying' then
  redis.call('HINCRBY', KEYS[2], 'settledBytes', ARGV[3])
end
local _, _, other = packState(KEYS[3], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]))
if other == 0 or redis.call('HGET', KEYS[1], 'status') == 'failed' then redis.call('PEXPIRE', KEYS[5], ARGV[5]) end
announce(settle(KEYS[1], KEYS[2]), ARGV[4], ARGV[1])
return {1, generation}
`,
);

/**
 * Records, as dead-lettered, a chunk that Redis lost (a restart that lost acknowledged
 * writes) and that cannot be enqueued again because its source cannot be read again.
 * ARGV: 1 chunk id, 2 source index, 3 byte length, 4 line count, 5 dead-letter JSON,
 * 6 event channel. Returns 1 if recorded, 0 if Redis knows the chunk after all.
 */
export const recordLostChunkScript = new LuaScript(
  'recordLostChunk',
  `${SETTLE}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[3], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], 'dead')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])
redis.call('HINCRBY', KEYS[6], ARGV[1], 1)
local s = 's' .. ARGV[2] .. ':'
redis.call('HINCRBY', KEYS[2], 'chunks', 1)
redis.call('HINCRBY', KEYS[2], s .. 'chunks', 1)
redis.call('HINCRBY', KEYS[2], s .. 'bytes', ARGV[3])
redis.call('HINCRBY', KEYS[2], s .. 'lines', ARGV[4])
redis.call('HINCRBY', KEYS[2], 'dead', 1)
redis.call('HINCRBY', KEYS[2], 'settledBytes', ARGV[3])
announce(settle(KEYS[1], KEYS[2]), ARGV[6], ARGV[1])
return 1
`,
);

/**
 * KEYS: 1 run hash, 2 counts hash. ARGV: 1 event channel, 2 how many chunks were
 * enqueued. Marks every chunk enqueued.
 */
export const sealRunScript = new LuaScript(
  'sealRun',
  `${SETTLE}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'sealed', '1', 'expectedChunks', ARGV[2])
announce(settle(KEYS[1], KEYS[2]), ARGV[1], 'sealed')
return 1
`,
);

/**
 * Takes a dead-lettered chunk back for replay: dead → replaying, its pack kept (its
 * expiry cleared, until the chunk settles again), its range no longer listed as dead, and the run running again until
 * the chunk settles. Running it again for the same generation changes nothing more, so
 * an interrupted replay can simply be repeated.
 * ARGV: 1 chunk id, 2 generation, 3 '1' if the chunk's bytes are in Redis (not read
 * from shared storage). Returns 1 if ready to be enqueued again, 0 if the chunk is not
 * dead in that generation (counted since, or dead again later), -1 if its bytes are gone
 * (kept only for the retention period).
 */
export const prepareReplayScript = new LuaScript(
  'prepareReplay',
  `
local state = redis.call('HGET', KEYS[3], ARGV[1])
if state ~= 'dead' and state ~= 'replaying' then return 0 end
if tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0') ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[5]) == 0 then return -1 end
if state == 'replaying' then return 1 end
redis.call('PERSIST', KEYS[5])
redis.call('HSET', KEYS[3], ARGV[1], 'replaying')
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HINCRBY', KEYS[2], 'dead', -1)
if redis.call('HGET', KEYS[1], 'status') ~= 'failed' then
  redis.call('HSET', KEYS[1], 'status', 'running')
  redis.call('HDEL', KEYS[1], 'finishedAt')
end
return 1
`,
);

/**
 * Drops the bytes of dead-lettered chunks of one pack that will not be replayed (their
 * entries are being purged): the pack is deleted once every chunk in it is counted or
 * one of these, still dead in the generation given. A chunk being replayed, or dead
 * again in a later generation (its entry is another), keeps it.
 * KEYS: 1 chunk-state hash, 2 dead-letter generations hash, 3 the pack. ARGV: 1–3 the
 * pack's source, first and last chunk, then per chunk: its id and generation.
 * Returns 1 if the pack was deleted.
 */
export const dropChunkBytesScript = new LuaScript(
  'dropChunkBytes',
  `
local purged = {}
for i = 4, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == 'dead' and tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') == tonumber(ARGV[i + 1]) then
    purged[ARGV[i]] = true
  end
end
for seq = tonumber(ARGV[2]), tonumber(ARGV[3]) do
  local id = ARGV[1] .. '.' .. seq
  if not purged[id] and redis.call('HGET', KEYS[1], id) ~= 'done' then return 0 end
end
return redis.call('DEL', KEYS[3])
`,
);

/**
 * Counts a spike once, however often it is recorded. KEYS: 1 the seen hash, 2 the counts
 * hash. ARGV: 1 `<run>|<pattern>|<start>`, 2 the pattern. Returns 1 if counted now.
 */
export const recordSpikeScript = new LuaScript(
  'recordSpike',
  `
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 1
`,
);
