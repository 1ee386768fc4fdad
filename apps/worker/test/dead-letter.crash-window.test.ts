import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type TestRedis,
  BACKTRACKING_REGEX,
  clusterFlags,
  grepCounts,
  linesOf,
  reportOf,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
  until,
  waitForRun,
} from '@logcluster/test-support';
import { CHUNK_QUEUE } from '@logcluster/core';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: TestRedis;
let dir: string;
let file: string;

// The first chunk holds a line on which BACKTRACKING_REGEX backtracks for seconds: with a task
// timeout of 100 ms and one attempt, that chunk fails for good; every other chunk counts.
const CATASTROPHIC = BACKTRACKING_REGEX;
const PATTERNS = ['-E', '-p', CATASTROPHIC, '-p', 'ERROR'];
const FAILING = ['--task-timeout', '100'];

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-crash-window-'));
  file = join(dir, 'app.log');
  await writeFile(file, Buffer.concat([Buffer.from(`${'x'.repeat(28)}\n`), syntheticLog({ lines: 3_000, seed: 21 })]));
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

async function submitDetached(prefix: string): Promise<string> {
  const result = await runCli([
    'submit',
    ...clusterFlags(redis.url, prefix),
    '--detach',
    '--chunk-size',
    '16KiB',
    '--attempts',
    '1',
    ...PATTERNS,
    file,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

async function jobCounts(prefix: string): Promise<{ unfinished: number; failed: number }> {
  const queue = new Queue(CHUNK_QUEUE, { connection: redis.client(), prefix });
  try {
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'failed');
    return {
      unfinished: (counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0),
      failed: counts.failed ?? 0,
    };
  } finally {
    await queue.close();
  }
}

describe('a worker killed in the middle of dead-lettering', () => {
  it.each(['dead-letter:before-record', 'dead-letter:after-record', 'dead-letter:after-queue'])(
    'at %s: the chunk still ends dead-lettered exactly once, and the rest counted',
    async (point) => {
      const prefix = `t-crash-${point.replace(/\W/g, '-')}`;
      const doomed = await startWorker(redis.url, prefix, 'doomed', FAILING, { LOGCLUSTER_FAULT: point });
      const runId = await submitDetached(prefix);
      // It takes the first chunk, fails it for good, and dies at the fault point.
      expect(await doomed.exited).toBeNull();
      expect(doomed.child.signalCode).toBe('SIGKILL');

      const survivor = await startWorker(redis.url, prefix, 'survivor', FAILING);
      const progress = await waitForRun(redis.url, prefix, runId);
      expect(progress.status).toBe('partial');
      // The run can be settled before the job is: when the worker died after recording the
      // chunk as dead, the survivor takes the job once its lock lapses and finishes the move.
      await until('no chunk job left unfinished', async () => (await jobCounts(prefix)).unfinished === 0, {
        timeoutMs: 60_000,
        everyMs: 100,
      });
      await survivor.stop();
      expect((await jobCounts(prefix)).failed).toBe(1);

      const { code, report } = await reportOf(redis.url, prefix, runId);
      expect(code).toBe(3);
      expect(report.totals.chunksDeadLettered).toBe(1);
      expect(report.totals.chunksDone).toBe(report.totals.chunks - 1);
      const [dead] = report.sources[0]!.deadLettered;
      expect(dead).toMatchObject({
        firstLine: 1,
        byteOffset: 0,
        reason: expect.stringMatching(/^TASK_TIMEOUT/) as unknown,
      });
      // Exact for everything but the dead chunk's lines.
      const deadPart = join(dir, `${prefix}.dead`);
      await writeFile(deadPart, await linesOf(file, dead!.firstLine!, dead!.lineCount!));
      const whole = grepCounts(file, { pattern: 'ERROR', regex: true });
      const missing = grepCounts(deadPart, { pattern: 'ERROR', regex: true });
      expect(report.totals.matches.ERROR).toEqual({
        lines: whole.lines - missing.lines,
        occurrences: whole.occurrences - missing.occurrences,
      });

      const entries = JSON.parse(
        (await runCli(['dlq', 'list', ...clusterFlags(redis.url, prefix), '--json'])).stdout,
      ) as { runId: string; state: string; firstLine: number }[];
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ runId, state: 'dead', firstLine: 1 });
    },
  );

  it('at count:after-record (counted, not yet completed in BullMQ): counted once', async () => {
    const prefix = 't-crash-count';
    const doomed = await startWorker(redis.url, prefix, 'doomed', [], { LOGCLUSTER_FAULT: 'count:after-record' });
    const result = await runCli([
      'submit',
      ...clusterFlags(redis.url, prefix),
      '--detach',
      '--chunk-size',
      '16KiB',
      '-p',
      'ERROR',
      file,
    ]);
    const runId = result.stdout.trim();
    await doomed.exited;
    expect(doomed.child.signalCode).toBe('SIGKILL');
    const survivor = await startWorker(redis.url, prefix, 'survivor');
    expect((await waitForRun(redis.url, prefix, runId)).status).toBe('completed');
    await survivor.stop();
    const { report } = await reportOf(redis.url, prefix, runId);
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
    // The doomed worker's job (all the chunks it carried) was counted once, by it; the
    // survivor counted the rest, and nothing twice.
    expect(report.workers.doomed).toBeGreaterThan(0);
    expect(report.workers.doomed! + (report.workers.survivor ?? 0)).toBe(report.totals.chunks);
  });
});
