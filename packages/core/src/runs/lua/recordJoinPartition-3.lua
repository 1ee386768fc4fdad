--[[
  Records the result of one partition's reduce in a join, once per partition and round
  (includes/settle.lua says what a round is): a result of an earlier round, or one
  recorded already, changes nothing. After the round's last partition the run settles;
  a completed run's partition lists go (no chunk of it can be replayed any more), a
  partial run keeps them for its retention, for a replay to reduce again.

  KEYS
    1 run hash (joinPartitions, joinRound, joinReduced, joinDead)
    2 counts hash (what settle reads)
    3 the join's results hash (RedisKeys.joinResults): partition → `round \t result`
  ARGV
    1 the partition
    2 the round its job reduced
    3 its result (JSON, JoinPartitionResult), or the reason it was dead-lettered
    4 1 if dead-lettered, else 0
    5 event channel
    6 the prefix of the partitions' lists (RedisKeys.joinPieces)
  Returns a RecordCode: RECORDED, DUPLICATE (recorded before, or a round that is over),
  RUN_MISSING, RUN_FAILED.
]]
--- @include "includes/recordCodes"
--- @include "includes/settle"
if redis.call('EXISTS', KEYS[1]) == 0 then return RecordCode.RUN_MISSING end
local run = redis.call('HMGET', KEYS[1], 'status', 'joinRound', 'joinPartitions')
if run[1] == 'failed' then return RecordCode.RUN_FAILED end
local round = ARGV[2]
if run[2] ~= round then return RecordCode.DUPLICATE end
local before = redis.call('HGET', KEYS[3], ARGV[1])
if before and string.match(before, '^(%d+)\t') == round then return RecordCode.DUPLICATE end
redis.call('HSET', KEYS[3], ARGV[1], round .. '\t' .. (ARGV[4] == '1' and 'dead\t' or '') .. ARGV[3])
redis.call('HINCRBY', KEYS[1], 'joinReduced', 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'joinDead', 1) end
local finished = settle(KEYS[1], KEYS[2])
if finished and redis.call('HGET', KEYS[1], 'status') == 'completed' then
  for p = 0, tonumber(run[3]) - 1 do redis.call('DEL', ARGV[6] .. p) end
end
announce(finished, ARGV[5], 'join')
return RecordCode.RECORDED
