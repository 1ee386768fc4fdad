-- What a script that records a chunk (or a run's seal, or a spike) answers; RecordCode in
-- run-scripts.ts holds the same names and numbers (run-scripts.test.ts checks that they agree).
local RecordCode = {
  RECORDED = 1,       -- recorded now
  DUPLICATE = 0,      -- recorded before: nothing changed
  RUN_MISSING = -1,   -- the run is gone
  CHUNK_UNKNOWN = -2, -- the run does not know the chunk (Redis lost it in a restart)
  RUN_FAILED = -3,    -- the run failed: nobody will count its other chunks
  BYTES_MISSING = -4, -- the chunk's bytes are not in Redis
}
