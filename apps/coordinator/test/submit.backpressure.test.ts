import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type TestRedis,
  grepCounts,
  runCli,
  sleep,
  startCli,
  startTestRedis,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-backpressure';
const CHUNK = 64 * 1024;
const MAX_IN_FLIGHT = 256 * 1024;
let redis: TestRedis;
let client: Redis;
let dir: string;
let file: string;

beforeAll(async () => {
  redis = await startTestRedis();
  client = redis.client();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-bp-'));
  file = join(dir, 'big.log');
  await writeFile(file, syntheticLog({ lines: 80_000, seed: 5 }));
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Bytes of the run enqueued but not yet counted, read in one step. */
async function inFlight(runId: string): Promise<{ enqueued: number; inFlight: number; chunkKeys: number }> {
  const [enqueued, settled] = await client.hmget(`${PREFIX}:run:${runId}:counts`, 's0:bytes', 'settledBytes');
  const chunkKeys = (await client.keys(`${PREFIX}:chunk:${runId}:*`)).length;
  return { enqueued: Number(enqueued ?? 0), inFlight: Number(enqueued ?? 0) - Number(settled ?? 0), chunkKeys };
}

describe('backpressure', () => {
  it('never has more than --max-in-flight bytes enqueued but not counted, and completes exactly', async () => {
    const submit = runCli([
      'submit',
      '--redis',
      redis.url,
      '--prefix',
      PREFIX,
      '--json',
      '--chunk-size',
      '64KiB',
      '--max-in-flight',
      '256KiB',
      file,
    ]);

    // No worker yet: the coordinator fills the window and waits.
    const runId = await until('the run to be created', async () => (await client.zrange(`${PREFIX}:runs`, 0, 0))[0], {
      everyMs: 20,
    });
    expect(runId).toBeDefined();
    await until('the window to fill', async () => (await inFlight(runId)).enqueued >= MAX_IN_FLIGHT - CHUNK, {
      everyMs: 20,
    });
    await sleep(1_000); // time to overfill the window, if it would
    const sample = await inFlight(runId);
    expect(sample.inFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(sample.inFlight).toBeGreaterThan(MAX_IN_FLIGHT - CHUNK);
    expect(sample.chunkKeys).toBeLessThanOrEqual(MAX_IN_FLIGHT / (CHUNK / 2));
    expect(await client.hget(`${PREFIX}:run:${runId}`, 'sealed')).toBeNull();
    // Its totals are not final: report says so, and does not exit 0.
    const live = await runCli(['report', '--redis', redis.url, '--prefix', PREFIX, runId]);
    expect(live.code).toBe(1);
    expect(live.stderr).toMatch(/is still running: these totals are not final/);

    // A worker drains it; the window stays bounded all the way.
    const worker = startCli(['worker', '--redis', redis.url, '--prefix', PREFIX, '--threads', '1']);
    let maxInFlight = 0;
    let done = false;
    const result = submit.finally(() => (done = true));
    while (!done) {
      maxInFlight = Math.max(maxInFlight, (await inFlight(runId)).inFlight);
      await sleep(5); // a sample every 5 ms
    }
    const { code, stdout } = await result;
    await worker.stop();
    expect(code).toBe(0);
    expect(maxInFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    const report = JSON.parse(stdout) as RunReport;
    expect(report.totals.chunks).toBeGreaterThan(20);
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
    expect((await inFlight(runId)).chunkKeys).toBe(0);
  });
});
