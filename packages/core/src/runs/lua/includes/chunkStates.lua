-- A run's chunk states (the chunk-state hash) with settled chunks folded away, so that a
-- run that never ends keeps a bounded hash: field `w:<source>` is the source's watermark,
-- the last chunk up to which every chunk of the source is settled; a chunk at or below it
-- that is done has no field of its own (absent means done there), while dead and
-- replaying ones keep theirs. Field `*` (`done`) says that the whole run was counted and
-- compacted to its report: every chunk of it is done. chunk-states.ts reads them alike.
--
-- statesOf gives the states of chunks `<source>.<seq>` in the order asked (false: never
-- enqueued), in one HMGET.
local function statesOf(statesKey, ids)
  local fields, watermarkAt = {'*'}, {}
  for _, id in ipairs(ids) do fields[#fields + 1] = id end
  for _, id in ipairs(ids) do
    local source = string.match(id, '^(%d+)%.')
    if not watermarkAt[source] then
      fields[#fields + 1] = 'w:' .. source
      watermarkAt[source] = #fields
    end
  end
  local got = redis.call('HMGET', statesKey, unpack(fields))
  local states = {}
  for i, id in ipairs(ids) do
    local state = got[i + 1]
    if not state then
      local source, seq = string.match(id, '^(%d+)%.(%d+)$')
      local watermark = got[watermarkAt[source]]
      if got[1] or (watermark and tonumber(seq) <= tonumber(watermark)) then state = 'done' end
    end
    states[i] = state or false
  end
  return states
end
