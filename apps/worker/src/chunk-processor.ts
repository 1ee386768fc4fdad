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
  chunkId,
  errorMessage,
  isFileChunk,
  parseChunkBatch,
} from '@logcluster/core';
import { type Job, UnrecoverableError } from 'bullmq';
import type { CountPool } from './count-pool.js';
import type { DeadLettering } from './dead-lettering.js';
import type { FaultPoint } from './fault-points.js';
import type { SharedStorage } from './shared-storage.js';

/** What a chunk job returns to BullMQ: the outcome of each of its chunks, in order. */
export interface ChunkJobResult {
  outcomes: (RecordOutcome | 'dead-lettered' | 'settled-before')[];
}

/** Failures that no retry can fix: the chunk goes straight to its final failure. */
const UNRECOVERABLE = [InvalidJobError, ChunkMissingError, ChunkIntegrityError, ChunkPoisonError, SharedPathError];

const isUnrecoverable = (err: unknown) => UNRECOVERABLE.some((type) => err instanceof type);

/**
 * Starts of one attempt that never finished (each a worker that died holding the job)
 * after which its chunks are dead-lettered rather than handed to yet another worker.
 */
export const MAX_ABANDONED_STARTS = 3;

/**
 * Processes one job: counts each of its chunks on the pool and records the counts
 * exactly once per chunk. A chunk that fails in a way no retry can fix is dead-lettered
 * at once; one that may succeed later fails the job, so that BullMQ retries it (chunks
 * counted already are skipped); on the job's last attempt, those are dead-lettered too.
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
    let chunks: ChunkJobData[];
    try {
      chunks = parseChunkBatch(job.data);
    } catch (err) {
      await this.deadLettering.invalidJob(job, err);
      throw new UnrecoverableError(errorMessage(err));
    }
    this.crashAt('count:start');
    const abandoned = job.attemptsStarted - 1 - job.attemptsMade;
    if (abandoned >= MAX_ABANDONED_STARTS) {
      const poison = new ChunkPoisonError(`${describeJob(chunks)} was taken ${abandoned} times by workers that died before finishing it`);
      for (const chunk of chunks) await this.deadLettering.chunkFailed(job, chunk, poison);
      throw new UnrecoverableError(poison.message);
    }
    // On a retry or a redelivery, skip what was counted before. A chunk found dead is
    // tried again: a worker may have died between dead-lettering it and finishing the
    // job, and trying again either counts it (dead → done) or completes the move.
    const counted = job.attemptsStarted > 1 ? await this.store.chunkStates(chunks[0]!.runId, chunks.map(chunkId)) : [];
    const results = await Promise.allSettled(
      chunks.map((chunk, i) => (counted[i] === 'done' ? Promise.resolve('settled-before' as const) : this.countOnce(chunk))),
    );
    this.crashAt('count:after-record');
    const failed = results.flatMap((result, i) => (result.status === 'rejected' ? [{ chunk: chunks[i]!, err: result.reason as unknown }] : []));
    if (failed.length === 0) {
      const outcomes = results.map((result) => (result as PromiseFulfilledResult<ChunkJobResult['outcomes'][number]>).value);
      await this.checkSettled(chunks.filter((_, i) => outcomes[i] !== 'run-failed'));
      return { outcomes };
    }

    // Failing because the worker is going away is not the chunks' fault: another worker
    // takes the job once its lock lapses.
    if (this.abandoned) throw failed[0]!.err;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const retryable = failed.filter(({ err }) => !isUnrecoverable(err));
    for (const { chunk, err } of failed) {
      if (lastAttempt || isUnrecoverable(err)) await this.deadLettering.chunkFailed(job, chunk, err);
    }
    const first = (retryable[0] ?? failed[0])!;
    const message = failed.length === 1 ? errorMessage(first.err) : `${failed.length} chunks failed; the first: ${errorMessage(first.err)}`;
    // Nothing left that a retry could count: fail the job for good.
    if (retryable.length === 0) throw new UnrecoverableError(message);
    throw failed.length === 1 ? first.err : new Error(message, { cause: first.err });
  }

  /**
   * Before the job is let complete, its chunks must all be settled in Redis as it is now:
   * if Redis restarted from an older state while this job ran, records made before the
   * restart are gone, and completing the job would leave those chunks to nobody. The
   * job fails instead, and its retry counts them again.
   */
  private async checkSettled(chunks: ChunkJobData[]): Promise<void> {
    if (chunks.length === 0) return;
    const states = await this.store.chunkStates(chunks[0]!.runId, chunks.map(chunkId));
    const lost = chunks.filter((_, i) => states[i] !== 'done' && states[i] !== 'dead');
    if (lost.length > 0) {
      throw new Error(`${lost.length} of the job's ${chunks.length} chunks lost their records (Redis restarted from an older state?); counting them again`);
    }
  }

  /** From now on, failures are the worker's shutdown, not the chunks': none is dead-lettered. */
  abandon(): void {
    this.abandoned = true;
  }

  private async countOnce(job: ChunkJobData): Promise<RecordOutcome> {
    const counts = isFileChunk(job) ? await this.countFileChunk(job) : await this.countStoredChunk(job);
    if (counts === 'duplicate' || counts === 'run-failed') return counts;
    const { outcome, revivedGeneration } = await this.store.recordResult(job, counts, this.workerId);
    if (outcome === 'run-missing') throw new Error(`run ${job.runId} does not exist (removed, or not yet restored after a Redis restart)`);
    // Redis lost the chunk (a restart that lost writes): counting it now would count it
    // outside the run's accounting. Its coordinator enqueues it again.
    if (outcome === 'chunk-unknown') throw new Error(`chunk ${job.source}.${job.seq} is not known to run ${job.runId}: Redis lost it; its coordinator enqueues it again`);
    if (outcome === 'recorded') this.chunksCounted++;
    if (revivedGeneration > 0) await this.deadLettering.revived(job, revivedGeneration);
    return outcome;
  }

  /** A chunk whose bytes are in Redis; its lines were counted by the coordinator. */
  private async countStoredChunk(job: StoredChunkJob): Promise<ChunkCounts | 'duplicate' | 'run-failed'> {
    const bytes = await this.store.readChunk(job);
    if (bytes === null) {
      // Counted by another delivery, which deletes the bytes; dropped with a failed run; or lost.
      if ((await this.store.chunkState(job)) === 'done') return 'duplicate';
      if ((await this.store.status(job.runId).catch(() => null)) === 'failed') return 'run-failed';
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

function describeJob(chunks: readonly ChunkJobData[]): string {
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  const which = chunks.length === 1 ? `chunk ${first.source}.${first.seq}` : `the job of chunks ${first.source}.${first.seq}–${last.seq}`;
  return `${which} of run ${first.runId}`;
}
