-- Moves a source's watermark past the settled chunks that follow it, dropping the fields
-- of the done ones. Each chunk is stepped over once in the run's life.
local function fold(statesKey, source)
  local watermark = tonumber(redis.call('HGET', statesKey, 'w:' .. source) or '-1')
  local seq = watermark + 1
  while true do
    local id = source .. '.' .. seq
    local state = redis.call('HGET', statesKey, id)
    if state == 'done' then
      redis.call('HDEL', statesKey, id)
    elseif state ~= 'dead' and state ~= 'replaying' then
      break
    end
    seq = seq + 1
  end
  if seq - 1 > watermark then redis.call('HSET', statesKey, 'w:' .. source, seq - 1) end
end
