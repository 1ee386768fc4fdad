--[[
  Compacts a completed run to its report: the report is kept in the run hash (field
  `report`, which reading the run returns from then on) with the counts hash, and what
  the run kept per chunk and per key goes. The chunk-state hash is left holding `*`, which
  says that every chunk of the run is done (includes/chunkStates.lua): a late delivery
  of any chunk is still known as counted, and refused. What is left keeps the run's
  time to live (includes/runRetention.lua), and so does the sources hash of a followed run
  (the names its progress shows).

  KEYS
    1 run hash
    2 chunk-state hash
    3 dead-letter hash
    4 dead-letter generations hash
    5 chunk-lines hash
    6 insight hash
    7 per-key table hash (RedisKeys.groups)
    8 HyperLogLog of the keys in the table's `others` row
    9 crossings hash
    10 positions hash (a followed run's checkpoints)
  Besides, per --count-distinct field (the run hash's `distinctFields`), and in a join
  (`joinPartitions`), the keys that runRetention.lua names.
  ARGV
    1 the report (JSON)
  Returns 1 if compacted now, 0 if the run is not completed (a replay may have taken it
  back) or was compacted before.
]]
local run = redis.call('HMGET', KEYS[1], 'status', 'report', 'distinctFields', 'joinPartitions')
if run[1] ~= 'completed' or run[2] then return 0 end
redis.call('HSET', KEYS[1], 'report', ARGV[1])
local fields = tonumber(run[3] or '0')
if fields > 0 then
  local tableKeys = redis.call('HKEYS', KEYS[7])
  for f = 0, fields - 1 do
    local base = KEYS[1] .. ':distinct:' .. f
    redis.call('DEL', base .. ':t', base .. ':o', base .. ':n')
    for _, key in ipairs(tableKeys) do redis.call('DEL', base .. ':k:' .. key) end
  end
end
-- A join's results and partitions (the partitions' lists went when the run completed, unless Redis lost that step).
for p = 0, tonumber(run[4] or '0') - 1 do redis.call('DEL', KEYS[1] .. ':join:' .. p) end
if run[4] then
  local join = KEYS[1] .. ':join'
  redis.call('DEL', join, join .. ':marks', join .. ':closed', join .. ':unmatched')
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10])
redis.call('HSET', KEYS[2], '*', 'done')
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
