-- Distinct values (--count-distinct) in a key that holds a SET while the count is exact
-- (at most `bound` members) and, past that, a HyperLogLog (a string): its type says which.
-- The set is converted once (PFADD of its members, the set deleted); from then on values
-- go to the HyperLogLog and the count is PFCOUNT's estimate (standard error 0.81 %).
-- addDistinct adds ARGV[first…last] and returns the count as the counts hash keeps it:
-- 'n' when exact, '~n' when an estimate. A key's set is named by the calling script from
-- a prefix in ARGV and the key, not passed in KEYS (a run may have thousands): every name
-- starts with the run's prefix, which on a Redis Cluster is a hash tag, so all stay in
-- the slot of the run's other keys.
local BATCH = 1000 -- values per command: Lua's unpack is limited by its C stack
local function batched(command, key, values, first, last)
  for i = first, last, BATCH do
    redis.call(command, key, unpack(values, i, math.min(i + BATCH - 1, last)))
  end
end
local function addDistinct(key, bound, first, last)
  if redis.call('TYPE', key).ok == 'string' then
    batched('PFADD', key, ARGV, first, last)
    return '~' .. redis.call('PFCOUNT', key)
  end
  batched('SADD', key, ARGV, first, last)
  local n = redis.call('SCARD', key)
  if n <= bound then return tostring(n) end
  local members = redis.call('SMEMBERS', key)
  redis.call('DEL', key)
  batched('PFADD', key, members, 1, #members)
  return '~' .. redis.call('PFCOUNT', key)
end
