import { randomBytes } from 'node:crypto';
import {
  type ChunkJobData,
  type RedisClient,
  type RunDefinition,
  type RunStore,
  type SourceCheckpoint,
  UsageError,
  batchJobData,
  batchJobId,
} from '@logcluster/core';
import type { JobsOptions, Queue } from 'bullmq';
import type { ChunkPlace } from './enqueued-chunks.js';

/*
 * Taking up a followed run after its coordinator died (`submit --follow --resume`). Each
 * source's checkpoint was stored with its last chunk, in one step: the run goes on from
 * there, so no line is read twice or left out. The one gap: the coordinator stored the
 * last chunk and died before adding its job (a source's jobs go one at a time, so only
 * the last can be missing); it is added here, from the checkpoint's copy of its place.
 */

/** What a followed run taken up again goes on from. */
export interface FollowedRun {
  runId: string;
  /** Its definition, the sources it found after it started included. */
  definition: RunDefinition;
  startedAt: number;
  /** The paths and globs it follows, as given when it started. */
  follow: string[];
  /** Each source's checkpoint, by number: where its next chunk starts. */
  checkpoints: Map<number, SourceCheckpoint>;
}

/** A followed run that can be taken up: one still running, not sealed, that follows files. */
export async function readFollowedRun(store: RunStore, runId: string): Promise<FollowedRun> {
  const record = await store.runRecord(runId);
  if (!record) throw new UsageError(`no run ${runId} under prefix "${store.keys.prefix}"`);
  if (record.status !== 'running' || record.sealed === '1')
    throw new UsageError(`run ${runId} has ended (${record.status}): there is nothing to take up`);
  if (record.follow === undefined)
    throw new UsageError(`run ${runId} follows no files: --resume takes up a run of submit --follow`);
  return {
    runId,
    definition: JSON.parse(record.definition ?? '{}') as RunDefinition,
    startedAt: Number(record.startedAt),
    follow: JSON.parse(record.follow) as string[],
    checkpoints: await store.checkpoints(runId),
  };
}

/** Adds the job of each source's last chunk stored if it has none (see above); returns how many were added. */
export async function requeueJobless(
  store: RunStore,
  queue: Queue,
  runId: string,
  checkpoints: ReadonlyMap<number, SourceCheckpoint>,
  jobOf: (source: number, place: ChunkPlace) => ChunkJobData,
  jobOptions: JobsOptions,
): Promise<number> {
  let added = 0;
  for (const [source, { last }] of checkpoints) {
    if ((await store.chunkState({ runId, source, seq: last.seq })) !== 'queued') continue;
    const job = jobOf(source, last);
    const jobId = batchJobId([job]);
    if (await queue.getJob(jobId)) continue;
    await queue.add('chunks', batchJobData([job]), { ...jobOptions, jobId });
    added++;
  }
  return added;
}

/** How long a following coordinator's lease lasts without renewal, and how often it renews it. */
const LEASE_MS = 3_000;
const RENEW_MS = 1_000;
const RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/**
 * The lease a coordinator holds on the run it follows, so that two never follow one run
 * at once (both would read the same bytes): renewed while it follows, lapsed soon after
 * it dies, and waited for by one that takes the run up.
 */
export class FollowLease {
  private readonly holder = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  /** Takes the lease, waiting up to `waitMs` for another's to lapse; false if it did not. */
  async acquire(waitMs = 2 * LEASE_MS): Promise<boolean> {
    const giveUpAt = Date.now() + waitMs;
    for (;;) {
      if ((await this.redis.set(this.key, this.holder, 'PX', LEASE_MS, 'NX')) === 'OK') break;
      if (Date.now() >= giveUpAt) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
    return true;
  }

  /** Gives the lease up (if it is still ours). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if ((await this.redis.get(this.key).catch(() => null)) === this.holder)
      await this.redis.del(this.key).catch(() => {});
  }

  private async renew(): Promise<void> {
    // Ours, or lost (Redis restarted): held for another LEASE_MS; another's is left alone.
    await this.redis.eval(RENEW, 1, this.key, this.holder, LEASE_MS).catch(() => null);
  }
}
