-- expireRun gives every key of a run that has ended its retention as time to live,
-- counted from now: the run hash's `retentionMs` (--run-retention), and for a partial run
-- at least `deadRetentionMs`, the longest retention its dead letters were given, so that
-- they can still be replayed into it. The names are RedisKeys' (keys.ts), made from the
-- run hash's: the run's fixed keys, and per --count-distinct field (the run hash's
-- `distinctFields`) its three keys and one per key of the per-key table; in a join, its
-- results hash and one list per partition (`joinPartitions`), and a followed join's
-- marks, closed keys' results and unmatched events. A run without
-- a retention (started by an earlier version) is left to `runs prune` and to the workers'
-- sweep (run-pruning.ts).
local RUN_KEY_SUFFIXES = {
  '', ':counts', ':chunks', ':dead', ':generations', ':lines', ':insight', ':groups', ':groups:others', ':crossings',
  ':sources', ':positions', ':join', ':join:marks', ':join:closed', ':join:unmatched',
}
local function expireRun(runKey, status)
  local run = redis.call('HMGET', runKey, 'retentionMs', 'deadRetentionMs', 'distinctFields', 'joinPartitions')
  if not run[1] then return end
  local ttl = tonumber(run[1])
  if status == 'partial' and run[2] then ttl = math.max(ttl, tonumber(run[2])) end
  for _, suffix in ipairs(RUN_KEY_SUFFIXES) do redis.call('PEXPIRE', runKey .. suffix, ttl) end
  for p = 0, tonumber(run[4] or '0') - 1 do redis.call('PEXPIRE', runKey .. ':join:' .. p, ttl) end
  local fields = tonumber(run[3] or '0')
  if fields == 0 then return end
  local tableKeys = redis.call('HKEYS', runKey .. ':groups')
  for f = 0, fields - 1 do
    local base = runKey .. ':distinct:' .. f
    for _, part in ipairs({':t', ':o', ':n'}) do redis.call('PEXPIRE', base .. part, ttl) end
    for _, key in ipairs(tableKeys) do redis.call('PEXPIRE', base .. ':k:' .. key, ttl) end
  end
end
