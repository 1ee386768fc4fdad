import { availableParallelism, hostname } from 'node:os';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL, UsageError } from '@logcluster/core';

export interface WorkerOptions {
  /** @defaultValue `redis://127.0.0.1:6379` */
  redisUrl: string;
  /** Key prefix shared by the cluster. @defaultValue `logcluster` */
  prefix: string;
  /** Counting threads. @defaultValue available cores */
  threads: number;
  /** Chunk jobs in progress at once. @defaultValue `threads` */
  concurrency: number;
  /** A counting task running longer is aborted and the attempt fails. @defaultValue 30000 */
  taskTimeoutMs: number;
  /** Worker id in reports and metrics. @defaultValue `hostname:pid` */
  name: string;
  /**
   * How long a job's lock lasts without renewal; after it lapses the job is handed to
   * another worker. The same on every worker. @defaultValue 30000
   */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock lapsed. The same on every worker. @defaultValue 30000 */
  stalledIntervalMs: number;
}

export const DEFAULT_TASK_TIMEOUT_MS = 30_000;

/** Fills in defaults and checks every option, naming the one that is wrong. */
export function resolveWorkerOptions(given: Partial<WorkerOptions>): WorkerOptions {
  const threads = given.threads ?? availableParallelism();
  const options: WorkerOptions = {
    redisUrl: given.redisUrl ?? DEFAULT_REDIS_URL,
    prefix: given.prefix ?? DEFAULT_PREFIX,
    threads,
    concurrency: given.concurrency ?? threads,
    taskTimeoutMs: given.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    name: given.name ?? `${hostname()}:${process.pid}`,
    lockDurationMs: given.lockDurationMs ?? 30_000,
    stalledIntervalMs: given.stalledIntervalMs ?? 30_000,
  };
  for (const key of ['threads', 'concurrency', 'taskTimeoutMs', 'lockDurationMs', 'stalledIntervalMs'] as const) {
    if (!Number.isSafeInteger(options[key]) || options[key] < 1) throw new UsageError(`options.${key} must be a positive integer`);
  }
  if (options.name.length === 0) throw new UsageError('options.name must not be empty');
  if (options.prefix.length === 0 || options.prefix.includes(' ')) throw new UsageError('options.prefix must be a non-empty word');
  return options;
}
