--[[
  Starts a followed join's next tick (joins/join-tick.ts), when the last one is over in
  every partition and the final round has not begun (includes/settle.lua). First it
  folds the marks of settled chunks (at or below their source's watermark in the
  chunk-state hash, includes/chunkStates.lua) into their source's mark `m:<source>`,
  `sides:time`, the newest time of its settled lines; a side's watermark is the oldest
  of its sources' marks. A source the coordinator named (`s:<source>`, its sides) that
  has no mark yet holds every tick back while its next chunk is not settled: its lines
  may be older than the others' (a source with no chunk, or whose settled chunks have
  no time, holds nothing back). A left event closes below leftClose = right watermark -
  lateness - tolerance, a right one below rightClose = left watermark - lateness -
  tolerance; the bounds only grow. Nothing starts while a side has no watermark or the
  bounds would not move.

  KEYS
    1 run hash (status, joinRound, joinTick, joinTickApplied, joinPartitions,
      joinLeftClose, joinRightClose)
    2 chunk-state hash
    3 the join's marks hash (RedisKeys.joinMarks)
  ARGV
    1 the tolerance (ms)
    2 the lateness (ms)
  Returns the tick started, or 0.
]]
local run = redis.call('HMGET', KEYS[1], 'status', 'joinRound', 'joinTick', 'joinTickApplied', 'joinPartitions',
  'joinLeftClose', 'joinRightClose')
if run[1] ~= 'running' or (run[2] and run[2] ~= '0') or not run[5] then return 0 end
local tick = tonumber(run[3] or '0')
if tick > 0 and tonumber(run[4] or '0') < tonumber(run[5]) then return 0 end
local marks = redis.call('HGETALL', KEYS[3])
local folded, watermarks, settled, touched, named = {}, {}, {}, {}, {}
for i = 1, #marks, 2 do
  local source = string.match(marks[i], '^m:(%d+)$')
  if source then folded[source] = marks[i + 1] end
  local registered = string.match(marks[i], '^s:(%d+)$')
  if registered then named[registered] = true end
end
for i = 1, #marks, 2 do
  local source, seq = string.match(marks[i], '^(%d+)%.(%d+)$')
  if source then
    if watermarks[source] == nil then
      watermarks[source] = tonumber(redis.call('HGET', KEYS[2], 'w:' .. source) or '-1')
    end
    if tonumber(seq) <= watermarks[source] then
      local sides, time = string.match(marks[i + 1], '^(%d+):(-?%d+)$')
      local before = folded[source]
      if not before or tonumber(string.match(before, ':(-?%d+)$')) < tonumber(time) then
        folded[source] = sides .. ':' .. time
      end
      settled[#settled + 1] = marks[i]
      touched[source] = true
    end
  end
end
for source, mark in pairs(folded) do
  if touched[source] then redis.call('HSET', KEYS[3], 'm:' .. source, mark) end
end
for _, field in ipairs(settled) do redis.call('HDEL', KEYS[3], field) end
local left, right
for _, mark in pairs(folded) do
  local sides, time = string.match(mark, '^(%d+):(-?%d+)$')
  sides, time = tonumber(sides), tonumber(time)
  if sides % 2 == 1 and (not left or time < left) then left = time end
  if sides >= 2 and (not right or time < right) then right = time end
end
if not left or not right then return 0 end
-- A source without a mark whose next chunk is not settled yet (its first, say, of lines
-- older than the others'): its sides wait for it.
for source in pairs(named) do
  if not folded[source] then
    local watermark = watermarks[source] or tonumber(redis.call('HGET', KEYS[2], 'w:' .. source) or '-1')
    if redis.call('HEXISTS', KEYS[2], source .. '.' .. (watermark + 1)) == 1 then return 0 end
  end
end
local back = tonumber(ARGV[1]) + tonumber(ARGV[2])
local leftClose, rightClose = right - back, left - back
if run[6] then leftClose = math.max(leftClose, tonumber(run[6])) end
if run[7] then rightClose = math.max(rightClose, tonumber(run[7])) end
if run[6] and leftClose == tonumber(run[6]) and rightClose == tonumber(run[7]) then return 0 end
redis.call('HSET', KEYS[1], 'joinTick', tick + 1, 'joinTickApplied', 0, 'joinLeftClose', string.format('%d', leftClose),
  'joinRightClose', string.format('%d', rightClose))
return tick + 1
