--[[
  Takes a dead-lettered chunk back for replay: dead → replaying, its pack kept (its
  expiry cleared, until the chunk settles again), its range no longer listed as dead, and
  the run running again until the chunk settles. Running it again for the same
  generation changes nothing more, so an interrupted replay can simply be repeated.

  KEYS
    1 run hash
    2 counts hash
    3 chunk-state hash
    4 dead-letter hash
    5 the chunk's pack
    6 dead-letter generations hash
    7 unused (chunk-lines hash)
  ARGV
    1 chunk id
    2 generation
    3 '1' if the chunk's bytes are in Redis (not read from shared storage)
  Returns a ReplayCode: READY if ready to be enqueued again, NOT_DEAD if the chunk is not
  dead in that generation (counted since, or dead again later), BYTES_GONE if its bytes
  are gone (kept only for the retention period).
  Takes from the counts hash: dead (count-fields.ts).
]]
--- @include "includes/replayCodes"
--- @include "includes/chunkState"
--- @include "includes/setChunkState"
local state = stateOf(KEYS[3], ARGV[1])
if state ~= 'dead' and state ~= 'replaying' then return ReplayCode.NOT_DEAD end
if tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0') ~= tonumber(ARGV[2]) then return ReplayCode.NOT_DEAD end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[5]) == 0 then return ReplayCode.BYTES_GONE end
if state == 'replaying' then return ReplayCode.READY end
redis.call('PERSIST', KEYS[5])
setState(KEYS[3], ARGV[1], 'replaying')
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HINCRBY', KEYS[2], 'dead', -1)
if redis.call('HGET', KEYS[1], 'status') ~= 'failed' then
  redis.call('HSET', KEYS[1], 'status', 'running')
  redis.call('HDEL', KEYS[1], 'finishedAt')
end
return ReplayCode.READY
