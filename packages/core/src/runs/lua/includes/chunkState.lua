-- The state of one chunk (includes/chunkStates.lua).
--- @include "chunkStates"
local function stateOf(statesKey, id)
  return statesOf(statesKey, {id})[1]
end
