import { availableParallelism, hostname } from 'node:os';
import { DEFAULT_PREFIX } from '../contract/queues.js';
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_REDIS_URL } from '../redis/connection.js';
import { DEFAULT_DEAD_LETTER_RETENTION_MS, DEFAULT_RUN_RETENTION_MS } from '../runs/run-store.js';
import { checkIntegers } from './option-names.js';
import { LOOPBACK_HOST, checkPrefix } from './shared-options.js';

export interface WorkerOptions {
  redisUrl: string;
  /** Key prefix shared by the cluster. */
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
  /** A counting task running longer is aborted and the attempt fails. */
  taskTimeoutMs: number;
  /** Worker id in reports and metrics. @defaultValue `hostname:pid` */
  name: string;
  /**
   * How long a job's lock lasts without renewal. The lock is renewed every half of it
   * while the chunk is counted (counting runs on threads, so the event loop is free to);
   * when a worker dies, its chunks go to another worker once the lock has lapsed and a
   * stalled check has run: within `lockDurationMs + stalledIntervalMs`. The same on every
   * worker.
   */
  lockDurationMs: number;
  /** How often workers look for chunks whose lock lapsed. The same on every worker. */
  stalledIntervalMs: number;
  /** How long dead-lettered chunks (entries and bytes) are kept. */
  deadLetterRetentionMs: number;
  /** How long a graceful close waits for chunks in progress before abandoning them. */
  shutdownGraceMs: number;
  /**
   * How long runs that ended are kept when they carry no retention of their own (started
   * by an earlier version): the worker's sweep (`runSweepIntervalMs`) drops them after it,
   * and drops the index entries of runs whose records expired.
   */
  runRetentionMs: number;
  /** How often this worker sweeps runs that ended (see `runRetentionMs`). */
  runSweepIntervalMs: number;
  /** How often this worker looks for failed jobs that were not dead-lettered. */
  reconcileIntervalMs: number;
  /**
   * The directory this worker reads chunks from when they come as a path on shared
   * storage (`submit --shared-root`); paths resolving outside it are refused. Unset: no
   * such chunk is read.
   */
  sharedRoot?: string;
  /** With `sharedRoot`: only these files may be read (what `analyze` was given, as real paths: symlinks resolved). */
  sharedFiles?: string[];
  /** Serve `/metrics` and `/healthz` on this port (0: any free port). Unset: no endpoint. */
  metricsPort?: number;
  /** The address the metrics endpoint listens on. */
  metricsHost: string;
  /** Test only: a fault point at which the process kills itself (see the worker's `fault-points.ts`). */
  faultPoint?: string;
}

/**
 * A worker's defaults, wherever it is started from (`logcluster worker`, `analyze`'s
 * in-process pool, `ChunkWorker.start`). Those that depend on the machine are in
 * `resolveWorkerOptions`: `threads` (available cores), `concurrency` (twice the threads)
 * and `name` (`hostname:pid`).
 */
export const WORKER_DEFAULTS = Object.freeze({
  redisUrl: DEFAULT_REDIS_URL,
  prefix: DEFAULT_PREFIX,
  taskTimeoutMs: 30_000,
  lockDurationMs: 15_000,
  stalledIntervalMs: 5_000,
  deadLetterRetentionMs: DEFAULT_DEAD_LETTER_RETENTION_MS,
  shutdownGraceMs: 30_000,
  reconcileIntervalMs: 30_000,
  runRetentionMs: DEFAULT_RUN_RETENTION_MS,
  runSweepIntervalMs: 10 * 60_000,
  metricsHost: LOOPBACK_HOST,
}) satisfies Partial<WorkerOptions>;

const POSITIVE = [
  'threads',
  'concurrency',
  'taskTimeoutMs',
  'lockDurationMs',
  'stalledIntervalMs',
  'deadLetterRetentionMs',
  'shutdownGraceMs',
  'reconcileIntervalMs',
  'runRetentionMs',
  'runSweepIntervalMs',
] as const;

/** Fills in the defaults and checks every option, throwing an `InvalidOptionError` that names the one that is wrong. */
export function resolveWorkerOptions(given: Partial<WorkerOptions>): WorkerOptions {
  const threads = given.threads ?? availableParallelism();
  const options: WorkerOptions = {
    redisUrl: given.redisUrl ?? WORKER_DEFAULTS.redisUrl,
    prefix: given.prefix ?? WORKER_DEFAULTS.prefix,
    threads,
    concurrency: given.concurrency ?? 2 * threads,
    taskTimeoutMs: given.taskTimeoutMs ?? WORKER_DEFAULTS.taskTimeoutMs,
    name: given.name ?? `${hostname()}:${process.pid}`,
    lockDurationMs: given.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
    stalledIntervalMs: given.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
    deadLetterRetentionMs: given.deadLetterRetentionMs ?? WORKER_DEFAULTS.deadLetterRetentionMs,
    shutdownGraceMs: given.shutdownGraceMs ?? WORKER_DEFAULTS.shutdownGraceMs,
    metricsHost: given.metricsHost ?? WORKER_DEFAULTS.metricsHost,
    reconcileIntervalMs: given.reconcileIntervalMs ?? WORKER_DEFAULTS.reconcileIntervalMs,
    runRetentionMs: given.runRetentionMs ?? WORKER_DEFAULTS.runRetentionMs,
    runSweepIntervalMs: given.runSweepIntervalMs ?? WORKER_DEFAULTS.runSweepIntervalMs,
    ...(given.faultPoint ? { faultPoint: given.faultPoint } : {}),
    ...(given.sharedRoot !== undefined ? { sharedRoot: given.sharedRoot } : {}),
    ...(given.sharedFiles !== undefined ? { sharedFiles: given.sharedFiles } : {}),
    ...(given.metricsPort !== undefined ? { metricsPort: given.metricsPort } : {}),
  };
  const name = (key: keyof WorkerOptions) => `options.${key}`;
  checkIntegers(options, POSITIVE, name);
  const port = options.metricsPort;
  if (port !== undefined && (!Number.isSafeInteger(port) || port < 0 || port > 65_535)) {
    throw new InvalidOptionError(`${name('metricsPort')} must be a port number (0-65535)`);
  }
  if (options.name.length === 0) throw new InvalidOptionError(`${name('name')} must not be empty`);
  checkPrefix(options.prefix, name('prefix'));
  return options;
}
