import { LuaScript } from '../redis/script.js';

/*
 * The scripts that change a run's state. Each runs atomically in Redis, which is what
 * makes counting exactly-once: a chunk's state in the `chunks` hash is set in the same
 * step as its counts are added, so a second delivery of the chunk changes nothing.
 *
 * Shared KEYS: 1 run hash, 2 counts hash, 3 chunk-state hash, 4 dead-letter hash,
 * 5 chunk bytes. Counters in the counts hash:
 *   chunks/bytes/lines and s<i>:chunks|bytes|lines  what was enqueued
 *   done, dead                                        chunks counted / dead-lettered now
 *   settledBytes                                      bytes no longer in flight
 *   s<i>:p<j>:l|o                                     matching lines / occurrences
 *   w:<worker>                                        chunks each worker counted
 */

/** Marks the run completed or partial once it is sealed and every chunk is settled. */
const SETTLE = `
local function settle(runKey, countsKey)
  if redis.call('HGET', runKey, 'sealed') ~= '1' then return end
  local status = redis.call('HGET', runKey, 'status')
  if status == 'failed' then return end
  local c = redis.call('HMGET', countsKey, 'chunks', 'done', 'dead')
  local total, done, dead = tonumber(c[1] or '0'), tonumber(c[2] or '0'), tonumber(c[3] or '0')
  if done + dead < total then return end
  local final = 'completed'
  if dead > 0 then final = 'partial' end
  if status ~= final then
    local t = redis.call('TIME')
    redis.call('HSET', runKey, 'status', final, 'finishedAt', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  end
end
`;

/**
 * ARGV: 1 chunk id, 2 worker field, 3 chunk byte length, 4 event channel, 5… field/increment pairs.
 * Returns 1 if counted now, 0 if the chunk had been counted already, -1 if the run is gone.
 */
export const recordResultScript = new LuaScript(
  'recordResult',
  `${SETTLE}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local state = redis.call('HGET', KEYS[3], ARGV[1])
if state == 'done' then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], 'done')
if state == 'dead' then
  redis.call('HINCRBY', KEYS[2], 'dead', -1)
  redis.call('HDEL', KEYS[4], ARGV[1])
else
  redis.call('HINCRBY', KEYS[2], 'settledBytes', ARGV[3])
end
redis.call('HINCRBY', KEYS[2], 'done', 1)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
for i = 5, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('DEL', KEYS[5])
settle(KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
`,
);

/**
 * ARGV: 1 chunk id, 2 dead-letter JSON, 3 chunk byte length, 4 event channel, 5 how long
 * to keep the chunk's bytes (ms). Returns 1 if dead-lettered now, 0 if the chunk was
 * counted or dead-lettered already, -1 if the run is gone.
 */
export const recordDeadLetterScript = new LuaScript(
  'recordDeadLetter',
  `${SETTLE}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[3], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], 'dead')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'dead', 1)
redis.call('HINCRBY', KEYS[2], 'settledBytes', ARGV[3])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
settle(KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
`,
);

/** KEYS: 1 run hash, 2 counts hash. ARGV: 1 event channel. Marks every chunk enqueued. */
export const sealRunScript = new LuaScript(
  'sealRun',
  `${SETTLE}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'sealed', '1')
settle(KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[1], 'sealed')
return 1
`,
);
