import type { DeadRange } from '../contract/dead-range.js';
import {
  anything,
  count,
  integer,
  literal,
  nullable,
  object,
  optional,
  problemsWith,
  string,
} from '../contract/shape.js';

/** The queue dead-lettered chunks wait in. No worker takes from it: people inspect and replay. */
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Why the last attempt failed. */
export interface DeadLetterError {
  message: string;
  /** A stable code (`TASK_TIMEOUT`, `CHUNK_MISSING`, `INVALID_JOB`, …) or the error's name. */
  code: string;
  stack?: string;
}

/** Where a dead-lettered chunk sits in its run, when its job data kept the contract. */
export interface DeadChunkRef extends DeadRange {
  runId: string;
  /** Which dead-lettering of this chunk this entry records (1 for the first). */
  generation: number;
}

/** A join's partition whose reduce failed for good, in a round of its run (contract/join-spec.ts). */
export interface DeadJoinRef {
  runId: string;
  partition: number;
  round: number;
}

/** The data of a dead-letter entry: everything needed to understand and replay a failed chunk (or a join's reduce). */
export interface DeadLetterEntry {
  v: 1;
  /** The failed job's id in the chunk queue. */
  jobId: string;
  /** The failed job's data as it was read from Redis. */
  job: unknown;
  /** Set when the job data kept the contract; absent for malformed jobs. */
  chunk?: DeadChunkRef;
  /** Set instead for a join's reduce job. */
  join?: DeadJoinRef;
  error: DeadLetterError;
  attemptsMade: number;
  /** The worker that made the last attempt, or `reconciler@<worker>` for one found failed later. */
  worker: string;
  /** When the chunk was first enqueued (ms since the epoch). */
  enqueuedAt: number;
  failedAt: number;
}

const entryShape = object({
  v: literal(1),
  jobId: string(),
  job: anything,
  chunk: optional(
    object({
      runId: string(),
      source: count,
      seq: count,
      firstLine: nullable(integer({ min: 1 })),
      lineCount: nullable(count),
      byteOffset: count,
      byteLength: count,
      generation: integer({ min: 1 }),
    }),
  ),
  join: optional(object({ runId: string(), partition: count, round: integer({ min: 1 }) })),
  error: object({ message: string(), code: string(), stack: optional(string()) }),
  attemptsMade: count,
  worker: string(),
  enqueuedAt: count,
  failedAt: count,
});

/** Validates an entry read back from Redis; null if it is not one of ours. */
export function parseDeadLetterEntry(data: unknown): DeadLetterEntry | null {
  return problemsWith(data, entryShape).length === 0 ? (data as DeadLetterEntry) : null;
}

/**
 * The entry's id in the dead-letter queue: for a chunk, its canonical job id and the
 * generation, so that adding the same dead-lettering twice adds one entry, and a later
 * one never collides with an entry a replay is about to remove; for a malformed job,
 * its job id. BullMQ ids may not contain `:`.
 */
export function deadLetterId(jobId: string, generation?: number): string {
  const safe = jobId.replaceAll(':', '_');
  return generation === undefined ? `invalid.${safe}` : `${safe}.g${generation}`;
}
