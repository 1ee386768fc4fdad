-- settle marks the run completed or partial once it is sealed and every chunk is
-- settled. The seal carries the number of chunks the coordinator enqueued; if Redis lost
-- some of them (a restart that lost acknowledged writes), the run cannot finish short: it
-- waits for the coordinator to enqueue them again. It reads the counts hash's run-wide
-- fields chunks, done and dead (count-fields.ts). A run that ends starts its retention
-- (runRetention.lua).
--- @include "runRetention"
--
-- announce publishes the script's event on the run's channel: `finished` if this step
-- finished the run (its coordinator then reads the report at once), else `message`.
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
  expireRun(runKey, final)
  return true
end
local function announce(finished, channel, message)
  if finished then message = 'finished' end
  redis.call('PUBLISH', channel, message)
end
