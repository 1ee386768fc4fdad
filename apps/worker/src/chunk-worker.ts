import {
  CHUNK_QUEUE,
  type ChunkBytes,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DeadLetterQueue,
  JOIN_JOB,
  type MetricsServer,
  type RedisClient,
  type WorkerOptions,
  RedisKeys,
  RunStore,
  checkRedis,
  closeRedis,
  connectWithPrefix,
  errorMessage,
  markStartup,
  openChunkBytes,
  openChunkQueue,
  releaseAll,
  resolveWorkerOptions,
  startMetricsServer,
} from '@logcluster/core';
import { type Job, Worker } from 'bullmq';
import { type ChunkJobResult, ChunkProcessor } from './chunk-processor.js';
import { type JoinDeadLetterNotice, type JoinJobResult, JoinReducer, enqueueJoinRound } from './join-reducer.js';
import { CountPool } from './count-pool.js';
import { type DeadLetterNotice, DeadLettering } from './dead-lettering.js';
import { FailedJobReconciler } from './failed-job-reconciler.js';
import { RunSweep } from './run-sweep.js';
import { fileChunkLines } from './file-chunk-lines.js';
import { SharedStorage } from './shared-storage.js';
import { crashAt } from './fault-points.js';
import { WorkerMetrics } from './worker-metrics.js';

/**
 * How often BullMQ may find a chunk stalled before failing it on its own. Kept high:
 * the processor dead-letters a chunk that kills its workers (`MAX_ABANDONED_STARTS`)
 * with a proper record, and the reconciler catches whatever BullMQ fails anyway.
 */
const MAX_STALLED_COUNT = 10;

/** See `runRetryDelay` below. */
const RUN_RETRY_DELAY_MS = 1_000;

export interface WorkerEvents {
  /** Something went wrong outside a chunk (Redis trouble, a failed maintenance pass). */
  onError?: (message: string) => void;
  /** This worker added an entry to the dead-letter queue. */
  onDeadLetter?: (notice: DeadLetterNotice) => void;
  /** A join's partition failed for good: the run is partial, its join short of the partition. */
  onJoinDeadLetter?: (notice: JoinDeadLetterNotice) => void;
}

/** What a worker is made of, once started. */
interface ChunkWorkerParts {
  /** Resolved, with the prefix in use. */
  options: WorkerOptions;
  worker: Worker<unknown, ChunkJobResult | JoinJobResult>;
  processor: ChunkProcessor;
  pool: CountPool;
  metrics: WorkerMetrics;
  /** The periodic pass over what the processor could not settle, and the sweep of ended runs, every `reconcileIntervalMs`. */
  maintain: () => Promise<unknown>;
  /** Closes what is left once the pool is closed, in order: queues, then connections. */
  closers: (() => Promise<unknown>)[];
  onError: (err: unknown) => void;
}

/**
 * A worker: takes chunk jobs from the queue, counts each on the thread pool and records
 * the counts in the run, exactly once per chunk however often the chunk is delivered;
 * dead-letters chunks that fail for good.
 */
export class ChunkWorker {
  readonly options: WorkerOptions;
  readonly metrics: WorkerMetrics;
  private readonly worker: Worker<unknown, ChunkJobResult | JoinJobResult>;
  private readonly processor: ChunkProcessor;
  private readonly pool: CountPool;
  private readonly closers: (() => Promise<unknown>)[];
  private closing: Promise<void> | undefined;
  private readonly maintenance: NodeJS.Timeout;
  private metricsServer: MetricsServer | undefined;

  private constructor(parts: ChunkWorkerParts) {
    this.options = parts.options;
    this.metrics = parts.metrics;
    this.worker = parts.worker;
    this.processor = parts.processor;
    this.pool = parts.pool;
    this.closers = parts.closers;
    this.maintenance = setInterval(() => void parts.maintain().catch(parts.onError), this.options.reconcileIntervalMs);
    this.maintenance.unref();
    this.worker.on('error', parts.onError);
  }

