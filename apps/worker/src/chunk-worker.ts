import {
  CHUNK_QUEUE,
  ChunkIntegrityError,
  ChunkMissingError,
  type ChunkJobData,
  InvalidJobError,
  LogclusterError,
  RedisKeys,
  type RecordOutcome,
  RunStore,
  connectRedis,
  errorMessage,
  parseChunkJob,
} from '@logcluster/core';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CountPool } from './count-pool.js';
import { type WorkerOptions, resolveWorkerOptions } from './worker-options.js';

/** What a chunk job returns to BullMQ. */
export interface ChunkJobResult {
  outcome: RecordOutcome;
}

/** Failures that no retry can fix: the job goes straight to its final failure. */
const UNRECOVERABLE = [InvalidJobError, ChunkMissingError, ChunkIntegrityError];

/**
 * A worker: takes chunk jobs from the queue, counts each on the thread pool and records
 * the counts in the run, exactly once per chunk however often the chunk is delivered.
 */
export class ChunkWorker {
  /** Chunks this worker counted (not duplicates). */
  chunksCounted = 0;
  private closing: Promise<void> | undefined;

  private readonly worker: Worker<unknown, ChunkJobResult>;

  private constructor(
    readonly options: WorkerOptions,
    private readonly redis: Redis,
    private readonly store: RunStore,
    private readonly pool: CountPool,
  ) {
    this.worker = new Worker<unknown, ChunkJobResult>(CHUNK_QUEUE, (job) => this.process(job), {
      connection: redis,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      name: options.name,
      autorun: false,
    });
    // BullMQ reports connection trouble here; it reconnects on its own.
    this.worker.on('error', () => {});
  }

  static async start(given: Partial<WorkerOptions>): Promise<ChunkWorker> {
    const options = resolveWorkerOptions(given);
    const redis = await connectRedis(options.redisUrl, { connectionName: `logcluster-worker:${options.name}` });
    const pool = new CountPool({ threads: options.threads, taskTimeoutMs: options.taskTimeoutMs });
    const self = new ChunkWorker(options, redis, new RunStore(redis, new RedisKeys(options.prefix)), pool);
    void self.worker.run().catch(() => {});
    await self.worker.waitUntilReady();
    return self;
  }

  private async process(job: Job<unknown, ChunkJobResult>): Promise<ChunkJobResult> {
    let data: ChunkJobData;
    try {
      data = parseChunkJob(job.data);
    } catch (err) {
      throw new UnrecoverableError(errorMessage(err));
    }
    try {
      const outcome = await this.countOnce(data);
      if (outcome === 'recorded') this.chunksCounted++;
      return { outcome };
    } catch (err) {
      const unrecoverable = UNRECOVERABLE.some((type) => err instanceof type);
      const lastAttempt = unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // Dead-letter before BullMQ marks the job failed: if this process dies in between,
      // the job is delivered again and either counts (turning the chunk from dead to
      // done) or dead-letters again, which changes nothing.
      if (lastAttempt) await this.store.recordDeadLetter(data, describeFailure(err));
      throw unrecoverable ? new UnrecoverableError(describeFailure(err)) : err;
    }
  }

  private async countOnce(job: ChunkJobData): Promise<RecordOutcome> {
    if ((await this.store.chunkState(job)) === 'done') return 'duplicate';
    const bytes = await this.store.readChunk(job);
    if (bytes === null) {
      // Counted by another delivery between the two reads, or lost.
      if ((await this.store.chunkState(job)) === 'done') return 'duplicate';
      throw new ChunkMissingError(`the bytes of chunk ${job.source}.${job.seq} of run ${job.runId} are missing from Redis`);
    }
    if (bytes.length !== job.byteLength) {
      throw new ChunkIntegrityError(`chunk ${job.source}.${job.seq} of run ${job.runId} holds ${bytes.length} bytes, expected ${job.byteLength}`);
    }
    const counts = await this.pool.count(bytes, job.patterns);
    if (counts.lines !== job.lineCount) {
      throw new ChunkIntegrityError(`chunk ${job.source}.${job.seq} of run ${job.runId} has ${counts.lines} lines, expected ${job.lineCount}`);
    }
    const outcome = await this.store.recordResult(job, counts, this.options.name);
    if (outcome === 'run-missing') throw new UnrecoverableError(`run ${job.runId} no longer exists`);
    return outcome;
  }

  get poolUtilization(): number {
    return this.pool.utilization;
  }

  get poolQueueSize(): number {
    return this.pool.queueSize;
  }

  /**
   * Stops taking jobs, lets the ones in progress finish (unless `force`: then they are
   * abandoned and will be delivered again), then closes the pool and Redis. Every step
   * runs even if an earlier one failed; all failures are reported together. Safe to
   * call more than once.
   */
  close({ force = false } = {}): Promise<void> {
    return (this.closing ??= closeInOrder([
      () => this.worker.close(force),
      () => this.pool.close({ force }),
      () => this.redis.quit(),
    ]));
  }
}

function describeFailure(err: unknown): string {
  return err instanceof LogclusterError ? `${err.code}: ${err.message}` : errorMessage(err);
}

async function closeInOrder(steps: (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `closing the worker failed: ${failures.map(errorMessage).join('; ')}`);
}
