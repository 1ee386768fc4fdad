--[[
  Records, as dead-lettered, a chunk that Redis lost (a restart that lost acknowledged
  writes) and that cannot be enqueued again because its source cannot be read again.

  KEYS
    1 run hash
    2 counts hash
    3 chunk-state hash
    4 dead-letter hash
    5 unused (the chunk's pack: it has no bytes in Redis)
    6 dead-letter generations hash
    7 unused (chunk-lines hash)
  ARGV
    1 chunk id
    2-4 its source's chunks, bytes and lines fields in the counts hash (count-fields.ts)
    5 byte length
    6 line count
    7 dead-letter JSON (its range and reason)
    8 event channel
  Returns a RecordCode: RECORDED if recorded, DUPLICATE if Redis knows the chunk after
  all, RUN_MISSING if the run is gone.
  Adds to the counts hash: chunks, dead, settledBytes (count-fields.ts) and the fields above.
]]
--- @include "includes/recordCodes"
--- @include "includes/settle"
--- @include "includes/chunkState"
--- @include "includes/setChunkState"
if redis.call('EXISTS', KEYS[1]) == 0 then return RecordCode.RUN_MISSING end
if stateOf(KEYS[3], ARGV[1]) then return RecordCode.DUPLICATE end
setState(KEYS[3], ARGV[1], 'dead')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[7])
redis.call('HINCRBY', KEYS[6], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], 'chunks', 1)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[2], ARGV[3], ARGV[5])
redis.call('HINCRBY', KEYS[2], ARGV[4], ARGV[6])
redis.call('HINCRBY', KEYS[2], 'dead', 1)
redis.call('HINCRBY', KEYS[2], 'settledBytes', ARGV[5])
announce(settle(KEYS[1], KEYS[2]), ARGV[8], ARGV[1])
return RecordCode.RECORDED
