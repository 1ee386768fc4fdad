import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type TestRedis,
  clusterFlags,
  grepCounts,
  grepLineCount,
  runCli,
  sleep,
  startTestRedis,
  startWorker,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * A Redis with a memory limit, as managed and container Redis run: `maxmemory 20mb`
 * with `noeviction`. A 200 MB submit (bytes through Redis, one worker) used to fail at
 * its first write with Redis's OOM reply.
 */

const MAXMEMORY = 20 * 1024 * 1024;
let redis: TestRedis;
let client: Redis;
let dir: string;
let file: string;

beforeAll(async () => {
  redis = await startTestRedis({ args: ['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'noeviction'] });
  client = redis.client();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-maxmemory-'));
  file = join(dir, 'big.log');
  // 200 MB: a 2 MB block of synthetic log, 100 times over.
  const block = syntheticLog({ lines: 16_000, seed: 11 });
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < 200_000_000; written += block.length) await handle.write(block);
  } finally {
    await handle.close();
  }
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Times Redis has answered OOM since its statistics were last reset. */
async function oomReplies(): Promise<number> {
  const stats = await client.info('errorstats');
  return Number(/^errorstat_OOM:count=(\d+)/m.exec(stats)?.[1] ?? 0);
}

/**
 * Another client of the same Redis that takes every byte it can, 64 KiB at a time, until
 * it is told to stop; then its keys are deleted.
 */
function noisyNeighbour(prefix: string): { stop: () => Promise<number> } {
  const neighbour = redis.client();
  const value = Buffer.alloc(64 * 1024, 'n');
  let stopped = false;
  let keys = 0;
  const filling = (async () => {
    while (!stopped) {
      try {
        await neighbour.set(`${prefix}:${keys}`, value);
        keys++;
      } catch {
        await sleep(2);
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await filling;
      for (let key = 0; key < keys; key++) await neighbour.del(`${prefix}:${key}`);
      neighbour.disconnect();
      return keys;
    },
  };
}

describe('submit against a Redis with maxmemory 20mb (noeviction)', () => {
  it('keeps its window well under the limit, says so, and a 200 MB run with one worker completes exact', async () => {
    const prefix = 't-maxmem-fit';
    await client.config('RESETSTAT');
    const worker = await startWorker(redis.url, prefix, 'mm-1');
    try {
      const result = await runCli(['submit', ...clusterFlags(redis.url, prefix), '--json', file]);
      expect(result.stderr).toMatch(
        /Redis's maxmemory is 20\.0 MiB \([\d.]+ [KM]iB used\): at most [\d.]+ MiB of chunk bytes are kept in flight, not --max-in-flight's 32\.0 MiB, in chunks of [\d.]+ [KM]iB, not 4\.0 MiB/,
      );
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report.totals.lines).toBe(grepLineCount(file));
      expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
      expect(report.totals.chunksDeadLettered).toBe(0);
      expect(report.totals.chunksDone).toBe(report.totals.chunks);
      // Well under: Redis never had to refuse a write.
      expect(await oomReplies()).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('waits while another client fills Redis, and completes exact once it frees the memory', async () => {
    const prefix = 't-maxmem-neighbour';
    await client.config('RESETSTAT');
    const worker = await startWorker(redis.url, prefix, 'mm-2');
    let neighbour: ReturnType<typeof noisyNeighbour> | undefined;
    try {
      const submit = runCli(['submit', ...clusterFlags(redis.url, prefix), '--json', file]);
      // Once the run is under way, the neighbour takes what room there is.
      await until('the run to have chunks in Redis', async () => (await client.keys(`${prefix}:chunk:*`)).length > 0, {
        everyMs: 5,
      });
      neighbour = noisyNeighbour('t-maxmem-neighbour-data');
      await until('Redis to refuse writes', async () => (await oomReplies()) > 20, { everyMs: 20 });
      await sleep(3_000);
      const taken = await neighbour.stop();
      neighbour = undefined;
      expect(taken).toBeGreaterThan(10);

      const result = await submit;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        /Redis is full \([\d.]+ [KM]iB used of its maxmemory 20\.0 MiB\): waiting for room/,
      );
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report.totals.lines).toBe(grepLineCount(file));
      expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
      expect(report.totals.chunksDeadLettered).toBe(0);
      expect(report.totals.chunksDone).toBe(report.totals.chunks);
    } finally {
      await neighbour?.stop();
      await worker.stop();
    }
  });

  it('fails, saying so, when other data fills Redis and none of the run is left in it to drain', async () => {
    const prefix = 't-maxmem-foreign';
    const worker = await startWorker(redis.url, prefix, 'mm-3');
    let neighbour: ReturnType<typeof noisyNeighbour> | undefined;
    try {
      const submit = runCli(['submit', ...clusterFlags(redis.url, prefix), '--json', file]);
      await until('the run to have chunks in Redis', async () => (await client.keys(`${prefix}:chunk:*`)).length > 0, {
        everyMs: 5,
      });
      // The neighbour keeps Redis full; the worker counts what the run stored, and then
      // nothing in Redis is the run's to drain.
      neighbour = noisyNeighbour('t-maxmem-foreign-data');
      const result = await submit;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Redis is full \([\d.]+ [KM]iB used of its maxmemory 20\.0 MiB\): it refused the run's writes for 1\d s, and none of what it holds is this run's chunks\. Other data fills it, or a write of [\d.]+ [KM]iB is too large for the room left: free memory, raise maxmemory, or lower --chunk-size/,
      );
      const runId = (await client.zrange(`${prefix}:runs`, 0, 0))[0]!;
      expect(await client.hget(`${prefix}:run:${runId}`, 'status')).toBe('failed');
    } finally {
      await neighbour?.stop();
      await worker.stop();
    }
  });

  it('refuses at once, saying so, when Redis is over its maxmemory before the run starts', async () => {
    const prefix = 't-maxmem-over';
    // Below what Redis already holds: every write that adds memory is refused.
    await client.config('SET', 'maxmemory', String(1024 * 1024));
    try {
      const result = await runCli(['submit', ...clusterFlags(redis.url, prefix), '--json', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Redis is full \(its maxmemory is 1\.0 MiB\): it refused even the run's record; free some memory, or raise maxmemory/,
      );
      expect(await client.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      await client.config('SET', 'maxmemory', String(MAXMEMORY));
    }
  });
});
