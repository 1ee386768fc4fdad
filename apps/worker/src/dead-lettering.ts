import {
  type ChunkJobData,
  type DeadLetterEntry,
  type DeadLetterError,
  type DeadLetterQueue,
  LogclusterError,
  type RunStore,
  chunkJobId,
  deadLetterId,
  errorMessage,
  isFileChunk,
} from '@logcluster/core';
import type { Job } from 'bullmq';
import type { FaultPoint } from './fault-points.js';
import type { FileChunkLines } from './file-chunk-lines.js';

/** What a worker tells (logs, counts) of an entry it added to the dead-letter queue. */
export interface DeadLetterNotice {
  /** The chunk and its place in its run; null for job data that broke the contract. */
  chunk: ReturnType<typeof place> | null;
  reason: string;
}

/**
 * Moves chunks that failed for good to the dead-letter queue. The order makes it safe
 * against dying at any point: the run records the chunk as dead first (atomically, in
 * Redis), then the entry is added under an id that adding again does not duplicate, and
 * only then is the job let fail. If the process dies before the end, the job is still
 * active; once its lock lapses it is delivered again and either counts (the chunk goes
 * from dead to done) or fails again and repeats these steps, which change nothing twice.
 */
export class DeadLettering {
  constructor(
    private readonly store: RunStore,
    private readonly queue: DeadLetterQueue,
    private readonly workerId: string,
    /** How long a dead-lettered chunk's entry and bytes are kept. */
    readonly retentionMs: number,
    private readonly crashAt: (point: FaultPoint) => void,
    /** Counts the lines of a chunk on shared storage (nobody else did); null if it cannot. */
    private readonly linesOf: FileChunkLines,
    /** Told of every entry this worker adds to the dead-letter queue. */
    private readonly onEntry: (entry: DeadLetterNotice) => void = () => {},
  ) {}

  /** Records the final failure of a chunk job whose data kept the contract. */
  async chunkFailed(job: Job, data: ChunkJobData, err: unknown, worker = this.workerId): Promise<void> {
    const error = describeError(err);
    this.crashAt('dead-letter:before-record');
    const lineCount = isFileChunk(data) ? await this.linesOf(data) : data.lineCount;
    const { outcome, generation } = await this.store.recordDeadLetter(data, `${error.code}: ${error.message}`, {
      retentionMs: this.retentionMs,
      lineCount,
    });
    this.crashAt('dead-letter:after-record');
    // Counted after all by another delivery: nothing is dead.
    if (outcome === 'recorded' || outcome === 'duplicate') {
      if (generation === 0) return;
    }
    // A chunk its run does not know (the run is gone, or Redis lost the chunk and its
    // coordinator enqueues it again) gets an entry of its own, tied to no run.
    const orphan =
      outcome === 'run-missing'
        ? `run ${data.runId} no longer exists`
        : outcome === 'chunk-unknown'
          ? `run ${data.runId} does not know chunk ${data.source}.${data.seq}`
          : null;
    const chunk = orphan ? undefined : { ...place(data, lineCount), generation };
    const reported = orphan ? { ...error, message: `${error.message} (${orphan})` } : error;
    // The entry keeps this chunk's own job data (a job may carry several chunks).
    await this.queue.add(entryFor(job, data, worker, reported, chunk));
    this.crashAt('dead-letter:after-queue');
    this.onEntry({ chunk: place(data, lineCount), reason: `${reported.code}: ${reported.message}` });
  }

  /** Records a job whose data does not keep the contract: there is no run to mark. */
  async invalidJob(job: Job, err: unknown, worker = this.workerId): Promise<void> {
    const error = describeError(err);
    await this.queue.add(entryFor(job, job.data as unknown, worker, error));
    this.onEntry({ chunk: null, reason: `${error.code}: ${error.message}` });
  }

  /** A dead-lettered chunk was counted after all: its entry of that generation is stale. */
  async revived(data: ChunkJobData, generation: number): Promise<void> {
    await this.queue.remove(deadLetterId(chunkJobId(data), generation));
  }

  /** Drops entries past the retention period (their chunk bytes expire with them). */
  async applyRetention(): Promise<number> {
    return this.queue.removeOlderThan(this.retentionMs);
  }
}

export function describeError(err: unknown): DeadLetterError {
  const code = err instanceof LogclusterError ? err.code : err instanceof Error ? err.name : 'Error';
  const stack = err instanceof Error ? err.stack : undefined;
  return { message: errorMessage(err), code, ...(stack ? { stack } : {}) };
}

function place(data: ChunkJobData, lineCount: number | null) {
  const { runId, source, seq, byteOffset, byteLength } = data;
  return {
    runId,
    source,
    seq,
    firstLine: isFileChunk(data) ? null : data.firstLine,
    lineCount,
    byteOffset,
    byteLength,
  };
}

/** A dead-letter entry of a failed job (with its chunk, when it named one). */
export function entryFor(
  job: Job,
  data: unknown,
  worker: string,
  error: DeadLetterError,
  chunk?: DeadLetterEntry['chunk'],
): DeadLetterEntry {
  return {
    v: 1,
    jobId: job.id ?? '',
    job: data,
    ...(chunk ? { chunk } : {}),
    error,
    // BullMQ counts the attempt in progress only once it has failed (finishedOn is set
    // on jobs the reconciler finds already failed).
    attemptsMade: job.finishedOn ? job.attemptsMade : job.attemptsMade + 1,
    worker,
    enqueuedAt: job.timestamp,
    failedAt: Date.now(),
  };
}
