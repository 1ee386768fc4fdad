-- settle marks the run completed or partial once it is sealed and every chunk is
-- settled; in a join (the run hash's `joinPartitions`), once every partition of the
-- round that began then is reduced too. A round begins when every chunk is settled and
-- the settled chunks are not those of the last round (`joinStamp`: a replayed chunk
-- counted since makes a new one): its reduce jobs are then added by whoever sees
-- `joinRound` past `joinEnqueued` (the worker that recorded, the waiting coordinator),
-- and each partition's result is recorded by recordJoinPartition-3.lua, which settles
-- the run after the last. A partition dead-lettered makes the run partial. The seal
-- carries the number of chunks the coordinator enqueued; if Redis lost some of them (a
-- restart that lost acknowledged writes), the run cannot finish short: it
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
  local join = redis.call('HMGET', runKey, 'joinPartitions', 'joinStamp', 'joinRound', 'joinReduced', 'joinDead')
  if join[1] then
    local stamp = done .. ':' .. dead
    if join[2] ~= stamp then
      redis.call('HSET', runKey, 'joinStamp', stamp, 'joinRound', tonumber(join[3] or '0') + 1, 'joinReduced', 0,
        'joinDead', 0)
      if status ~= 'running' then redis.call('HSET', runKey, 'status', 'running') end
      return false
    end
    if tonumber(join[4]) < tonumber(join[1]) then return false end
    if tonumber(join[5]) > 0 then final = 'partial' end
  end
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
