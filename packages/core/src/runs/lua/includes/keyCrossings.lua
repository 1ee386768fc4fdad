-- Records the crossings (--notify-over) one chunk brought, found by mergeKey: per key, a
-- JSON object in the run's crossings hash (key → {count, at, source, seq, firstLine,
-- line}), and the prefix's counter of crossings (`logcluster_key_crossings_total`) by as
-- many as were new. HSETNX: a key crosses once (mergeKey finds it once; this keeps it so).
--
-- `count` is the key's lines right after the chunk; `at` when it was recorded (Redis's
-- clock, ms); `line` the chunk's last selected line of the key (1-based in the chunk), by
-- which its count had passed n; `firstLine` the chunk's first line in its source, or null
-- when only the report can work it out (a chunk read from shared storage).
--
-- names: {crossings = the run's hash, counter = the prefix's counter}; crossed: {key,
-- count, index (of the key in the chunk's list)}; lines(index): its last line, or nil.
local function recordCrossings(names, chunkId, crossed, firstLine, lines)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local source, seq = string.match(chunkId, '^(%d+)%.(%d+)$')
  local first = 'null'
  if firstLine ~= '' then first = string.format('%d', tonumber(firstLine)) end
  local added = 0
  for _, crossing in ipairs(crossed) do
    local line = lines(crossing.index)
    local json = string.format(
      '{"count":%d,"at":%d,"source":%d,"seq":%d,"firstLine":%s,"line":%s}',
      crossing.count, now, tonumber(source), tonumber(seq), first,
      line and string.format('%d', tonumber(line)) or 'null')
    added = added + redis.call('HSETNX', names.crossings, crossing.key, json)
  end
  if added > 0 then redis.call('INCRBY', names.counter, added) end
end
