import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_QUEUE } from '@logcluster/core';
import {
  type TestRedis,
  BACKTRACKING_REGEX,
  clusterFlags,
  reportOf,
  runCli,
  startTestRedis,
  startWorker,
  until,
  waitForRun,
} from '@logcluster/test-support';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: TestRedis;
let dir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-shutdown-'));
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Submits one chunk that takes BACKTRACKING_REGEX about 2^(xs-20) × 6 ms to count; resolves once a worker holds it. */
async function slowRun(prefix: string, xs: number): Promise<string> {
  const file = join(dir, `${prefix}.log`);
  await writeFile(file, `ERROR first\n${'x'.repeat(xs)}\nERROR last\n`);
  const submitted = await runCli([
    'submit',
    ...clusterFlags(redis.url, prefix),
    '--detach',
    '-E',
    '-p',
    BACKTRACKING_REGEX,
    '-p',
    'ERROR',
    file,
  ]);
  const queue = new Queue(CHUNK_QUEUE, { connection: redis.client(), prefix });
  try {
    await until('a worker to take the chunk', async () => ((await queue.getJobCounts('active')).active ?? 0) > 0, {
      timeoutMs: 60_000,
      everyMs: 20,
    });
  } finally {
    await queue.close();
  }
  return submitted.stdout.trim();
}

describe('worker shutdown', () => {
  it('on SIGTERM finishes the chunk in progress, then exits 0', async () => {
    const prefix = 't-shutdown-graceful';
    const worker = await startWorker(redis.url, prefix, 'graceful', ['--task-timeout', '60000']);
    const runId = await slowRun(prefix, 27);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.stderr()).toMatch(/graceful stopping: finishing chunks in progress/);
    expect(worker.stderr()).toMatch(/graceful stopped after counting 1 chunks/);
    const { report } = await reportOf(redis.url, prefix, runId);
    expect(report.status).toBe('completed');
    expect(report.workers).toEqual({ graceful: 1 });
    expect(report.totals.matches.ERROR).toEqual({ lines: 2, occurrences: 2 });
  });

  it('past --shutdown-grace abandons the chunk without dead-lettering it; another worker counts it', async () => {
    const prefix = 't-shutdown-grace';
    const worker = await startWorker(redis.url, prefix, 'hasty', [
      '--task-timeout',
      '60000',
      '--shutdown-grace',
      '200',
    ]);
    const runId = await slowRun(prefix, 29);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const successor = await startWorker(redis.url, prefix, 'successor', ['--task-timeout', '60000']);
    expect((await waitForRun(redis.url, prefix, runId)).status).toBe('completed');
    await successor.stop();
    const { report } = await reportOf(redis.url, prefix, runId);
    expect(report.workers).toEqual({ successor: 1 });
    const dlq = await runCli(['dlq', 'list', ...clusterFlags(redis.url, prefix), '--json']);
    expect(JSON.parse(dlq.stdout)).toEqual([]);
  });

  it('does not hang when Redis is gone: it gives up after its grace period', async () => {
    const lonely = await startTestRedis();
    const worker = await startWorker(lonely.url, 't-shutdown-lonely', 'lonely', ['--shutdown-grace', '1000']);
    await lonely.stop();
    const started = Date.now();
    worker.child.kill('SIGTERM');
    await worker.exited;
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('exits at once on a second signal', async () => {
    const prefix = 't-shutdown-forced';
    const worker = await startWorker(redis.url, prefix, 'forced', ['--task-timeout', '60000']);
    await slowRun(prefix, 30);
    worker.child.kill('SIGTERM');
    await worker.waitForStderr(/stopping/);
    const forcedAt = Date.now();
    worker.child.kill('SIGINT');
    expect(await worker.exited).toBe(130);
    expect(Date.now() - forcedAt).toBeLessThan(5_000);
    expect(worker.stderr()).toMatch(/SIGINT again, exiting now/);
  });
});
