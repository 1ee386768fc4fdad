import {
  type ChunkCounts,
  ChunkIntegrityError,
  type ChunkJobData,
  ChunkMissingError,
  ChunkPoisonError,
  type FileChunkJob,
  InvalidJobError,
  type RecordOutcome,
  type RecordResult,
  type RunStore,
  SharedPathError,
  TaskTimeoutError,
  type StoredChunkJob,
  chunkId,
  errorMessage,
  isFileChunk,
  isOutOfMemory,
  markStartup,
  parseChunkBatch,
} from '@logcluster/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, UnrecoverableError } from 'bullmq';
import type { CountPool } from './count-pool.js';
import type { BeyondCounts, FileOutcome, FileRanges } from './count-task.js';
import type { DeadLettering } from './dead-lettering.js';
import type { FaultPoint } from './fault-points.js';
import type { SharedStorage } from './shared-storage.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** A chunk's counts, or why it needs none. */
type Counted = ChunkCounts | 'duplicate' | 'run-failed';

/** What a chunk job returns to BullMQ: the outcome of each of its chunks, in order. */
export interface ChunkJobResult {
  outcomes: (RecordOutcome | 'dead-lettered' | 'settled-before')[];
}

/** Failures that no retry can fix: the chunk goes straight to its final failure. */
const UNRECOVERABLE = [InvalidJobError, ChunkMissingError, ChunkIntegrityError, ChunkPoisonError, SharedPathError];

const isUnrecoverable = (err: unknown) => UNRECOVERABLE.some((type) => err instanceof type);

/**
 * How long a worker keeps recording a chunk's counts again while Redis answers that it is
 * full (the coordinator storing a chunk at that moment, say) before the attempt fails.
 */
