--[[
  Takes a join's dead-lettered partition back for a replay: if its result in the run's
  current round is that it was dead-lettered, the result is dropped, the round counts one
  partition less reduced (and dead), and the run is running again until the replayed
  reduce records it (recordJoinPartition-3.lua, which settles the run after it).

  KEYS
    1 run hash (joinRound, joinReduced, joinDead, status)
    2 the join's results hash (RedisKeys.joinResults)
  ARGV
    1 the partition
    2 the round it was dead-lettered in
  Returns 1 if taken back, 0 if the partition is not dead in that round (recorded since,
  taken back already, or a later round began).
]]
if redis.call('HGET', KEYS[1], 'joinRound') ~= ARGV[2] then return 0 end
local result = redis.call('HGET', KEYS[2], ARGV[1])
if not result or string.sub(result, 1, #ARGV[2] + 6) ~= ARGV[2] .. '\tdead\t' then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'joinReduced', -1)
redis.call('HINCRBY', KEYS[1], 'joinDead', -1)
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then
  redis.call('HSET', KEYS[1], 'status', 'running')
  redis.call('HDEL', KEYS[1], 'finishedAt')
end
return 1
