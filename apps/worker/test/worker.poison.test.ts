import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type TestRedis,
  clusterFlags,
  reportOf,
  runCli,
  startCli,
  startTestRedis,
  startWorker,
  waitForRun,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-poison';
let redis: TestRedis;
let dir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-poison-'));
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a chunk that kills every worker that takes it', () => {
  it('is dead-lettered after three abandoned starts instead of going round for ever', async () => {
    const file = join(dir, 'poison.log');
    await writeFile(file, 'ERROR a\nERROR b\n');
    const submitted = await runCli(['submit', ...clusterFlags(redis.url, PREFIX), '--detach', file]);
    const runId = submitted.stdout.trim();
    // Three workers in turn take the chunk and die with it (as an out-of-memory kill would).
    for (const name of ['victim-1', 'victim-2', 'victim-3']) {
      // It may die before it says it started: the chunk is waiting for it.
      const victim = startCli(
        [
          'worker',
          ...clusterFlags(redis.url, PREFIX),
          '--name',
          name,
          '--lock-duration',
          '1500',
          '--stalled-interval',
          '500',
        ],
        {
          env: { LOGCLUSTER_FAULT: 'count:start' },
        },
      );
      expect(await victim.exited).toBeNull();
    }
    const last = await startWorker(redis.url, PREFIX, 'last');
    expect((await waitForRun(redis.url, PREFIX, runId)).status).toBe('partial');
    await last.stop();
    const { report } = await reportOf(redis.url, PREFIX, runId);
    expect(report.sources[0]!.deadLettered[0]!.reason).toMatch(
      /^CHUNK_POISON: chunk 0\.0 of run r-\S+ was taken 3 times by workers that died before finishing it/,
    );
  });
});
