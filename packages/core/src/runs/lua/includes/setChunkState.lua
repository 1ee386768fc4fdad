-- Sets a chunk's state; a chunk at or below its source's watermark that is done loses its field.
local function setState(statesKey, id, state)
  local source, seq = string.match(id, '^(%d+)%.(%d+)$')
  local watermark = redis.call('HGET', statesKey, 'w:' .. source)
  if state == 'done' and watermark and tonumber(seq) <= tonumber(watermark) then
    redis.call('HDEL', statesKey, id)
  else
    redis.call('HSET', statesKey, id, state)
  end
end
