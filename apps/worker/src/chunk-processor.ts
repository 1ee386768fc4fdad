import {
  type ChunkCounts,
  ChunkIntegrityError,
  type ChunkJobData,
  ChunkMissingError,
  ChunkPoisonError,
  type FileChunkJob,
  InvalidJobError,
  type RecordOutcome,
  type RunStore,
  SharedPathError,
  type StoredChunkJob,
  errorMessage,
  isFileChunk,
  parseChunkJob,
} from '@logcluster/core';
import { type Job, UnrecoverableError } from 'bullmq';
import type { CountPool } from './count-pool.js';
import type { DeadLettering } from './dead-lettering.js';
import type { FaultPoint } from './fault-points.js';
import type { SharedStorage } from './shared-storage.js';

/** What a chunk job returns to BullMQ. */
export interface ChunkJobResult {
  outcome: RecordOutcome;
}

/** Failures that no retry can fix: the job goes straight to its final failure. */
const UNRECOVERABLE = [InvalidJobError, ChunkMissingError, ChunkIntegrityError, ChunkPoisonError, SharedPathError];

/**
 * Starts of one attempt that never finished (each a worker that died holding the chunk)
 * after which the chunk is dead-lettered rather than handed to yet another worker.
 */
export const MAX_ABANDONED_STARTS = 3;

/**
 * Processes one chunk job: counts it on the pool and records the counts exactly once;
 * on its final failure, dead-letters it.
 */
export class ChunkProcessor {
  /** Chunks this worker counted (not duplicates). */
  chunksCounted = 0;
  private abandoned = false;

  constructor(
    private readonly store: RunStore,
    private readonly pool: CountPool,
    private readonly storage: SharedStorage,
    private readonly deadLettering: DeadLettering,
    private readonly workerId: string,
    private readonly crashAt: (point: FaultPoint) => void,
  ) {}

  async process(job: Job<unknown, ChunkJobResult>): Promise<ChunkJobResult> {
    let data: ChunkJobData;
    try {
      data = parseChunkJob(job.data);
    } catch (err) {
      await this.deadLettering.invalidJob(job, err);
      throw new UnrecoverableError(errorMessage(err));
    }
    this.crashAt('count:start');
    try {
      const abandoned = job.attemptsStarted - 1 - job.attemptsMade;
      if (abandoned >= MAX_ABANDONED_STARTS) {
        throw new ChunkPoisonError(`chunk ${data.source}.${data.seq} of run ${data.runId} was taken ${abandoned} times by workers that died before finishing it`);
      }
      const outcome = await this.countOnce(data);
      this.crashAt('count:after-record');
      return { outcome };
    } catch (err) {
      // Failing because the worker is going away is not the chunk's fault: another
      // worker takes it once its lock lapses.
      if (this.abandoned) throw err;
      const unrecoverable = UNRECOVERABLE.some((type) => err instanceof type);
      if (unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.deadLettering.chunkFailed(job, data, err);
      throw unrecoverable ? new UnrecoverableError(errorMessage(err)) : err;
    }
  }

  /** From now on, failures are the worker's shutdown, not the chunks': none is dead-lettered. */
  abandon(): void {
    this.abandoned = true;
  }

  private async countOnce(job: ChunkJobData): Promise<RecordOutcome> {
    const counts = isFileChunk(job) ? await this.countFileChunk(job) : await this.countStoredChunk(job);
    if (counts === 'duplicate') return 'duplicate';
    const { outcome, revivedGeneration } = await this.store.recordResult(job, counts, this.workerId);
    if (outcome === 'run-missing') throw new Error(`run ${job.runId} does not exist (removed, or not yet restored after a Redis restart)`);
    if (outcome === 'recorded') this.chunksCounted++;
    if (revivedGeneration > 0) await this.deadLettering.revived(job, revivedGeneration);
    return outcome;
  }

  /** A chunk whose bytes are in Redis; its lines were counted by the coordinator. */
  private async countStoredChunk(job: StoredChunkJob): Promise<ChunkCounts | 'duplicate'> {
    const bytes = await this.store.readChunk(job);
    if (bytes === null) {
      // Counted by another delivery, which deletes the bytes; or lost.
      if ((await this.store.chunkState(job)) === 'done') return 'duplicate';
      throw new ChunkMissingError(`the bytes of chunk ${job.source}.${job.seq} of run ${job.runId} are missing from Redis`);
    }
    if (bytes.length !== job.byteLength) {
      throw new ChunkIntegrityError(`chunk ${job.source}.${job.seq} of run ${job.runId} holds ${bytes.length} bytes, expected ${job.byteLength}`);
    }
    return this.pool.count(bytes, job.lineCount, job.patterns);
  }

  /** A chunk on shared storage: read (on a thread) from the file, lines counted too. */
  private async countFileChunk(job: FileChunkJob): Promise<ChunkCounts> {
    const file = await this.storage.open(job.path);
    try {
      return await this.pool.countFile(file.fd, job.byteOffset, job.byteLength, file.size, job.patterns);
    } finally {
      await file.close();
    }
  }

  /**
   * The lines of a chunk on shared storage, for the record of its dead-lettering: null
   * if it cannot be read. (Counting lines only, with no pattern, cannot time out the way
   * its patterns may have.)
   */
  async linesOf(job: FileChunkJob): Promise<number | null> {
    try {
      const file = await this.storage.open(job.path);
      try {
        return (await this.pool.countFile(file.fd, job.byteOffset, job.byteLength, file.size, [])).lines;
      } finally {
        await file.close();
      }
    } catch {
      return null;
    }
  }
}
