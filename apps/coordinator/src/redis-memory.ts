import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisClient, RedisFullError, formatBytes } from '@logcluster/core';

/** What Redis says of its memory (`INFO memory`). */
export interface RedisMemory {
  /** `maxmemory`; 0 when Redis has no limit. */
  maxmemory: number;
  used: number;
}

/** Redis's memory, or null if it will not say (`INFO` renamed or refused, as some managed services do). */
export async function readRedisMemory(redis: RedisClient): Promise<RedisMemory | null> {
  let info: string;
  try {
    info = await redis.info('memory');
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  const memory = { maxmemory: field('maxmemory'), used: field('used_memory') };
  return Number.isFinite(memory.maxmemory) && Number.isFinite(memory.used) ? memory : null;
}

/**
 * Of the room under `maxmemory` that Redis has when a run starts, the share that the
 * run's chunk bytes may take while in flight. The rest is for what travels with them:
 * the copy of a job's bytes in Redis's buffers while it is stored (the query buffer,
 * which Redis keeps a while) and while each worker reads it (its reply buffer), the
 * jobs themselves, the run's records, and other clients.
 */
const SHARE_OF_ROOM = 4;

/** Jobs that fit in a window made smaller by `maxmemory`: workers count one while the next are stored. */
const JOBS_PER_WINDOW = 4;

/** Chunks are not made smaller than this for `maxmemory`'s sake; below it, Redis is too small to be of use. */
const SMALLEST_CHUNK = 64 * 1024;

/** How many bytes of chunks a run may have in Redis at once, in chunks of what size, and why. */
export interface ByteWindow {
  maxInFlightBytes: number;
  /** The largest job of chunk bytes, so that several fit in the window. */
  jobBytes: number;
  chunkSize: number;
  /** Set when Redis's `maxmemory` made the window or the chunks smaller than asked: says so. */
  notice?: string;
}

/**
 * The in-flight window for chunks whose bytes go through Redis: `--max-in-flight` with
 * jobs of up to `jobBytes`, or less when Redis has a `maxmemory` that it would come
 * near; then the jobs, and the chunks if they would not fit several to the window, are
 * made smaller too (the counts do not depend on chunk sizes).
 */
export function byteWindow(
  memory: RedisMemory | null,
  asked: { maxInFlightBytes: number; jobBytes: number; chunkSize: number },
): ByteWindow {
  const share =
    memory === null || memory.maxmemory === 0
      ? Infinity
      : Math.floor(Math.max(0, memory.maxmemory - memory.used) / SHARE_OF_ROOM);
  if (share >= asked.maxInFlightBytes) return { ...asked };
  const window = Math.max(share, SMALLEST_CHUNK * JOBS_PER_WINDOW);
  const jobBytes = Math.min(asked.jobBytes, Math.floor(window / JOBS_PER_WINDOW));
  const chunkSize = Math.min(asked.chunkSize, Math.max(SMALLEST_CHUNK, jobBytes));
  return {
    maxInFlightBytes: window,
    jobBytes,
    chunkSize,
    notice:
      `Redis's maxmemory is ${formatBytes(memory!.maxmemory)} (${formatBytes(memory!.used)} used): ` +
      `at most ${formatBytes(window)} of chunk bytes are kept in flight, not --max-in-flight's ${formatBytes(asked.maxInFlightBytes)}` +
      (chunkSize < asked.chunkSize
        ? `, in chunks of ${formatBytes(chunkSize)}, not ${formatBytes(asked.chunkSize)}`
        : ''),
  };
}

/** How long Redis may stay full with none of the run's chunks settling before the run fails. */
const DRAIN_TIMEOUT_MS = 30_000;

/** How long Redis may stay full with none of the run's chunks in it before the run fails: the memory is not ours to drain. */
const FOREIGN_FULL_TIMEOUT_MS = 10_000;

const POLL_MS = { first: 50, most: 1_000 } as const;

/** A fall of Redis's used memory by this much (or a sixteenth of maxmemory, if less) counts as room made. */
const DRAINED_STEP = 1024 * 1024;

/** What the wait for room needs to know of the run. */
export interface DrainView {
  /** This run's bytes stored in Redis and not yet settled. */
  storedBytesInFlight(): Promise<number>;
  /** Bytes of this run settled so far. */
  settledBytes(): Promise<number>;
  /** Workers connected to the chunk queue (-1 if unknown). */
  workerCount(): Promise<number>;
}

/**
 * Redis's out-of-memory replies (`OOM command not allowed when used memory >
 * 'maxmemory'`) as backpressure: the write that met one waits until something drained
 * (the run's chunks were settled, or Redis's used memory fell), and is then sent again.
 * When nothing drains, the run fails, saying why: no worker, workers that settle
 * nothing, or memory taken by other data.
 */
export class MemoryBackpressure {
  /** Since when Redis has refused writes, none getting through: shared by every write that meets it. */
  private spell: { since: number; noticed: boolean } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly view: DrainView,
    private readonly notice: (message: string) => void,
    /** The largest write of chunk bytes the run makes, named when the run gives up. */
    private readonly largestWrite: number,
    private readonly timeouts = { drainMs: DRAIN_TIMEOUT_MS, foreignMs: FOREIGN_FULL_TIMEOUT_MS },
  ) {}

  /**
   * After an OOM reply: resolves once something drained (a chunk of the run settled, or
   * Redis's used memory fell by a step that counts), so that the write can be sent
   * again; throws if nothing drains in time.
   */
  async waitForRoom(signal?: AbortSignal): Promise<void> {
    const spell = (this.spell ??= { since: Date.now(), noticed: false });
    const settledBefore = await this.view.settledBytes();
    const before = await readRedisMemory(this.redis);
    if (!spell.noticed) {
      spell.noticed = true;
      const ours = await this.view.storedBytesInFlight();
      this.notice(
        `${fullness(before)}: waiting for room` +
          (ours > 0 ? `, as workers count this run's chunks (${formatBytes(ours)} in Redis)` : ''),
      );
    }
    // Reading INFO moves used memory by a little: only a fall of this much says something was freed.
    const step = before ? Math.min(DRAINED_STEP, before.maxmemory / 16) : 0;
    for (let pause: number = POLL_MS.first; ; pause = Math.min(pause * 2, POLL_MS.most)) {
      await sleep(pause, undefined, { signal });
      const [settled, memory] = await Promise.all([this.view.settledBytes(), readRedisMemory(this.redis)]);
      if (settled > settledBefore || (memory !== null && before !== null && memory.used <= before.used - step)) return;
      await this.giveUpIfStuck(spell, memory);
    }
  }

  /** A write got through: Redis is no longer full. */
  relieved(): void {
    this.spell = undefined;
  }

  private async giveUpIfStuck(spell: { since: number }, memory: RedisMemory | null): Promise<void> {
    const waited = Date.now() - spell.since;
    const full = fullness(memory);
    const ours = await this.view.storedBytesInFlight();
    if (ours === 0) {
      if (waited >= this.timeouts.foreignMs)
        throw new RedisFullError(
          `${full}: it refused the run's writes for ${Math.round(waited / 1000)} s, and none of what it holds is this run's chunks. ` +
            `Other data fills it, or a write of ${formatBytes(this.largestWrite)} is too large for the room left: ` +
            'free memory, raise maxmemory, or lower --chunk-size',
        );
      return;
    }
    if (waited < this.timeouts.drainMs) return;
    const workers = await this.view.workerCount();
    const seconds = Math.round(this.timeouts.drainMs / 1000);
    throw new RedisFullError(
      workers === 0
        ? `${full} with ${formatBytes(ours)} of this run's chunks, and no worker is connected to count them: nothing drained in ${seconds} s`
        : `${full} with ${formatBytes(ours)} of this run's chunks, and the workers${workers > 0 ? ` (${workers})` : ''} settled none of them in ${seconds} s`,
    );
  }
}

function fullness(memory: RedisMemory | null): string {
  return memory
    ? `Redis is full (${formatBytes(memory.used)} used of its maxmemory ${formatBytes(memory.maxmemory)})`
    : 'Redis is full (it answers OOM to writes)';
}