const RECORD_WHILE_FULL_MS = 60_000;

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
    private readonly metrics?: WorkerMetrics,
  ) {}

  async process(job: Job<unknown, ChunkJobResult>): Promise<ChunkJobResult> {
    markStartup('worker: first job taken');
    let chunks: ChunkJobData[];
    try {
      chunks = parseChunkBatch(job.data);
    } catch (err) {
      await this.deadLettering.invalidJob(job, err);
      throw new UnrecoverableError(errorMessage(err));
    }
    const done = this.metrics?.startJob(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
    try {
      return await this.processChunks(job, chunks);
    } finally {
      done?.();
    }
  }

  private async processChunks(job: Job<unknown, ChunkJobResult>, chunks: ChunkJobData[]): Promise<ChunkJobResult> {
    this.crashAt('count:start');
    const abandoned = job.attemptsStarted - 1 - job.attemptsMade;
    if (abandoned >= MAX_ABANDONED_STARTS) {
      const poison = new ChunkPoisonError(
        `${describeJob(chunks)} was taken ${abandoned} times by workers that died before finishing it`,
      );
      for (const chunk of chunks) await this.deadLettering.chunkFailed(job, chunk, poison);
      throw new UnrecoverableError(poison.message);
    }
    // On a retry or a redelivery, skip what was counted before. A chunk found dead is
    // tried again: a worker may have died between dead-lettering it and finishing the
    // job, and trying again either counts it (dead → done) or completes the move.
    const counted = job.attemptsStarted > 1 ? await this.store.chunkStates(chunks[0]!.runId, chunks.map(chunkId)) : [];
    const toCount = chunks.filter((_, i) => counted[i] !== 'done');
    const countsOf = this.countAll(toCount);
    const countedNow = await Promise.allSettled(
      chunks.map((chunk) => countsOf.get(chunk) ?? Promise.resolve('settled-before' as const)),
    );
    const results = await this.recordAll(chunks, countedNow);
    this.crashAt('count:after-record');
    const failed = results.flatMap((result, i) =>
      result.status === 'rejected' ? [{ chunk: chunks[i]!, err: result.reason as unknown }] : [],
    );
    if (failed.length === 0) {
      const outcomes = results.map(
        (result) => (result as PromiseFulfilledResult<ChunkJobResult['outcomes'][number]>).value,
      );
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
      else this.metrics?.finished('failed');
    }
    const first = (retryable[0] ?? failed[0])!;
    const message =
      failed.length === 1
        ? errorMessage(first.err)
        : `${failed.length} chunks failed; the first: ${errorMessage(first.err)}`;
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
      throw new Error(
        `${lost.length} of the job's ${chunks.length} chunks lost their records (Redis restarted from an older state?); counting them again`,
      );
    }
  }

  /**
   * Records counts, again while Redis answers that it is full: recording frees the
   * chunks' bytes, so it is what drains Redis, and failing the attempt for it would only
   * spend one of the job's retries. The script records all or nothing, so a refused call
   * left nothing behind.
   */
  private async recordWhileFull(chunks: ChunkJobData[], counts: ChunkCounts[]): Promise<RecordResult[]> {
    markStartup('worker: first chunks counted');
    const giveUpAt = Date.now() + RECORD_WHILE_FULL_MS;
    for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
      try {
        return await this.store.recordResults(chunks, counts, this.workerId, this.deadLettering.retentionMs);
      } catch (err) {
        if (!isOutOfMemory(err) || Date.now() + pause > giveUpAt || this.abandoned) throw err;
        await sleep(pause);
      }
    }
  }

  /** From now on, failures are the worker's shutdown, not the chunks': none is dead-lettered. */
  abandon(): void {
    this.abandoned = true;
  }

  /**
   * Starts counting every chunk: those in Redis together (one read, one task), those on
   * shared storage one by one. Each chunk gets a promise of its own.
   */
  private countAll(chunks: ChunkJobData[]): Map<ChunkJobData, Promise<Counted>> {
    const results = new Map<ChunkJobData, Promise<Counted>>();
    const stored = chunks.filter((chunk): chunk is StoredChunkJob => !isFileChunk(chunk));
    const files = chunks.filter(isFileChunk);
    if (stored.length > 0) this.countStoredChunks(stored).forEach((counts, i) => results.set(stored[i]!, counts));
    if (files.length > 0) this.countFileChunks(files).forEach((counts, i) => results.set(files[i]!, counts));
    return results;
  }

  /** Records every chunk that was counted, in one step, and says what became of each. */
  private async recordAll(
    chunks: ChunkJobData[],
    counted: PromiseSettledResult<Counted | 'settled-before'>[],
  ): Promise<PromiseSettledResult<ChunkJobResult['outcomes'][number]>[]> {
    const results: PromiseSettledResult<ChunkJobResult['outcomes'][number]>[] = counted.map((result) =>
      result.status === 'fulfilled' && typeof result.value === 'object'
        ? { status: 'fulfilled', value: 'recorded' }
        : (result as PromiseSettledResult<'duplicate' | 'run-failed' | 'settled-before'>),
    );
    const toRecord = chunks.flatMap((chunk, i) => {
      const result = counted[i]!;
      return result.status === 'fulfilled' && typeof result.value === 'object'
        ? [{ i, chunk, counts: result.value }]
        : [];
    });
    let recorded: RecordResult[];
    try {
      recorded = await this.recordWhileFull(
        toRecord.map(({ chunk }) => chunk),
        toRecord.map(({ counts }) => counts),
      );
    } catch (err) {
      for (const { i } of toRecord) results[i] = { status: 'rejected', reason: err };
      return results;
    }
    for (const [at, { i, chunk, counts }] of toRecord.entries()) {
      const { outcome, revivedGeneration } = recorded[at]!;
      if (outcome === 'run-missing') {
        results[i] = {
          status: 'rejected',
          reason: new Error(`run ${chunk.runId} does not exist (removed, or not yet restored after a Redis restart)`),
        };
      } else if (outcome === 'chunk-unknown') {
        // Redis lost the chunk (a restart that lost writes): counting it now would count it
        // outside the run's accounting. Its coordinator enqueues it again.
        results[i] = {
          status: 'rejected',
          reason: new Error(
            `chunk ${chunk.source}.${chunk.seq} is not known to run ${chunk.runId}: Redis lost it; its coordinator enqueues it again`,
          ),
        };
      } else {
        if (outcome === 'recorded') {
          this.chunksCounted++;
          this.metrics?.counted(counts);
        }
        if (revivedGeneration > 0) await this.deadLettering.revived(chunk, revivedGeneration);
        results[i] = { status: 'fulfilled', value: outcome };
      }
    }
    return results;
  }

  /**
   * Chunks whose bytes are in Redis, their lines counted by the coordinator: read in one
   * round trip, each straight into its place in one buffer, which then moves to a thread
   * as it is and is counted in one task. If that task runs out of time, each chunk is
   * read again and counted on its own, so that only the chunk at fault fails.
   */
  private countStoredChunks(jobs: StoredChunkJob[]): Promise<Counted>[] {
    const whole = Buffer.allocUnsafeSlow(jobs.reduce((sum, job) => sum + job.byteLength, 0));
    let end = 0;
    const ends = jobs.map((job) => (end += job.byteLength));
    const places = jobs.map((job, i) => whole.subarray(ends[i]! - job.byteLength, ends[i]));
    // Per chunk: read, or why there are no bytes to count (a reason, or an error).
    const checked = this.store
      .readChunksInto(jobs.map((job, i) => ({ job, target: places[i]! })))
      .then((lengths) => Promise.allSettled(jobs.map((job, i) => this.checkBytes(job, lengths[i] ?? null))));
    const counted = checked.then(async (all) => {
      const present = jobs.flatMap((_, i) =>
        all[i]!.status === 'fulfilled' && (all[i] as PromiseFulfilledResult<string>).value === 'read' ? [i] : [],
      );
      if (present.length === 0) return new Map<number, Promise<Counted>>();
      const { patterns } = jobs[0]!;
      try {
        const counts =
          present.length === jobs.length
            ? await this.pool.countJoined(
                whole.buffer,
                ends,
                jobs.map((job) => job.lineCount),
                patterns,
                beyondCounts(jobs),
              )
            : await this.pool.countMany(
                present.map((i) => ({ bytes: places[i]!, lines: jobs[i]!.lineCount })),
                patterns,
                beyondCounts(present.map((i) => jobs[i]!)),
              );
        return new Map(present.map((i, at) => [i, Promise.resolve<Counted>(counts[at]!)]));
      } catch (err) {
        if (!(err instanceof TaskTimeoutError) || present.length === 1) throw err;
        return new Map(present.map((i) => [i, this.countStoredChunk(jobs[i]!)]));
      }
    });
    // Awaited per chunk below, but only for chunks whose bytes were read: when the read
    // itself failed, nothing awaits it, and its rejection must not go unhandled.
    counted.catch(() => {});
    return jobs.map(async (job, i): Promise<Counted> => {
      const result = (await checked)[i]!;
      if (result.status === 'rejected') throw result.reason;
      if (result.value !== 'read') return result.value;
      return (await counted).get(i)!;
    });
  }

  /** One chunk whose bytes are in Redis, read and counted on its own. */
  private async countStoredChunk(job: StoredChunkJob): Promise<Counted> {
    const bytes = Buffer.allocUnsafeSlow(job.byteLength);
    const [length] = await this.store.readChunksInto([{ job, target: bytes }]);
    const checked = await this.checkBytes(job, length ?? null);
    if (checked !== 'read') return checked;
    return this.pool.count(bytes, job.lineCount, job.patterns, beyondCounts([job]));
  }

  /** Whether the chunk's bytes were read whole (`length` is what Redis held, null if nothing); or why there are none. */
  private async checkBytes(job: StoredChunkJob, length: number | null): Promise<'read' | 'duplicate' | 'run-failed'> {
    if (length === null) {
      // Counted by another delivery, which deletes the bytes; dropped with a failed run; or lost.
      if ((await this.store.chunkState(job)) === 'done') return 'duplicate';
      if ((await this.store.status(job.runId).catch(() => null)) === 'failed') return 'run-failed';
      throw new ChunkMissingError(
        `the bytes of chunk ${job.source}.${job.seq} of run ${job.runId} are missing from Redis`,
      );
    }
    if (length !== job.byteLength) {
      throw new ChunkIntegrityError(
        `chunk ${job.source}.${job.seq} of run ${job.runId} holds ${length} bytes, expected ${job.byteLength}`,
      );
    }
    return 'read';
  }

  /**
   * Chunks on shared storage: a job's chunks are consecutive ranges of one file, opened
   * once, read in one go and counted in one task (lines too) on a thread. If that task
   * runs out of time, each chunk is counted on its own, so that only the one at fault
   * fails.
   */
  private countFileChunks(jobs: FileChunkJob[]): Promise<Counted>[] {
    const consecutive = jobs.every(
      (job, i) =>
        i === 0 || (job.path === jobs[0]!.path && job.byteOffset === jobs[i - 1]!.byteOffset + jobs[i - 1]!.byteLength),
    );
    if (!consecutive) return this.countManyFiles(jobs);
    const counted = (async () => {
      const file = await this.storage.open(jobs[0]!.path);
      try {
        return await this.pool.countFileRanges(
          file.fd,
          jobs[0]!.byteOffset,
          jobs.map((job) => job.byteLength),
          file.size,
          jobs[0]!.patterns,
          { ...jobs[0]!, ...joinSources(jobs) },
        );
      } catch (err) {
        if (!(err instanceof TaskTimeoutError) || jobs.length === 1) throw err;
        return null;
      } finally {
        await file.close();
      }
    })();
    return jobs.map(async (job, i) => (await counted)?.[i] ?? this.countFileChunk(job));
  }

  /**
   * Chunks of several files (small files, several to a job): their paths checked here,
   * then every file opened, read, counted and closed in one task on a thread (which may
   * block on a file, as this thread must not). If that task runs out of time, each chunk
   * is counted on its own, so that only the one at fault fails.
   */
  private countManyFiles(jobs: FileChunkJob[]): Promise<Counted>[] {
    // Consecutive chunks of one file go together: per chunk, its file's index and its place among that file's ranges.
    const files: FileChunkJob[][] = [];
    const placeOf = jobs.map((job) => {
      const last = files.at(-1);
      const previous = last?.at(-1);
      if (last && previous!.path === job.path && job.byteOffset === previous!.byteOffset + previous!.byteLength)
        last.push(job);
      else files.push([job]);
      return { file: files.length - 1, range: files.at(-1)!.length - 1 };
    });
    const counted = (async () => {
      const paths = await Promise.allSettled(files.map((ranges) => this.storage.resolve(ranges[0]!.path)));
      const readable = files.flatMap((_, f) => (paths[f]!.status === 'fulfilled' ? [f] : []));
      const tasks: FileRanges[] = readable.map((f) => ({
        ...(paths[f] as PromiseFulfilledResult<{ path: string; noFollow: boolean }>).value,
        offset: files[f]![0]!.byteOffset,
        lengths: files[f]!.map((job) => job.byteLength),
      }));
      let outcomes: FileOutcome[] | null;
      try {
        const beyond = { ...jobs[0]!, ...joinSources(readable.flatMap((f) => files[f]!)) };
        outcomes = tasks.length > 0 ? await this.pool.countFiles(tasks, jobs[0]!.patterns, beyond) : [];
      } catch (err) {
        if (!(err instanceof TaskTimeoutError) || jobs.length === 1) throw err;
        outcomes = null;
      }
      const outcomeOf = new Map(readable.map((f, at) => [f, outcomes?.[at]]));
      return { paths, outcomeOf, timedOut: outcomes === null };
    })();
    // Awaited per chunk below; a failure of the whole must not go unhandled meanwhile.
    counted.catch(() => {});
    return jobs.map(async (job, i): Promise<Counted> => {
      const { file, range } = placeOf[i]!;
      const { paths, outcomeOf, timedOut } = await counted;
      const path = paths[file]!;
      if (path.status === 'rejected') throw path.reason;
      if (timedOut) return this.countFileChunk(job);
      const outcome = outcomeOf.get(file)!;
      if ('counts' in outcome) return outcome.counts[range]!;
      if ('misaligned' in outcome) throw new ChunkIntegrityError(outcome.misaligned);
      if ('unreadable' in outcome) throw new ChunkMissingError(outcome.unreadable);
      throw new SharedPathError(outcome.notRegular);
    });
  }

  /** A chunk on shared storage, on its own: read (on a thread) from the file, lines counted too. */
  private async countFileChunk(job: FileChunkJob): Promise<ChunkCounts> {
    const file = await this.storage.open(job.path);
    try {
      return await this.pool.countFile(file.fd, job.byteOffset, job.byteLength, file.size, job.patterns, {
        ...job,
        ...joinSources([job]),
      });
    } finally {
      await file.close();
    }
  }
}

/** What a task of these chunks (of one job) is asked beyond counts; with events, which chunks start their source. */
function beyondCounts(jobs: readonly StoredChunkJob[]): BeyondCounts {
  const { insight, records, multiline } = jobs[0]!;
  return {
    ...(insight ? { insight } : {}),
    ...(records ? { records } : {}),
    ...(multiline ? { multiline, sourceStarts: jobs.map((job) => job.byteOffset === 0) } : {}),
    ...joinSources(jobs),
  };
}

/** In a join, the sources of a task's chunks, in its order: their sides say which lines are join events. */
function joinSources(jobs: readonly ChunkJobData[]): Pick<BeyondCounts, 'sources'> {
  return jobs[0]?.records?.join ? { sources: jobs.map((job) => job.source) } : {};
}

function describeJob(chunks: readonly ChunkJobData[]): string {
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  const which =
    chunks.length === 1
      ? `chunk ${first.source}.${first.seq}`
      : `the job of chunks ${first.source}.${first.seq}–${last.seq}`;
  return `${which} of run ${first.runId}`;
}
