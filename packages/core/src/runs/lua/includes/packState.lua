-- What the chunks of a pack (source, chunks first…last) have come to: how many are
-- counted, how many dead-lettered, how many neither (queued, replaying, or unknown).
--- @include "chunkStates"
local function packState(statesKey, source, first, last)
  local ids = {}
  for seq = first, last do ids[#ids + 1] = source .. '.' .. seq end
  local done, dead, other = 0, 0, 0
  for _, state in ipairs(statesOf(statesKey, ids)) do
    if state == 'done' then done = done + 1
    elseif state == 'dead' then dead = dead + 1
    else other = other + 1 end
  end
  return done, dead, other
end
