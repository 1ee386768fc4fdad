--[[
  Marks every chunk of the run enqueued; the run finishes when that many are settled.

  KEYS
    1 run hash
    2 counts hash
  ARGV
    1 event channel
    2 how many chunks were enqueued
  Returns a RecordCode: RECORDED if sealed, RUN_MISSING if the run is gone.
]]
--- @include "includes/recordCodes"
--- @include "includes/settle"
if redis.call('EXISTS', KEYS[1]) == 0 then return RecordCode.RUN_MISSING end
redis.call('HSET', KEYS[1], 'sealed', '1', 'expectedChunks', ARGV[2])
announce(settle(KEYS[1], KEYS[2]), ARGV[1], 'sealed')
return RecordCode.RECORDED
