import { z } from 'zod';

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
export interface DeadChunkRef {
  runId: string;
  source: number;
  seq: number;
  /** Null for a chunk read from shared storage: see the run's report for where it starts. */
  firstLine: number | null;
  lineCount: number | null;
  byteOffset: number;
  byteLength: number;
  /** Which dead-lettering of this chunk this entry records (1 for the first). */
  generation: number;
}

/** The data of a dead-letter entry: everything needed to understand and replay a failed chunk. */
export interface DeadLetterEntry {
  v: 1;
  /** The failed job's id in the chunk queue. */
  jobId: string;
  /** The failed job's data as it was read from Redis. */
  job: unknown;
  /** Set when the job data kept the contract; absent for malformed jobs. */
  chunk?: DeadChunkRef;
  error: DeadLetterError;
  attemptsMade: number;
  /** The worker that made the last attempt, or `reconciler@<worker>` for one found failed later. */
  worker: string;
  /** When the chunk was first enqueued (ms since the epoch). */
  enqueuedAt: number;
  failedAt: number;
}

const count = z.number().int().nonnegative();

const entrySchema = z.object({
  v: z.literal(1),
  jobId: z.string(),
  job: z.unknown(),
  chunk: z
    .object({
      runId: z.string(),
      source: count,
      seq: count,
      firstLine: z.number().int().positive().nullable(),
      lineCount: count.nullable(),
      byteOffset: count,
      byteLength: count,
      generation: z.number().int().positive(),
    })
    .optional(),
  error: z.object({ message: z.string(), code: z.string(), stack: z.string().optional() }),
  attemptsMade: count,
  worker: z.string(),
  enqueuedAt: count,
  failedAt: count,
});

/** Validates an entry read back from Redis; null if it is not one of ours. */
export function parseDeadLetterEntry(data: unknown): DeadLetterEntry | null {
  const parsed = entrySchema.safeParse(data);
  return parsed.success ? (parsed.data) : null;
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
