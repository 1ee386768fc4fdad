-- Counter increments added up in a table, then sent once per counter: a script that
-- changes a counter for many chunks sends one HINCRBY per counter, not one per chunk.
local function add(sums, field, by)
  sums[field] = (sums[field] or 0) + tonumber(by)
end
local function addAll(key, sums)
  for field, by in pairs(sums) do
    if by ~= 0 then redis.call('HINCRBY', key, field, by) end
  end
end
