import {
  CHUNK_QUEUE,
  type ChunkBytes,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DeadLetterQueue,
  type MetricsServer,
  type RedisClient,
  RedisKeys,
  RunStore,
  checkRedis,
  closeRedis,
  connectWithPrefix,
  errorMessage,
  openChunkBytes,
  openChunkQueue,
  releaseAll,
  startMetricsServer,
} from '@logcluster/core';
import { type Queue, Worker } from 'bullmq';
import { type ChunkJobResult, ChunkProcessor } from './chunk-processor.js';
import { CountPool } from './count-pool.js';
import { type DeadLetterNotice, DeadLettering } from './dead-lettering.js';
import { FailedJobReconciler } from './failed-job-reconciler.js';
import { SharedStorage } from './shared-storage.js';
import { crashAt } from './fault-points.js';
import { WorkerMetrics } from './worker-metrics.js';
import { type WorkerOptions, resolveWorkerOptions } from './worker-options.js';

/**
 * How often BullMQ may find a chunk stalled before failing it on its own. Kept high:
 * the processor dead-letters a chunk that kills its workers (`MAX_ABANDONED_STARTS`)
 * with a proper record, and the reconciler catches whatever BullMQ fails anyway.
 */
const MAX_STALLED_COUNT = 10;

export interface WorkerEvents {
  /** Something went wrong outside a chunk (Redis trouble, a failed maintenance pass). */
  onError?: (message: string) => void;
  /** This worker added an entry to the dead-letter queue. */
  onDeadLetter?: (notice: DeadLetterNotice) => void;
}

/**
 * A worker: takes chunk jobs from the queue, counts each on the thread pool and records
 * the counts in the run, exactly once per chunk however often the chunk is delivered;
 * dead-letters chunks that fail for good.
 */
export class ChunkWorker {
  private closing: Promise<void> | undefined;
  private readonly maintenance: NodeJS.Timeout;
  private metricsServer: MetricsServer | undefined;

  private constructor(
    readonly options: WorkerOptions,
    private readonly redis: RedisClient,
    private readonly chunkBytes: ChunkBytes,
    private readonly pool: CountPool,
    private readonly processor: ChunkProcessor,
    private readonly worker: Worker<unknown, ChunkJobResult>,
    private readonly chunkQueue: Queue,
    private readonly deadLetterQueue: DeadLetterQueue,
    readonly metrics: WorkerMetrics,
    reconciler: FailedJobReconciler,
    deadLettering: DeadLettering,
    events: WorkerEvents,
  ) {
    const report = (err: unknown) => events.onError?.(errorMessage(err));
    this.maintenance = setInterval(() => {
      void reconciler
        .reconcile()
        .then(() => deadLettering.applyRetention())
        .catch(report);
    }, options.reconcileIntervalMs);
    this.maintenance.unref();
    worker.on('error', report);
  }

  static async start(given: Partial<WorkerOptions>, events: WorkerEvents = {}): Promise<ChunkWorker> {
    const options = resolveWorkerOptions(given);
    // Checked before anything is opened, so that a bad root leaves nothing behind.
    const storage = await SharedStorage.create(options.sharedRoot, options.sharedFiles);
    const { redis, prefix } = await connectWithPrefix(options.redisUrl, options.prefix, { connectionName: `logcluster-worker:${options.name}` });
    const keys = new RedisKeys(prefix);
    let chunkBytes: ChunkBytes;
    try {
      chunkBytes = await openChunkBytes(options.redisUrl, redis, { connectionName: `logcluster-worker:${options.name}`, timeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
    } catch (err) {
      await closeRedis(redis);
      throw err;
    }
    const store = new RunStore(redis, keys, chunkBytes);
    const pool = new CountPool({ threads: options.threads, taskTimeoutMs: options.taskTimeoutMs });
    const crash = crashAt(options.faultPoint);
    const deadLetterQueue = new DeadLetterQueue(redis, prefix);
    // The dead-lettering asks the processor to count the lines of a chunk on shared
    // storage; the processor uses the dead-lettering.
    const late: { processor?: ChunkProcessor } = {};
    const metrics = new WorkerMetrics(options.name, pool);
    const onDeadLetter = (notice: DeadLetterNotice) => {
      metrics.finished('dead_lettered');
      events.onDeadLetter?.(notice);
    };
    const deadLettering = new DeadLettering(store, deadLetterQueue, options.name, options.deadLetterRetentionMs, crash, (job) => late.processor!.linesOf(job), onDeadLetter);
    const processor = (late.processor = new ChunkProcessor(store, pool, storage, deadLettering, options.name, crash, metrics));
    const chunkQueue = openChunkQueue(redis, prefix);
    const worker = new Worker<unknown, ChunkJobResult>(CHUNK_QUEUE, (job) => processor.process(job), {
      connection: redis,
      prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: MAX_STALLED_COUNT,
      name: options.name,
      autorun: false,
    });
    const reconciler = new FailedJobReconciler(redis, keys, chunkQueue, store, deadLettering, options.name);
    const self = new ChunkWorker({ ...options, prefix }, redis, chunkBytes, pool, processor, worker, chunkQueue, deadLetterQueue, metrics, reconciler, deadLettering, events);
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
            const finished = await Promise.race([this.worker.pause().then(() => true), delay(this.options.shutdownGraceMs).then(() => false)]);
            abandoned = !finished;
          }
          // Chunks abandoned now must not be dead-lettered for failing as the pool goes.
          if (abandoned) this.processor.abandon();
          await this.worker.close(abandoned);
        },
        () => this.pool.close({ force: abandoned }),
        () => this.chunkQueue.close(),
        () => this.deadLetterQueue.close(),
        () => this.chunkBytes.close(),
        () => closeRedis(this.redis),
        () => this.metricsServer?.close() ?? Promise.resolve(),
      ];
      await releaseAll(steps, 'closing the worker');
    })());
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
