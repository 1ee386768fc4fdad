import type { ChunkCounts } from '@logcluster/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the pool reports for its gauges. */
export interface PoolGauges {
  /** Share of the threads' time spent counting since the pool started, 0–1. */
  utilization(): number;
  /** Tasks waiting for a free thread. */
  queueSize(): number;
}

/** Final states of a chunk as a worker sees them: the contract's `outcome` label. */
export type ChunkOutcome = 'completed' | 'failed' | 'dead_lettered';

/**
 * A worker's metrics, in a registry of its own (SPEC: Metrics). Every series carries the
 * worker's name as `worker`, so that several workers behind one scrape job stay apart.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly chunks: Counter<'outcome'>;
  private readonly duration: Histogram;
  private readonly bytes: Counter;
  private readonly lines: Counter;
  private readonly inProgressBytes: Gauge;

  constructor(workerName: string, pool: PoolGauges) {
    this.registry.setDefaultLabels({ worker: workerName });
    const registers = [this.registry];
    this.chunks = new Counter({
      name: 'logcluster_chunks_total',
      help: 'Chunks this worker finished with: completed (counted and recorded), failed (an attempt failed; it is retried), dead_lettered (failed for good)',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['completed', 'failed', 'dead_lettered'] as const) this.chunks.inc({ outcome }, 0);
    this.duration = new Histogram({
      name: 'logcluster_chunk_duration_seconds',
      help: 'Time to count and record one job of chunks (small chunks travel several to a job), from taking it to its result',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.bytes = new Counter({
      name: 'logcluster_processed_bytes_total',
      help: 'Bytes of the chunks this worker counted',
      registers,
    });
    this.lines = new Counter({
      name: 'logcluster_processed_lines_total',
      help: 'Lines of the chunks this worker counted',
      registers,
    });
    this.inProgressBytes = new Gauge({
      name: 'logcluster_worker_in_progress_bytes',
      help: 'Bytes of the chunks this worker is counting now',
      registers,
    });
    new Gauge({
      name: 'logcluster_pool_utilization',
      help: "Share of the counting threads' time spent counting since the pool started (0-1)",
      registers,
      collect() {
        this.set(pool.utilization());
      },
    });
    new Gauge({
      name: 'logcluster_pool_queue_size',
      help: 'Counting tasks waiting for a free thread',
      registers,
      collect() {
        this.set(pool.queueSize());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** A chunk counted and recorded by this worker (not a duplicate). */
  counted(counts: ChunkCounts): void {
    this.chunks.inc({ outcome: 'completed' });
    this.bytes.inc(counts.bytes);
    this.lines.inc(counts.lines);
  }

  /** A chunk whose attempt failed, to be retried; or that was dead-lettered. */
  finished(outcome: Exclude<ChunkOutcome, 'completed'>): void {
    this.chunks.inc({ outcome });
  }

  /** Times one job; call the returned function when it is done. */
  startJob(bytes: number): () => void {
    this.inProgressBytes.inc(bytes);
    const end = this.duration.startTimer();
    return () => {
      end();
      this.inProgressBytes.dec(bytes);
    };
  }
}
