/**
 * Where a dead-lettered chunk lies in its source: what its run keeps to report it, and
 * what its dead-letter entry names.
 */
export interface DeadRange {
  source: number;
  seq: number;
  /** Null for a chunk read from shared storage: the report works it out from the chunks before it. */
  firstLine: number | null;
  /** Null when nobody could count the lines of a chunk on shared storage. */
  lineCount: number | null;
  byteOffset: number;
  byteLength: number;
}

/** A dead-lettered range as the run keeps it; see `assembleReport`. */
export interface StoredDeadRange extends DeadRange {
  reason: string;
}
