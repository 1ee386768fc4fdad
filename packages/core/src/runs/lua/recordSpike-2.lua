--[[
  Counts a spike once, however often it is recorded.

  KEYS
    1 the seen hash
    2 the spike counts hash
  ARGV
    1 `<run>|<pattern>|<window start>`
    2 the pattern
  Returns a RecordCode: RECORDED if counted now, DUPLICATE if counted before.
]]
--- @include "includes/recordCodes"
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return RecordCode.DUPLICATE end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return RecordCode.RECORDED
