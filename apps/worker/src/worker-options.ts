import { availableParallelism, hostname } from 'node:os';
import { DEFAULT_DEAD_LETTER_RETENTION_MS, DEFAULT_PREFIX, DEFAULT_REDIS_URL, UsageError } from '@logcluster/core';

export interface WorkerOptions {
  /** @defaultValue `redis://127.0.0.1:6379` */
  redisUrl: string;
  /** Key prefix shared by the cluster. @defaultValue `logcluster` */
  prefix: string;
  /** Counting threads. @defaultValue available cores */
  threads: number;
  /**
   * Chunk jobs in progress at once. Twice the threads by default: while a thread counts
   * one job, the next is already taken and waits for it, so that no thread waits for a
   * round trip to Redis between jobs. The cost: at a run's end a worker may hold a job
   * waiting for its thread while another worker has none, and a shutdown whose grace
   * runs out leaves up to that many jobs to other workers. @defaultValue `2 × threads`
   */
  concurrency: number;
  /** A counting task running longer is aborted and the attempt fails. @defaultValue 30000 */
  taskTimeoutMs: number;
  /** Worker id in reports and metrics. @defaultValue `hostname:pid` */
  name: string;
  /**
   * How long a job's lock lasts without renewal. The lock is renewed every half of it
   * while the chunk is counted (counting runs on threads, so the event loop is free to);
   * when a worker dies, its chunks go to another worker once the lock has lapsed and a
   * stalled check has run: within `lockDurationMs + stalledIntervalMs`. The same on every
   * worker. @defaultValue 15000
   */
  lockDurationMs: number;
  /** How often workers look for chunks whose lock lapsed. The same on every worker. @defaultValue 5000 */
  stalledIntervalMs: number;
  /** How long dead-lettered chunks (entries and bytes) are kept. @defaultValue 7 days */
  deadLetterRetentionMs: number;
  /** How long a graceful close waits for chunks in progress before abandoning them. @defaultValue 30000 */
  shutdownGraceMs: number;
  /** How often this worker looks for failed jobs that were not dead-lettered. @defaultValue 30000 */
  reconcileIntervalMs: number;
  /**
   * The directory this worker reads chunks from when they come as a path on shared
   * storage (`submit --shared-root`); paths resolving outside it are refused. Unset: no
   * such chunk is read.
   */
  sharedRoot?: string;
  /** With `sharedRoot`: only these files may be read (what `analyze` was given). */
  sharedFiles?: string[];
  /** Serve `/metrics` and `/healthz` on this port (0: any free port). Unset: no endpoint. */
  metricsPort?: number;
  /** The address the metrics endpoint listens on. @defaultValue `127.0.0.1` */
  metricsHost: string;
  /** Test only: a fault point at which the process kills itself (see `fault-points.ts`). */
  faultPoint?: string;
}

export const DEFAULT_TASK_TIMEOUT_MS = 30_000;

/** Fills in defaults and checks every option, naming the one that is wrong. */
export function resolveWorkerOptions(given: Partial<WorkerOptions>): WorkerOptions {
  const threads = given.threads ?? availableParallelism();
  const options: WorkerOptions = {
    redisUrl: given.redisUrl ?? DEFAULT_REDIS_URL,
    prefix: given.prefix ?? DEFAULT_PREFIX,
    threads,
    concurrency: given.concurrency ?? 2 * threads,
    taskTimeoutMs: given.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    name: given.name ?? `${hostname()}:${process.pid}`,
    lockDurationMs: given.lockDurationMs ?? 15_000,
    stalledIntervalMs: given.stalledIntervalMs ?? 5_000,
    deadLetterRetentionMs: given.deadLetterRetentionMs ?? DEFAULT_DEAD_LETTER_RETENTION_MS,
    shutdownGraceMs: given.shutdownGraceMs ?? 30_000,
    metricsHost: given.metricsHost ?? '127.0.0.1',
    reconcileIntervalMs: given.reconcileIntervalMs ?? 30_000,
    ...(given.faultPoint ? { faultPoint: given.faultPoint } : {}),
    ...(given.sharedRoot !== undefined ? { sharedRoot: given.sharedRoot } : {}),
    ...(given.sharedFiles !== undefined ? { sharedFiles: given.sharedFiles } : {}),
    ...(given.metricsPort !== undefined ? { metricsPort: given.metricsPort } : {}),
  };
  const positive = ['threads', 'concurrency', 'taskTimeoutMs', 'lockDurationMs', 'stalledIntervalMs', 'deadLetterRetentionMs', 'shutdownGraceMs', 'reconcileIntervalMs'] as const;
  for (const key of positive) {
    if (!Number.isSafeInteger(options[key]) || options[key] < 1) throw new UsageError(`options.${key} must be a positive integer`);
  }
  if (options.metricsPort !== undefined && (!Number.isSafeInteger(options.metricsPort) || options.metricsPort < 0 || options.metricsPort > 65_535)) {
    throw new UsageError('options.metricsPort must be a port number (0-65535)');
  }
  if (options.name.length === 0) throw new UsageError('options.name must not be empty');
  if (options.prefix.length === 0 || /[\s:]/.test(options.prefix)) throw new UsageError('options.prefix must be a non-empty word without spaces or colons');
  return options;
}
