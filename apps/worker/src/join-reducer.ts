import {
  type DeadLetterQueue,
  InvalidJobError,
  JOIN_JOB,
  type JoinJobData,
  type JoinPartitionResult,
  type RecordOutcome,
  addJoinResults,
  emptyJoinResult,
  tickBounds,
  type RunStore,
  chunkJobOptions,
  errorMessage,
  joinJobId,
  parseJoinJob,
} from '@logcluster/core';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { CountPool } from './count-pool.js';
import type { FaultPoint } from './fault-points.js';
import { describeError, entryFor } from './dead-lettering.js';

/** What a reduce job returns to BullMQ. */
export interface JoinJobResult {
  outcome: RecordOutcome | 'dead-lettered';
}

/** Reduce jobs that fail for good, as the worker reports them. */
export type JoinDeadLetterNotice = { runId: string; partition: number; reason: string };

/**
 * The reduce step of a join: a job per partition and round (lua/includes/settle.lua),
 * on the chunk queue under the name `join`. It reads the partition's pieces from Redis in
 * bounded reads, joins them on a thread and records the result once
 * (recordJoinPartition-3.lua: a second delivery, or a job of a round that is over, adds
 * nothing). A failed attempt is retried with the run's backoff; the last one records the
 * partition as dead-lettered, which makes the run partial.
 */
export class JoinReducer {
  constructor(
    private readonly store: RunStore,
    private readonly pool: CountPool,
    private readonly crashAt: (point: FaultPoint) => void,
    /** Where a partition that failed for good gets an entry, under this worker's name, for `dlq list` and `dlq replay`. */
    private readonly deadLetters: DeadLetterQueue,
    private readonly workerId: string,
    private readonly onDeadLetter: (notice: JoinDeadLetterNotice) => void = () => {},
  ) {}

