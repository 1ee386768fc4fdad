import {
  type ChunkJobData,
  type RedisClient,
  RedisKeys,
  RunStore,
  connectRedis,
  createChunkCounter,
} from '@logcluster/core';
import { type TestRedis, startTestRedis, until } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkWorker } from '../src/index.js';

const PREFIX = 't-sweep';
const patterns = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
let redis: TestRedis;
let client: RedisClient;
let store: RunStore;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'test' });
  store = new RunStore(client, new RedisKeys(PREFIX));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

/** A run of one chunk, counted and sealed here: completed, and not compacted. */
async function completedRun(): Promise<string> {
  const { runId } = await store.createRun({ patterns, sources: ['a.log'] });
  const bytes = Buffer.from('ERROR\nok\n');
  await store.storeChunk(runId, 0, { seq: 0, byteOffset: 0, byteLength: bytes.length, lineCount: 2 }, bytes);
  const job: ChunkJobData = {
    v: 1,
    runId,
    source: 0,
    seq: 0,
    byteOffset: 0,
    byteLength: bytes.length,
    firstLine: 1,
    lineCount: 2,
    patterns,
  };
  await store.recordResult(job, createChunkCounter(patterns)(bytes), 'elsewhere');
  await store.seal(runId, 1);
  return runId;
}

describe("a worker's sweep of ended runs", () => {
  it('compacts completed runs, drops those past the retention (its own for runs without one), and keeps running ones', async () => {
    const compactable = await completedRun();
    // Started by an earlier version: no retention of its own; it ended a minute ago.
    const legacy = await completedRun();
    await client.hdel(store.keys.run(legacy), 'retentionMs');
    await client.hset(store.keys.run(legacy), 'finishedAt', Date.now() - 60_000);
    const running = (await store.createRun({ patterns, sources: ['b.log'] })).runId;
    // An index entry whose run expired.
    await client.zadd(store.keys.runs(), Date.now(), 'r-gone');

    const worker = await ChunkWorker.start({
      redisUrl: redis.url,
      prefix: PREFIX,
      threads: 1,
      reconcileIntervalMs: 100,
      runSweepIntervalMs: 60_000,
      runRetentionMs: 30_000,
    });
    try {
      await until('the sweep', async () => (await client.hexists(store.keys.run(compactable), 'report')) === 1, {
        timeoutMs: 10_000,
      });
      expect(await store.exists(legacy)).toBe(false);
      expect(await client.zscore(store.keys.runs(), legacy)).toBeNull();
      expect(await client.zscore(store.keys.runs(), 'r-gone')).toBeNull();
      expect(await store.status(running)).toBe('running');
      expect((await store.report(compactable)).totals.matches.ERROR).toEqual({ lines: 1, occurrences: 1 });
      // Once per interval across the cluster: the mark says when the next one is due.
      const due = await client.pttl(`${PREFIX}:runs:swept`);
      expect(due).toBeGreaterThan(50_000);
    } finally {
      await worker.close({ force: true });
    }
  });
});
