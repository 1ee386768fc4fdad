--[[
  Drops the bytes of dead-lettered chunks of one pack that will not be replayed (their
  entries are being purged): the pack is deleted once every chunk in it is counted or
  one of these, still dead in the generation given. A chunk being replayed, or dead
  again in a later generation (its entry is another), keeps it.

  KEYS
    1 chunk-state hash
    2 dead-letter generations hash
    3 the pack
  ARGV
    1-3 the pack's source, first and last chunk
    then per chunk: its id and generation
  Returns how many packs were deleted: 1 or 0.
]]
--- @include "includes/chunkState"
local purged = {}
for i = 4, #ARGV, 2 do
  if stateOf(KEYS[1], ARGV[i]) == 'dead'
    and tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') == tonumber(ARGV[i + 1]) then
    purged[ARGV[i]] = true
  end
end
for seq = tonumber(ARGV[2]), tonumber(ARGV[3]) do
  local id = ARGV[1] .. '.' .. seq
  if not purged[id] and stateOf(KEYS[1], id) ~= 'done' then return 0 end
end
return redis.call('DEL', KEYS[3])
