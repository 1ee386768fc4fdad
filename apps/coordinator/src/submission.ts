import {
  CHUNK_QUEUE,
  type PatternSpec,
  type RunDefinition,
  type RunStore,
  chunkJobId,
  chunkJobOptions,
  chunkStream,
  errorMessage,
} from '@logcluster/core';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ChunkPlace, EnqueuedChunks } from './enqueued-chunks.js';
import { type FileRange, fileRanges } from './file-ranges.js';
import { InFlightGate } from './in-flight-gate.js';
import type { Input } from './inputs.js';
import { RedisRestartDetector } from './redis-restart.js';
import { RunEvents } from './run-events.js';
import { RunRepair } from './run-repair.js';
import { type SourcePlan, chunkJob, planSources } from './source-plan.js';

export interface SubmitOptions {
  patterns: PatternSpec[];
  /** Files under this directory are read by the workers themselves (see `planSources`). */
  sharedRoot?: string;
  chunkSize: number;
  maxLineSize: number;
  /** Bound on bytes enqueued but not yet counted. */
  maxInFlightBytes: number;
  attempts: number;
  backoffMs: number;
}

/** Chunks being written to Redis at once; enough to keep the connection busy. */
const ENQUEUE_CONCURRENCY = 8;

/**
 * One run being submitted: creates it, cuts every input into chunks, stores and
 * enqueues them under backpressure, and seals the run. Any failure marks the run failed.
 * While it runs, it watches for Redis restarts and repairs what a restart lost.
 */
export class Submission {
  private sealed = false;
  private readonly pending = new Set<Promise<void>>();
  private readonly enqueued = new EnqueuedChunks();
  private readonly jobOptions: JobsOptions;
  private readonly repairer: RunRepair;

  private constructor(
    readonly runId: string,
    private readonly store: RunStore,
    private readonly queue: Queue,
    readonly events: RunEvents,
    private readonly restarts: RedisRestartDetector,
    private readonly options: SubmitOptions,
    definition: RunDefinition,
    startedAt: number,
    inputs: readonly Input[],
    private readonly plans: readonly SourcePlan[],
    private readonly notice: (message: string) => void,
  ) {
    this.jobOptions = chunkJobOptions(options);
    this.repairer = new RunRepair(store, queue, { runId, definition, startedAt, jobOptions: this.jobOptions }, inputs, plans, this.enqueued);
  }

  static async create(
    redis: Redis,
    store: RunStore,
    inputs: readonly Input[],
    options: SubmitOptions,
    notice: (message: string) => void = () => {},
  ): Promise<Submission> {
    const definition: RunDefinition = { patterns: options.patterns, sources: inputs.map((input) => input.name), chunkSize: options.chunkSize };
    const plans = await planSources(inputs, options.sharedRoot);
    const restarts = new RedisRestartDetector(redis);
    await restarts.restarted();
    const { runId, startedAt } = await store.createRun(definition);
    const queue = new Queue(CHUNK_QUEUE, { connection: redis, prefix: store.keys.prefix });
    queue.on('error', () => {});
    const events = await RunEvents.subscribe(redis, store.keys.runEvents(runId));
    return new Submission(runId, store, queue, events, restarts, options, definition, startedAt, inputs, plans, notice);
  }

  /** Enqueues every chunk of every input, then seals the run. */
  async enqueueAll(inputs: readonly Input[], signal?: AbortSignal): Promise<void> {
    try {
      const gate = new InFlightGate(this.store, this.events, this.runId, this.options.maxInFlightBytes, () => this.checkRedis());
      for (const [source, input] of inputs.entries()) {
        const plan = this.plans[source]!;
        const cut = { chunkSize: this.options.chunkSize, maxLineSize: this.options.maxLineSize, sourceName: input.name };
        const chunks =
          plan.kind === 'file' && input.plainFile
            ? fileRanges(input.plainFile.handle, input.plainFile.size, cut)
            : chunkStream(input.read(signal), cut);
        for await (const chunk of chunks) {
          signal?.throwIfAborted();
          const bytes = 'bytes' in chunk ? chunk.bytes : undefined;
          const place: ChunkPlace = {
            seq: chunk.seq,
            byteOffset: chunk.byteOffset,
            byteLength: bytes ? bytes.length : (chunk as FileRange).byteLength,
            firstLine: 'firstLine' in chunk ? chunk.firstLine : Number.NaN,
            lineCount: 'lineCount' in chunk ? chunk.lineCount : Number.NaN,
          };
          await gate.admit(place.byteLength, signal);
          this.enqueued.add(source, place);
          const enqueued = this.enqueue(source, plan, place, bytes);
          this.pending.add(enqueued);
          void enqueued.finally(() => this.pending.delete(enqueued)).catch(() => {});
          if (this.pending.size >= ENQUEUE_CONCURRENCY) await Promise.race(this.pending);
        }
      }
      await Promise.all(this.pending);
      await this.checkRedis();
      this.sealed = true;
      await this.store.seal(this.runId);
    } catch (err) {
      const reason = signal?.aborted ? 'interrupted before all input was enqueued' : errorMessage(err);
      await this.store.fail(this.runId, reason).catch(() => {});
      throw err;
    }
  }

  private async enqueue(source: number, plan: SourcePlan, place: ChunkPlace, bytes: Buffer | undefined): Promise<void> {
    const job = chunkJob(this.runId, source, plan, place, this.options.patterns);
    // The run's record is gone only if Redis lost it in a restart; the repair that the
    // restart sets off brings it back and enqueues this chunk too.
    const lineCount = Number.isNaN(place.lineCount) ? null : place.lineCount;
    if ((await this.store.storeChunk(this.runId, source, { ...place, lineCount }, bytes)) === 'run-missing') return;
    await this.queue.add('chunk', job, { ...this.jobOptions, jobId: chunkJobId(job) });
  }

  /**
   * If Redis restarted since the last look, checks the run against what was enqueued and
   * repairs it. Called wherever the coordinator waits.
   */
  async checkRedis(): Promise<void> {
    if (!(await this.restarts.restarted())) return;
    await Promise.allSettled(this.pending);
    const { requeued, lost } = await this.repairer.repair(this.sealed);
    this.notice(
      `Redis restarted: run ${this.runId} checked against what was enqueued` +
        (requeued + lost === 0 ? '; nothing was lost' : `; ${requeued} chunks enqueued again, ${lost} lost for good (reported as dead-lettered)`),
    );
  }

  /** Workers connected to the chunk queue right now. */
  async workerCount(): Promise<number> {
    return this.queue.getWorkersCount().catch(() => -1);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
