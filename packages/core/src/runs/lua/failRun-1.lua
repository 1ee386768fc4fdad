#!lua flags=allow-oom
--[[
  Ends a run that cannot go on: its input broke, the coordinator hit an error, or Redis
  is full and nothing drains it. allow-oom: that last run must be marked failed too, and
  the mark is a few bytes. The run's retention starts (includes/runRetention.lua).

  KEYS
    1 run hash
  ARGV
    1 event channel
    2 the reason
    3 when (ms since the epoch)
  Returns 1.
]]
--- @include "includes/runRetention"
redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[2], 'finishedAt', ARGV[3])
expireRun(KEYS[1], 'failed')
redis.call('PUBLISH', ARGV[1], 'failed')
return 1
