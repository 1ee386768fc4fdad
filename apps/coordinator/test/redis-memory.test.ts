import { RedisFullError } from '@logcluster/core';
import { type TestRedis, startTestRedis } from '@logcluster/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DrainView, MemoryBackpressure, byteWindow, readRedisMemory } from '../src/redis-memory.js';

const MiB = 1024 * 1024;
const ASKED = { maxInFlightBytes: 32 * MiB, jobBytes: 4 * MiB, chunkSize: 4 * MiB };

describe('byteWindow', () => {
  it('keeps what was asked when Redis has no limit, or room for four times the window', () => {
    expect(byteWindow(null, ASKED)).toEqual(ASKED);
    expect(byteWindow({ maxmemory: 0, used: 900 * MiB }, ASKED)).toEqual(ASKED);
    expect(byteWindow({ maxmemory: 130 * MiB, used: 2 * MiB }, ASKED)).toEqual(ASKED);
  });

  it('takes a quarter of the room under maxmemory, with four jobs to the window and chunks no larger than a job', () => {
    const window = byteWindow({ maxmemory: 20 * MiB, used: 4 * MiB }, ASKED);
    expect(window.maxInFlightBytes).toBe(4 * MiB);
    expect(window.jobBytes).toBe(1 * MiB);
    expect(window.chunkSize).toBe(1 * MiB);
    expect(window.notice).toBe(
      "Redis's maxmemory is 20.0 MiB (4.0 MiB used): at most 4.0 MiB of chunk bytes are kept in flight, " +
        "not --max-in-flight's 32.0 MiB, in chunks of 1.0 MiB, not 4.0 MiB",
    );
  });

  it('leaves chunks that already fit as they are', () => {
    const window = byteWindow({ maxmemory: 100 * MiB, used: 0 }, { ...ASKED, chunkSize: 256 * 1024 });
    expect(window).toMatchObject({ maxInFlightBytes: 25 * MiB, jobBytes: 4 * MiB, chunkSize: 256 * 1024 });
    expect(window.notice).not.toMatch(/in chunks of/);
  });

  it('never goes below four chunks of 64 KiB, however full Redis is', () => {
    for (const used of [19 * MiB, 20 * MiB, 30 * MiB]) {
      expect(byteWindow({ maxmemory: 20 * MiB, used }, ASKED)).toMatchObject({
        maxInFlightBytes: 256 * 1024,
        jobBytes: 64 * 1024,
        chunkSize: 64 * 1024,
      });
    }
  });
});

describe('MemoryBackpressure, against a Redis at its maxmemory', () => {
  let redis: TestRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await startTestRedis({ args: ['--maxmemory', String(8 * MiB), '--maxmemory-policy', 'noeviction'] });
    client = redis.client();
  });

  afterAll(async () => {
    await redis.stop();
  });

  /** Fills Redis with 64 KiB values until it refuses one; returns the keys written. */
  async function fill(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for (;;) {
      const key = `${prefix}:${keys.length}`;
      try {
        await client.set(key, Buffer.alloc(64 * 1024, 'x'));
      } catch (err) {
        expect(String(err)).toMatch(/^ReplyError: OOM/);
        return keys;
      }
      keys.push(key);
    }
  }

  function view(run: { stored: number; settled: number; workers: number }): DrainView {
    return {
      storedBytesInFlight: () => Promise.resolve(run.stored - run.settled),
      settledBytes: () => Promise.resolve(run.settled),
      workerCount: () => Promise.resolve(run.workers),
    };
  }

  const timeouts = { drainMs: 600, foreignMs: 400 };

  it('reads maxmemory and used memory from INFO', async () => {
    const memory = await readRedisMemory(client);
    expect(memory?.maxmemory).toBe(8 * MiB);
    expect(memory?.used).toBeGreaterThan(100_000);
  });

  it('waits until the run settles a chunk, and says once that it waits', async () => {
    const keys = await fill('t-settle');
    const run = { stored: 3 * MiB, settled: 0, workers: 1 };
    const notices: string[] = [];
    const memory = new MemoryBackpressure(client, view(run), (m) => notices.push(m), MiB, timeouts);
    setTimeout(() => (run.settled = MiB), 300);
    const started = Date.now();
    await memory.waitForRoom();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await memory.waitForRoom().catch(() => {}); // same spell: no second notice
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /^Redis is full \([\d.]+ MiB used of its maxmemory 8\.0 MiB\): waiting for room, as workers count this run's chunks \(3\.0 MiB in Redis\)$/,
    );
    await client.del(...keys);
  });

  it("waits until Redis's used memory falls, whoever freed it", async () => {
    const keys = await fill('t-freed');
    const memory = new MemoryBackpressure(client, view({ stored: 0, settled: 0, workers: 1 }), () => {}, MiB, {
      drainMs: 10_000,
      foreignMs: 10_000,
    });
    setTimeout(() => void client.del(...keys.slice(0, 40)), 300);
    await memory.waitForRoom();
    await client.del(...keys.slice(40));
  });

  it('fails, naming no worker, when the run has chunks in Redis and nobody counts them', async () => {
    const keys = await fill('t-noworker');
    const memory = new MemoryBackpressure(
      client,
      view({ stored: 2 * MiB, settled: 0, workers: 0 }),
      () => {},
      MiB,
      timeouts,
    );
    const failure = await memory.waitForRoom().then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RedisFullError);
    expect((failure as Error).message).toMatch(
      /^Redis is full \([\d.]+ MiB used of its maxmemory 8\.0 MiB\) with 2\.0 MiB of this run's chunks, and no worker is connected to count them: nothing drained in 1 s$/,
    );
    await client.del(...keys);
  });

  it('fails, naming the workers, when they are connected but settle nothing', async () => {
    const keys = await fill('t-stuck');
    const memory = new MemoryBackpressure(
      client,
      view({ stored: MiB, settled: 0, workers: 3 }),
      () => {},
      MiB,
      timeouts,
    );
    await expect(memory.waitForRoom()).rejects.toThrow(/and the workers \(3\) settled none of them in 1 s$/);
    await client.del(...keys);
  });

  it('after a write got through, a new spell starts with a new notice and a new deadline', async () => {
    const keys = await fill('t-relieved');
    const notices: string[] = [];
    const memory = new MemoryBackpressure(
      client,
      view({ stored: 0, settled: 0, workers: 1 }),
      (m) => notices.push(m),
      MiB,
      timeouts,
    );
    await expect(memory.waitForRoom()).rejects.toThrow(/none of what it holds is this run's chunks/);
    memory.relieved();
    const started = Date.now();
    await expect(memory.waitForRoom()).rejects.toThrow(RedisFullError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(timeouts.foreignMs);
    expect(notices).toHaveLength(2);
    await client.del(...keys);
  });
});
