import { fileURLToPath } from 'node:url';
import { type ChunkCounts, type PatternSpec, TaskTimeoutError } from '@logcluster/core';
import { Piscina } from 'piscina';
import type { CountTask } from './count-task.js';

// Worker threads need compiled JavaScript on Node 20. Both src/ and dist/ sit one level
// under the package root, so this finds the built task from either.
const TASK_FILE = fileURLToPath(new URL('../dist/count-task.js', import.meta.url));

export interface CountPoolOptions {
  threads: number;
  /** A task running longer is aborted and its thread replaced. */
  taskTimeoutMs: number;
}

/** The piscina pool that counts chunks off the event loop. */
export class CountPool {
  private readonly pool: Piscina<CountTask, ChunkCounts>;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: CountPoolOptions) {
    this.pool = new Piscina<CountTask, ChunkCounts>({
      filename: TASK_FILE,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Threads stay up between chunks; starting one costs more than a chunk takes.
      idleTimeout: 60_000,
    });
  }

  /**
   * Counts a chunk on a thread. The bytes move to the thread without a copy when they
   * own their whole ArrayBuffer; otherwise they are copied once into one that does.
   */
  async count(bytes: Buffer, patterns: PatternSpec[]): Promise<ChunkCounts> {
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const buffer = owned ? bytes.buffer : new Uint8Array(bytes).buffer;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.taskTimeoutMs);
    try {
      return await this.pool.run({ bytes: buffer, patterns }, { transferList: [buffer], signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) {
        throw new TaskTimeoutError(`counting took longer than the task timeout of ${this.options.taskTimeoutMs} ms; the thread was replaced`, {
          cause: err,
        });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Share of the pool's capacity in use, 0–1. */
  get utilization(): number {
    return this.pool.utilization;
  }

  /** Tasks waiting for a free thread. */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  /** Waits for running tasks, or with `force` ends them (their threads are terminated). */
  close({ force = false } = {}): Promise<void> {
    return (this.closing ??= force ? this.pool.destroy() : this.pool.close());
  }
}
