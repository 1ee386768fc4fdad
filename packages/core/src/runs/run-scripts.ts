import { LuaScript } from '../redis/script.js';

/*
 * The scripts that change a run's state. Each runs atomically in Redis, which is what
 * makes counting exactly-once: a chunk's state is set in the same step as its counts
 * are added, so a second delivery of the chunk changes nothing. Each is also safe to
 * run twice, which is what ioredis does with a command whose reply a reconnect lost.
 *
 * Shared KEYS: 1 run hash, 2 counts hash, 3 chunk-state hash, 4 dead-letter hash,
 * 5 chunk bytes, 6 dead-letter generations hash, 7 chunk-lines hash.
 * A chunk's state: absent (never enqueued) → queued → done | dead, and a replay takes
 * dead → replaying → done | dead. Each time a chunk is dead-lettered its generation (in
 * the generations hash) goes up, so every dead-lettering has an id of its own.
 * Counters in the counts hash:
 *   chunks and s<i>:chunks|bytes|lines                what was enqueued
 *   done, dead                                        chunks counted / dead-lettered now
 *   settledBytes                                      bytes no longer in flight
 *   s<i>:p<j>:l|o                                     matching lines / occurrences
 *   w:<worker>                                        chunks each worker counted
 */

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
 * KEYS: 1 run hash, 2 counts hash, 3 chunk-state hash, then each chunk's bytes key.
 * ARGV: 1 how many chunks, then per chunk: its id, source index, byte length, line count
 * ('' when the workers will count the lines: a chunk read from shared storage), and '1'
 * if its bytes are kept in Redis.
 * Returns per chunk 1 if added now, 0 if it was enqueued before, -1 if the run is gone,
 * -4 if its bytes are not there (SET them again, then call again).
 */
export const storeChunksScript = new LuaScript(
  'storeChunks',
  `
local n = tonumber(ARGV[1])
local results = {}
local exists = redis.call('EXISTS', KEYS[1]) == 1
for i = 0, n - 1 do
  local at = 2 + i * 5
  if not exists then
    results[i + 1] = -1
  elseif redis.call('HEXISTS', KEYS[3], ARGV[at]) == 1 then
    results[i + 1] = 0
  elseif ARGV[at + 4] == '1' and redis.call('EXISTS', KEYS[4 + i]) == 0 then
    results[i + 1] = -4
  else
    redis.call('HSET', KEYS[3], ARGV[at], 'queued')
    local s = 's' .. ARGV[at + 1] .. ':'
    redis.call('HINCRBY', KEYS[2], 'chunks', 1)
    redis.call('HINCRBY', KEYS[2], s .. 'chunks', 1)
    redis.call('HINCRBY', KEYS[2], s .. 'bytes', ARGV[at + 2])
    if ARGV[at + 3] ~= '' then redis.call('HINCRBY', KEYS[2], s .. 'lines', ARGV[at + 3]) end
    results[i + 1] = 1
  end
end
return results
`,
);

/**
 * Adds a chunk's lines to its source's, once, for a chunk whose lines only a worker
 * counted (read from shared storage): the chunk-lines hash is the guard.
 */
const ADD_COUNTED_LINES = `
local function addCountedLines(linesKey, countsKey, chunk, lines, field)
  if lines ~= '' and redis.call('HSETNX', linesKey, chunk, lines) == 1 then
    redis.call('HINCRBY', countsKey, field, lines)
  end
end
`;

/**
 * Records the counts of one or more chunks of a run, each once. A chunk Redis does not
 * know as enqueued (a restart lost it, with its accounting) is neither counted nor
 * dead-lettered here: its coordinator enqueues it again.
 *
 * KEYS: the shared ones (1–7), 8 the run's insight hash, then 9… the bytes key of each chunk.
 * ARGV: 1 worker field, 2 event channel, 3 number of chunks; then per chunk: its id, byte
 * length, line count as the worker counted it ('' for a stored chunk, whose lines the
 * coordinator counted), its source's lines field, n followed by n field/increment
 * pairs, and the chunk's insight as JSON ('' when the run asks for none). Returns per chunk {1, g} if counted now (g > 0: the chunk had been dead-lettered
 * as generation g), {0, 0} if it had been counted already, {-1, 0} if the run is gone,
 * {-2, 0} if the run does not know the chunk, {-3, 0} if the run failed (the chunk's
 * bytes are dropped: nobody will need them).
 */
export const recordResultsScript = new LuaScript(
  'recordResults',
  `${SETTLE}${ADD_COUNTED_LINES}
local n = tonumber(ARGV[3])
local results = {}
local runExists = redis.call('EXISTS', KEYS[1]) == 1
local failed = runExists and redis.call('HGET', KEYS[1], 'status') == 'failed'
local recorded = 0
local at = 4
for i = 1, n do
  local id, length, lines, linesField = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local first, last = at + 5, at + 4 + 2 * tonumber(ARGV[at + 4])
  local insight = ARGV[last + 1]
  at = last + 2
  local state = nil
  if runExists then state = redis.call('HGET', KEYS[3], id) end
  if not runExists then
    results[i] = {-1, 0}
  elseif failed then
    redis.call('DEL', KEYS[8 + i])
    results[i] = {-3, 0}
  elseif not state then
    results[i] = {-2, 0}
  elseif state == 'done' then
    results[i] = {0, 0}
  else
    redis.call('HSET', KEYS[3], id, 'done')
    local generation = 0
    if state == 'dead' then
      -- Counted after all by a delivery that raced the dead-lettering.
      redis.call('HINCRBY', KEYS[2], 'dead', -1)
      redis.call('HDEL', KEYS[4], id)
      generation = tonumber(redis.call('HGET', KEYS[6], id) or '0')
    elseif state == 'replaying' then
      generation = tonumber(redis.call('HGET', KEYS[6], id) or '0')
    else
      redis.call('HINCRBY', KEYS[2], 'settledBytes', length)
    end
    redis.call('HINCRBY', KEYS[2], 'done', 1)
    redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
    for j = first, last, 2 do
      redis.call('HINCRBY', KEYS[2], ARGV[j], ARGV[j + 1])
    end
    addCountedLines(KEYS[7], KEYS[2], id, lines, linesField)
    if insight ~= '' then redis.call('HSET', KEYS[8], id, insight) end
    redis.call('DEL', KEYS[8 + i])
    recorded = recorded + 1
    results[i] = {1, generation}
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
 * or unknown), 7 the source's lines field. Returns {1, g} if dead-lettered now as generation g,
 * {0, g} if it was dead already (its reason is updated), {0, 0} if it was counted,
 * {-1, 0} if the run is gone, and {-2, 0} if the run does not know the chunk.
 */
export const recordDeadLetterScript = new LuaScript(
  'recordDeadLetter',
  `${SETTLE}${ADD_COUNTED_LINES}
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local state = redis.call('HGET', KEYS[3], ARGV[1])
if not state then return {-2, 0} end
if state == 'done' then return {0, 0} end
addCountedLines(KEYS[7], KEYS[2], ARGV[1], ARGV[6], ARGV[7])
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
redis.call('PEXPIRE', KEYS[5], ARGV[5])
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
 * Takes a dead-lettered chunk back for replay: dead → replaying, its bytes kept (their
 * expiry cleared), its range no longer listed as dead, and the run running again until
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
