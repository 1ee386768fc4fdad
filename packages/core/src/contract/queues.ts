import type { JobsOptions } from 'bullmq';

/** The queue of chunks waiting to be counted. */
export const CHUNK_QUEUE = 'chunks';

/** The key prefix used unless `--prefix` / `LOGCLUSTER_PREFIX` says otherwise. */
export const DEFAULT_PREFIX = 'logcluster';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1_000;

/** How long a chunk job that failed for good stays in BullMQ's failed set. */
const FAILED_JOB_RETENTION_S = 7 * 24 * 3600;

/**
 * Options of every chunk job. Completed jobs are removed at once: their counts live in
 * the run's state, and a queue that keeps every job grows without bound.
 */
export function chunkJobOptions(retry: { attempts: number; backoffMs: number }): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    removeOnComplete: true,
    removeOnFail: { age: FAILED_JOB_RETENTION_S },
  };
}
