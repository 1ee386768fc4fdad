-- Adds a chunk's lines to its source's, once, for a chunk whose lines only a worker
-- counted (read from shared storage): the chunk-lines hash is the guard.
--- @include "sums"
local function addCountedLines(linesKey, sums, chunk, lines, field)
  if lines ~= '' and redis.call('HSETNX', linesKey, chunk, lines) == 1 then
    add(sums, field, lines)
  end
end