  async process(job: Job<unknown, unknown>): Promise<JoinJobResult> {
    let data: JoinJobData;
    try {
      data = parseJoinJob(job.data);
    } catch (err) {
      throw new UnrecoverableError(errorMessage(err));
    }
    if (data.tick !== undefined) return this.processTick(job, data, data.tick);
    try {
      return { outcome: await this.reduce(data) };
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!lastAttempt) throw err;
      await this.deadLetter(job, data, err, this.workerId);
      throw new UnrecoverableError(errorMessage(err));
    }
  }

  /**
   * A failed reduce job, as the reconciler finds it: one that BullMQ failed on its own
   * (stalled too often), which no attempt saw fail, is recorded as dead-lettered; one
   * recorded so gets its entry if it has none. True if the partition was dead-lettered now.
   */
  async failedOnItsOwn(job: Job): Promise<boolean> {
    let data: JoinJobData;
    try {
      data = parseJoinJob(job.data);
    } catch {
      return false; // Not one of ours: nothing in any run to settle.
    }
    if (data.tick !== undefined) {
      // A tick (nothing to dead-letter): recorded as one that changed nothing, so that the ticks go on.
      await this.skipTick(data, data.tick);
      return false;
    }
    // Dead already (its entry may be missing: a worker died in between), or not recorded at all.
    const standing = await this.store.partitionStanding(data.runId, data.partition, data.round);
    if (standing !== 'dead' && standing !== 'replaying') return false;
    const error = new Error(job.failedReason || 'failed without a reason');
    return this.deadLetter(job, data, error, `reconciler@${this.workerId}`);
  }

  /**
   * Records the partition as dead-lettered in its round (the run ends partial, short of
   * it), then adds its entry to the dead-letter queue: dying in between leaves a partial
   * run without the entry, which the reconciler's pass adds (the job is failed in BullMQ).
   */
  private async deadLetter(job: Job, data: JoinJobData, err: unknown, worker: string): Promise<boolean> {
    const error = describeError(err);
    const reason = `${error.code}: ${error.message}`;
    const outcome = await this.store.recordJoinPartition(data.runId, data.partition, data.round, { dead: reason });
    if (outcome !== 'recorded' && outcome !== 'duplicate') return false;
    const { runId, partition, round } = data;
    await this.deadLetters.add({ ...entryFor(job, data, worker, error), join: { runId, partition, round } });
    if (outcome === 'recorded') this.onDeadLetter({ runId, partition, reason });
    return outcome === 'recorded';
  }

  /**
   * A followed join's tick of one partition (join-ticks.ts in core): its open events and
   * those recorded since, joined where closed, recorded once. A tick that fails for good
   * is recorded as one that changed nothing, so that the ticks go on (the final round
   * joins whatever the partition still holds).
   */
  private async processTick(job: Job, data: JoinJobData, tick: number): Promise<JoinJobResult> {
    try {
      return { outcome: await this.tick(data, tick) };
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!lastAttempt) throw err;
      await this.skipTick(data, tick);
      throw new UnrecoverableError(errorMessage(err));
    }
  }

  /** Records a tick that failed for good in a partition as one that changed nothing, so that the ticks go on. */
  private async skipTick({ runId, partition }: JoinJobData, tick: number): Promise<void> {
    const withinMs = (await this.store.definition(runId))?.records?.join?.withinMs;
    await this.store.skipJoinTick(runId, partition, tick, withinMs);
  }

  private async tick({ runId, partition }: JoinJobData, tick: number): Promise<RecordOutcome> {
    const current = await this.store.currentJoinTick(runId);
    if (!current || current.tick !== tick) return 'duplicate';
    const before = await this.store.closedPartition(runId, partition);
    if (before.tick >= tick) return 'duplicate';
    const join = (await this.store.definition(runId))?.records?.join;
    if (join?.withinMs === undefined) throw new InvalidJobError(`run ${runId} has no followed join to tick`);
    const read = await this.store.joinPieceCount(runId, partition);
    const pieces: Buffer[] = [];
    for await (const batch of this.store.joinPieces(runId, partition, read)) pieces.push(...batch);
    const withinMs = join.withinMs;
    const found = await this.pool.joinTick(pieces, withinMs, {
      openPieces: before.openPieces,
      bounds: tickBounds(before, withinMs, current),
    });
    const result = before.state?.result ?? emptyJoinResult(withinMs);
    addJoinResults(result, { ...found.closed, late: found.late });
    this.crashAt('join:fail');
    const outcome = await this.store.applyJoinTick(runId, partition, tick, before, {
      read: pieces.length,
      state: { result, leftClose: current.leftClose, rightClose: current.rightClose, openEvents: found.openEvents },
      open: found.open,
      unmatched: found.unmatchedMore > 0 ? [...found.unmatched, { more: found.unmatchedMore }] : found.unmatched,
    });
    this.crashAt('join:after-record');
    return outcome;
  }

  /** A followed join's final reduce of a partition: all it holds joined, added to what its ticks closed. */
  private async finalTick(
    runId: string,
    partition: number,
    pieces: Buffer[],
    withinMs: number,
  ): Promise<JoinPartitionResult> {
    const before = await this.store.closedPartition(runId, partition);
    const everything = { leftClose: Infinity, rightClose: Infinity };
    const found = await this.pool.joinTick(pieces, withinMs, {
      openPieces: before.openPieces,
      bounds: tickBounds(before, withinMs, everything),
    });
    const result = before.state?.result ?? emptyJoinResult(withinMs);
    result.late ??= { left: 0, right: 0 };
    addJoinResults(result, { ...found.closed, late: found.late });
    return result;
  }

  private async reduce({ runId, round, partition }: JoinJobData): Promise<RecordOutcome> {
    const standing = await this.store.partitionStanding(runId, partition, round);
    if (standing === 'run-missing') return 'run-missing';
    // Recorded (or dead-lettered) in this round already, or a round that is over.
    if (standing !== 'replaying') return 'duplicate';
    const join = (await this.store.definition(runId))?.records?.join;
    if (!join) throw new InvalidJobError(`run ${runId} has no join to reduce`);
    const pieces: Buffer[] = [];
    for await (const batch of this.store.joinPieces(runId, partition)) pieces.push(...batch);
    const result =
      join.latenessMs !== undefined && join.withinMs !== undefined
        ? await this.finalTick(runId, partition, pieces, join.withinMs)
        : await this.pool.reduceJoin(pieces, join.withinMs);
    this.crashAt('join:fail');
    this.crashAt('join:before-record');
    const outcome = await this.store.recordJoinPartition(runId, partition, round, { result });
    this.crashAt('join:after-record');
    return outcome;
  }
}

/**
 * Adds the current tick's jobs of a followed join (`JoinTick`), one per partition, with ids
 * of their own; `again` adds them even if added before (Redis may have lost them).
 */
export async function enqueueJoinTick(store: RunStore, queue: Queue, runId: string, tick: number): Promise<void> {
  const current = await store.currentJoinTick(runId);
  if (!current || current.tick !== tick) return;
  const options = chunkJobOptions(current);
  await queue.addBulk(
    Array.from({ length: current.partitions }, (_, partition) => {
      const data: JoinJobData = { v: 1, runId, round: 0, partition, tick };
      // Ahead of the chunks waiting (lifo): a tick that waits its turn behind them holds its events that long.
      return { name: JOIN_JOB, data, opts: { ...options, jobId: joinJobId(data), lifo: true } };
    }),
  );
}

/**
 * Adds the reduce jobs of a round that has begun and that nobody added yet; each has an
 * id of its own (`joinJobId`), so that two adding it make one job. Called by the worker
 * that recorded a join's chunks, and by the waiting coordinator (in case that worker died
 * between recording and adding).
 */
export async function enqueueJoinRound(store: RunStore, queue: Queue, runId: string): Promise<boolean> {
  const round = await store.joinRoundToEnqueue(runId);
  if (!round) return false;
  const options = chunkJobOptions(round);
  await queue.addBulk(
    Array.from({ length: round.partitions }, (_, partition) => {
      const data: JoinJobData = { v: 1, runId, round: round.round, partition };
      return { name: JOIN_JOB, data, opts: { ...options, jobId: joinJobId(data) } };
    }),
  );
  await store.markJoinEnqueued(runId, round.round);
  return true;
}
