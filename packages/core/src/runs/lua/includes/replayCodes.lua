-- What prepareReplay answers; ReplayCode in run-scripts.ts holds the same names and
-- numbers (run-scripts.test.ts checks that they agree).
local ReplayCode = {
  READY = 1,       -- ready to be enqueued again
  NOT_DEAD = 0,    -- not dead in that generation: counted since, or dead again later
  BYTES_GONE = -1, -- its bytes are gone (kept only for the retention period)
}
