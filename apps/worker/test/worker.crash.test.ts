import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type TestRedis,
  BACKTRACKING_REGEX,
  clusterFlags,
  grepCounts,
  reportOf,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
  until,
  waitForRun,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-worker-crash';
let redis: TestRedis;
let dir: string;
let file: string;

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-worker-crash-'));
  file = join(dir, 'app.log');
  // About 300 chunks of 8 KiB, so several jobs of up to 64 chunks each; every 1,000
  // lines a line that costs the regex below ~0.1 s: counting takes a while, so that a
  // worker can be killed with a job in hand after it has finished another.
  const parts: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    parts.push(syntheticLog({ lines: 100, seed: 40 + i }));
    if (i % 10 === 0) parts.push(Buffer.from(`${'x'.repeat(24)}\n`));
  }
  await writeFile(file, Buffer.concat(parts));
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a worker killed with SIGKILL mid-run', () => {
  it('has its chunks finished by another worker, with exact totals', async () => {
    const victim = await startWorker(redis.url, PREFIX, 'victim');
    const survivor = await startWorker(redis.url, PREFIX, 'survivor');
    const submitted = await runCli([
      'submit',
      ...clusterFlags(redis.url, PREFIX),
      '--detach',
      '--chunk-size',
      '8KiB',
      '-E',
      '-p',
      BACKTRACKING_REGEX,
      '-p',
      'ERROR',
      file,
    ]);
    const runId = submitted.stdout.trim();

    // Once the victim has counted a job's chunks (and holds another job), kill it.
    await until(
      'the victim to count a job',
      async () => {
        const { report } = await reportOf(redis.url, PREFIX, runId);
        if ((report.workers.victim ?? 0) >= 1) return true;
        expect(report.status).toBe('running');
        return false;
      },
      { timeoutMs: 60_000 },
    );
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;

    const progress = await waitForRun(redis.url, PREFIX, runId);
    const recoveryMs = Date.now() - killedAt;
    await survivor.stop();
    expect(progress.status).toBe('completed');
    const { report } = await reportOf(redis.url, PREFIX, runId);
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR', regex: true }));
    expect(report.totals.chunksDone).toBe(report.totals.chunks);
    // Every chunk counted by exactly one of them.
    expect(report.workers.victim! + report.workers.survivor!).toBe(report.totals.chunks);
    expect(report.workers.survivor).toBeGreaterThan(0);
    // Lock 1.5 s + stalled check 0.5 s in these workers: the victim's chunk moves on
    // within a few seconds; the bound is generous for a loaded machine.
    expect(recoveryMs).toBeLessThan(60_000);
  });
});
