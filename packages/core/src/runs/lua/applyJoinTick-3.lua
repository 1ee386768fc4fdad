--[[
  Records one partition's tick of a followed join (startJoinTick-3.lua, joins/join-tick.ts),
  once: the pieces it read (the first n of the partition's list: the open events the last
  tick wrote, then those recorded since) are replaced by the open events it kept, and
  what its closed keys gave, summed with what they gave before, is kept; the left events
  it closed unmatched go to the run's stream of them, for the coordinator to log. Nothing
  is recorded if the tick is not the run's current one, the partition was recorded since
  it was read or has this tick already, or the final round has begun (it reads the list
  whole).

  KEYS
    1 run hash (status, joinRound, joinTick, joinTickApplied)
    2 the partition's list of pieces (RedisKeys.joinPieces and its number)
    3 the join's closed keys hash (RedisKeys.joinClosed): partition → `tick \t open pieces \t state`
  ARGV
    1 the partition
    2 the tick
    3 the tick the partition had when read ('0': none)
    4 n, the pieces read
    5 the state (JSON: what the closed keys gave so far, the bounds, the open events)
    6 the stream of unmatched left events (RedisKeys.joinUnmatched)
    7 how many pieces at the list's head are open events after it
    8 u, followed by u entries for it (JSON each)
    then the open pieces to put at the list's head
  Returns a RecordCode: RECORDED, DUPLICATE (recorded, superseded, or the final round
  has begun), RUN_MISSING.
]]
--- @include "includes/recordCodes"
if redis.call('EXISTS', KEYS[1]) == 0 then return RecordCode.RUN_MISSING end
local run = redis.call('HMGET', KEYS[1], 'status', 'joinRound', 'joinTick')
if run[1] ~= 'running' or (run[2] and run[2] ~= '0') or run[3] ~= ARGV[2] then return RecordCode.DUPLICATE end
local before = redis.call('HGET', KEYS[3], ARGV[1])
local had = before and string.match(before, '^(%d+)\t') or '0'
-- Recorded since it was read, or this tick recorded already (a skip told twice).
if had ~= ARGV[3] or tonumber(had) >= tonumber(ARGV[2]) then return RecordCode.DUPLICATE end
redis.call('LTRIM', KEYS[2], tonumber(ARGV[4]), -1)
local u = tonumber(ARGV[8])
for i = #ARGV, 9 + u, -1 do redis.call('LPUSH', KEYS[2], ARGV[i]) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. '\t' .. ARGV[7] .. '\t' .. ARGV[5])
for i = 9, 8 + u do redis.call('XADD', ARGV[6], 'MAXLEN', '~', 10000, '*', 'e', ARGV[i]) end
redis.call('HINCRBY', KEYS[1], 'joinTickApplied', 1)
return RecordCode.RECORDED
