-- The per-key table of a run (--by): one hash, key (the JSON text of its values) → its
-- counters packed as 'lines p0lines p0occurrences p1lines …'; the `others` row's counters
-- in the counts hash (fields named in ARGV), the keys it holds in a HyperLogLog.
--
-- Why every row is exact: admission is monotonic. The table only grows (no key is ever
-- removed while the run lives), and a key is admitted only when it is first seen and the
-- table has fewer than maxKeys keys. So once the table is full it stays full and admits
-- nothing more; a key turned away the first time it was seen is turned away every time
-- after. Hence a key is in the table iff it was admitted the first time any recorded chunk
-- brought it, and then every chunk's figures for it went to its row: the row is the exact
-- sum over the recorded chunks. The `others` row holds the figures of every key turned
-- away, each of them in full: an exact sum too. Each chunk is merged in the same script
-- call that marks it done, so a chunk delivered twice adds nothing the second time.
--
-- Crossings (--notify-over n): a key's row passes n when its lines go from at most n to
-- more than n. Rows only grow, by whole chunks, each merged once: so the chunk that takes
-- a row past n is found exactly once, whatever the chunking, order or redelivery. A key
-- in the `others` row has no count of its own, so it never crosses.
--
-- groups: {key = the table hash, others = the HyperLogLog, runKey = the run hash (its
-- `maxKeys` field), fields = the others row's fields, in the order of a key's counters,
-- notifyOver = n, or nil}.
-- Returns whether the key is in the table, and its lines when this chunk took it past n.
--- @include "sums"
local function mergeKey(groups, sums, key, at)
  local width = #groups.fields
  local values = {}
  local before = 0
  local packed = redis.call('HGET', groups.key, key)
  if packed then
    local c = 0
    for number in string.gmatch(packed, '%d+') do
      c = c + 1
      if c == 1 then before = tonumber(number) end
      values[c] = string.format('%d', tonumber(number) + tonumber(ARGV[at + c - 1]))
    end
  else
    if groups.size == nil then
      groups.size = redis.call('HLEN', groups.key)
      groups.maxKeys = tonumber(redis.call('HGET', groups.runKey, 'maxKeys') or '0')
    end
    if groups.size >= groups.maxKeys then
      for c = 1, width do add(sums, groups.fields[c], ARGV[at + c - 1]) end
      redis.call('PFADD', groups.others, key)
      return false
    end
    groups.size = groups.size + 1
    for c = 1, width do values[c] = string.format('%d', tonumber(ARGV[at + c - 1])) end
  end
  redis.call('HSET', groups.key, key, table.concat(values, ' '))
  local n = groups.notifyOver
  if n ~= nil then
    local after = tonumber(values[1])
    if before <= n and after > n then return true, after end
  end
  return true, nil
end