  /**
   * Connects, starts the counting threads (or takes `pool`, started earlier by the caller
   * with the same threads and task timeout, which the worker then owns and closes, even if
   * it fails to start) and begins taking jobs.
   */
  static async start(given: Partial<WorkerOptions>, events: WorkerEvents = {}, pool?: CountPool): Promise<ChunkWorker> {
    const options = resolveWorkerOptions(given);
    let storage: SharedStorage;
    let connection: Awaited<ReturnType<typeof connect>>;
    try {
      // Checked before anything is opened, so that a bad root leaves nothing behind.
      storage = await SharedStorage.create(options.sharedRoot, options.sharedFiles);
      connection = await connect(options);
    } catch (err) {
      await pool?.close({ force: true });
      throw err;
    }
    const { redis, prefix, chunkBytes } = connection;
    markStartup('worker: connected to Redis');
    const keys = new RedisKeys(prefix);
    const store = new RunStore(redis, keys, chunkBytes);
    if (!pool) {
      pool = new CountPool({ threads: options.threads, taskTimeoutMs: options.taskTimeoutMs });
      markStartup('worker: counting threads asked for');
    }
    const crash = crashAt(options.faultPoint);
    const metrics = new WorkerMetrics(options.name, pool);
    const deadLetterQueue = new DeadLetterQueue(redis, prefix);
    const onDeadLetter = (notice: DeadLetterNotice) => {
      metrics.finished('dead_lettered');
      events.onDeadLetter?.(notice);
    };
    const deadLettering = new DeadLettering(
      store,
      deadLetterQueue,
      options.name,
      options.deadLetterRetentionMs,
      crash,
      fileChunkLines(storage, pool),
      onDeadLetter,
    );
    const processor = new ChunkProcessor(store, pool, storage, deadLettering, options.name, crash, metrics);
    const chunkQueue = openChunkQueue(redis, prefix);
    const reducer = new JoinReducer(store, pool, crash, deadLetterQueue, options.name, (notice) =>
      events.onJoinDeadLetter?.(notice),
    );
    // Chunk jobs, and a join's reduce jobs, which the worker recording a join's chunks
    // adds once a round of them has begun (lua/includes/settle.lua).
    const process = async (job: Job<unknown, ChunkJobResult | JoinJobResult>) => {
      if (job.name === JOIN_JOB) return reducer.process(job);
      try {
        return await processor.process(job as Job<unknown, ChunkJobResult>);
      } finally {
        const runId = joinRunOf(job.data);
        if (runId !== undefined)
          await enqueueJoinRound(store, chunkQueue, runId).catch((err: unknown) =>
            events.onError?.(`adding the reduce jobs of run ${runId}: ${errorMessage(err)}`),
          );
      }
    };
    const worker = new Worker<unknown, ChunkJobResult | JoinJobResult>(CHUNK_QUEUE, process, {
      connection: redis,
      prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: MAX_STALLED_COUNT,
      name: options.name,
      autorun: false,
      // After a refused call (Redis briefly full, a failover) BullMQ waits this long before
      // it asks for the next job or completes the current one; its 15 s left workers idle.
      runRetryDelay: RUN_RETRY_DELAY_MS,
    });
    const reconciler = new FailedJobReconciler(redis, keys, chunkQueue, store, deadLettering, options.name, (job) =>
      reducer.failedOnItsOwn(job),
    );
    const sweep = new RunSweep(redis, keys, store, options.runSweepIntervalMs, options.runRetentionMs);
    const self = new ChunkWorker({
      options: { ...options, prefix },
      worker,
      processor,
      pool,
      metrics,
      maintain: () =>
        reconciler
          .reconcile()
          .then(() => deadLettering.applyRetention())
          .then(() => sweep.sweepIfDue()),
      closers: [
        () => chunkQueue.close(),
        () => deadLetterQueue.close(),
        () => chunkBytes.close(),
        () => closeRedis(redis),
      ],
      onError: (err) => events.onError?.(errorMessage(err)),
    });
    void worker.run().catch((err: unknown) => events.onError?.(errorMessage(err)));
    try {
      await worker.waitUntilReady();
      if (options.metricsPort !== undefined) {
        self.metricsServer = await startMetricsServer({
          host: options.metricsHost,
          port: options.metricsPort,
          registry: metrics.registry,
          health: async () => {
            if (!worker.isRunning()) throw new Error('the worker is not taking chunks');
            await checkRedis(redis);
          },
        });
      }
    } catch (err) {
      await self.close({ force: true }).catch(() => {});
      throw err;
    }
    return self;
  }

  /** Where `/metrics` and `/healthz` are served, if they are. */
  get metricsUrl(): string | undefined {
    return this.metricsServer?.url;
  }

  /** Chunks this worker counted (not duplicates). */
  get chunksCounted(): number {
    return this.processor.chunksCounted;
  }

  /**
   * Stops taking jobs and lets the ones in progress finish, for up to `shutdownGraceMs`
   * (or at once with `force`); chunks still unfinished then are abandoned and go to
   * another worker when their lock lapses. Then closes the pool and Redis. Every step
   * runs even if an earlier one failed; all failures are reported together. Safe to call
   * more than once.
   */
  close({ force = false } = {}): Promise<void> {
    return (this.closing ??= (async () => {
      clearInterval(this.maintenance);
      let abandoned = force;
      if (abandoned) this.processor.abandon();
      const steps: (() => Promise<unknown>)[] = [
        async () => {
          if (!force) {
            // pause() stops taking jobs and resolves once those in progress are done.
            const finished = await Promise.race([
              this.worker.pause().then(() => true),
              delay(this.options.shutdownGraceMs).then(() => false),
            ]);
            abandoned = !finished;
          }
          // Chunks abandoned now must not be dead-lettered for failing as the pool goes.
          if (abandoned) this.processor.abandon();
          await this.worker.close(abandoned);
        },
        () => this.pool.close({ force: abandoned }),
        ...this.closers,
        () => this.metricsServer?.close() ?? Promise.resolve(),
      ];
      await releaseAll(steps, 'closing the worker');
    })());
  }
}

/** The worker's connection, and the way to chunk bytes for its Redis (see `openChunkBytes`). */
async function connect(
  options: WorkerOptions,
): Promise<{ redis: RedisClient; prefix: string; chunkBytes: ChunkBytes }> {
  const connectionName = `logcluster-worker:${options.name}`;
  const { redis, prefix } = await connectWithPrefix(options.redisUrl, options.prefix, { connectionName });
  try {
    const timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
    const chunkBytes = await openChunkBytes(options.redisUrl, redis, { connectionName, timeoutMs });
    return { redis, prefix, chunkBytes };
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The run of a chunk job whose run is a join, else undefined. */
function joinRunOf(data: unknown): string | undefined {
  const batch = data as { runId?: unknown; records?: { join?: unknown } } | null;
  return typeof batch?.runId === 'string' && batch.records?.join !== undefined ? batch.runId : undefined;
}
