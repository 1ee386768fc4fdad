import {
  CHUNK_QUEUE,
  type ChunkJobData,
  type PatternSpec,
  type RunStore,
  chunkJobId,
  chunkJobOptions,
  chunkStream,
  errorMessage,
} from '@logcluster/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { InFlightGate } from './in-flight-gate.js';
import type { Input } from './inputs.js';
import { RunEvents } from './run-events.js';

export interface SubmitOptions {
  patterns: PatternSpec[];
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
 */
export class Submission {
  private constructor(
    readonly runId: string,
    private readonly store: RunStore,
    private readonly queue: Queue,
    readonly events: RunEvents,
    private readonly options: SubmitOptions,
  ) {}

  static async create(redis: Redis, store: RunStore, inputs: readonly Input[], options: SubmitOptions): Promise<Submission> {
    const runId = await store.createRun({
      patterns: options.patterns,
      sources: inputs.map((input) => input.name),
      chunkSize: options.chunkSize,
    });
    const queue = new Queue(CHUNK_QUEUE, { connection: redis, prefix: store.keys.prefix });
    queue.on('error', () => {});
    const events = await RunEvents.subscribe(redis, store.keys.runEvents(runId));
    return new Submission(runId, store, queue, events, options);
  }

  /** Enqueues every chunk of every input, then seals the run. */
  async enqueueAll(inputs: readonly Input[], signal?: AbortSignal): Promise<void> {
    try {
      const gate = new InFlightGate(this.store, this.events, this.runId, this.options.maxInFlightBytes);
      const jobOptions = chunkJobOptions(this.options);
      const pending = new Set<Promise<void>>();
      for (const [source, input] of inputs.entries()) {
        const chunks = chunkStream(input.read(signal), { chunkSize: this.options.chunkSize, maxLineSize: this.options.maxLineSize, sourceName: input.name });
        for await (const chunk of chunks) {
          signal?.throwIfAborted();
          await gate.admit(chunk.bytes.length, signal);
          const job: ChunkJobData = {
            v: 1,
            runId: this.runId,
            source,
            seq: chunk.seq,
            byteOffset: chunk.byteOffset,
            byteLength: chunk.bytes.length,
            firstLine: chunk.firstLine,
            lineCount: chunk.lineCount,
            patterns: this.options.patterns,
          };
          const enqueued = (async () => {
            await this.store.storeChunk(this.runId, source, chunk);
            await this.queue.add('chunk', job, { ...jobOptions, jobId: chunkJobId(job) });
          })();
          pending.add(enqueued);
          void enqueued.finally(() => pending.delete(enqueued)).catch(() => {});
          if (pending.size >= ENQUEUE_CONCURRENCY) await Promise.race(pending);
        }
        await input.close();
      }
      await Promise.all(pending);
      await this.store.seal(this.runId);
    } catch (err) {
      const reason = signal?.aborted ? 'interrupted before all input was enqueued' : errorMessage(err);
      await this.store.fail(this.runId, reason).catch(() => {});
      throw err;
    }
  }

  /** Workers connected to the chunk queue right now. */
  async workerCount(): Promise<number> {
    return this.queue.getWorkersCount().catch(() => -1);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
