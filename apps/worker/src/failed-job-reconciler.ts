import {
  JOIN_JOB,
  type RedisClient,
  type RedisKeys,
  type RunStore,
  chunkId,
  isReplayJobId,
  parseChunkBatch,
} from '@logcluster/core';
import type { Job, Queue } from 'bullmq';
import type { DeadLettering } from './dead-lettering.js';

/** Failed jobs are looked at again this far behind the cursor, for clocks that disagree. */
const OVERLAP_MS = 5 * 60_000;
const PAGE = 200;

/**
 * The safety net under dead-lettering. A job can reach BullMQ's failed set without the
 * processor's dead-lettering having run — BullMQ fails a job on its own when it stalls
 * more often than allowed. Every worker looks, now and then, at the jobs that failed
 * since the last look (a cursor in Redis shared by all of them) and dead-letters any
 * chunk whose run still counts it as outstanding.
 */
export class FailedJobReconciler {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly chunkQueue: Queue,
    private readonly store: RunStore,
    private readonly deadLettering: DeadLettering,
    private readonly workerId: string,
    /** A failed reduce job of a join (not a chunk job): settled by the join's reducer. */
    private readonly joinFailed: (job: Job) => Promise<boolean> = () => Promise.resolve(false),
  ) {}

  /** Returns how many failed jobs it dead-lettered. */
  async reconcile(now = Date.now()): Promise<number> {
    const cursorKey = `${this.keys.prefix}:reconciled-until`;
    const since = Number((await this.redis.get(cursorKey)) ?? 0) - OVERLAP_MS;
    let settled = 0;
    for (let start = 0; ; start += PAGE) {
      // Newest first; stop at the first job that failed before the cursor.
      const jobs = (await this.chunkQueue.getFailed(start, start + PAGE - 1)) as Job[];
      const recent = jobs.filter((job) => (job.finishedOn ?? now) >= since);
      for (const job of recent) if (await this.settle(job)) settled++;
      if (jobs.length < PAGE || recent.length < jobs.length) break;
    }
    await this.redis.set(cursorKey, now);
    return settled;
  }

  /** Dead-letters the chunks of a failed job that are still outstanding; true if there were any. */
  private async settle(job: Job): Promise<boolean> {
    if (job.name === JOIN_JOB) return this.joinFailed(job);
    const worker = `reconciler@${this.workerId}`;
    let chunks;
    try {
      chunks = parseChunkBatch(job.data);
    } catch (err) {
      await this.deadLettering.invalidJob(job, err, worker);
      return false;
    }
    const states = await this.store.chunkStates(chunks[0]!.runId, chunks.map(chunkId));
    let settled = false;
    for (const [i, chunk] of chunks.entries()) {
      const state = states[i];
      if (state === 'done' || state === 'dead') continue;
      // A replayed chunk fails under a job id of its own; only the current one decides.
      if (state === 'replaying' && !isReplayJobId(job.id ?? '')) continue;
      await this.deadLettering.chunkFailed(
        job,
        chunk,
        new Error(job.failedReason || 'failed without a reason'),
        worker,
      );
      settled = true;
    }
    return settled;
  }
}
