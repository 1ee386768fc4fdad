import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  BACKTRACKING_REGEX,
  BACKTRACKING_REGEX_FOR_GREP,
  clusterFlags,
  grepCounts,
  grepLineCount,
  reportOf,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
} from '@logcluster/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-dlq';
let redis: TestRedis;
let dir: string;
let file: string;
let workers: CliProcess[] = [];
const flags = () => clusterFlags(redis.url, PREFIX);

// A line on which BACKTRACKING_REGEX backtracks for about a second: a worker with a 100 ms task
// timeout fails its chunk every time, one with a generous timeout counts it.
const PATTERNS = ['-E', '-p', BACKTRACKING_REGEX, '-p', 'ERROR'];

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-dlq-'));
  file = join(dir, 'app.log');
  await writeFile(
    file,
    Buffer.concat([
      syntheticLog({ lines: 2_000, seed: 31 }),
      Buffer.from(`${'x'.repeat(28)}\n`),
      syntheticLog({ lines: 2_000, seed: 32 }),
    ]),
  );
});

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  workers = [];
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Listed {
  id: string;
  runId: string;
  source: string;
  state: string;
  attemptsMade: number;
  worker: string;
  firstLine: number;
  bytesKept: boolean;
  error: { code: string; stack?: string };
}

async function list(run?: string): Promise<Listed[]> {
  const result = await runCli(['dlq', 'list', ...flags(), '--json', ...(run ? ['--run', run] : [])]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Listed[];
}

async function partialRun(): Promise<RunReport> {
  const result = await runCli([
    'submit',
    ...flags(),
    '--json',
    '--chunk-size',
    '32KiB',
    '--attempts',
    '2',
    '--backoff',
    '10',
    ...PATTERNS,
    file,
  ]);
  expect(result.code, result.stderr).toBe(3);
  return JSON.parse(result.stdout) as RunReport;
}

describe('the dead-letter queue', () => {
  it('keeps what failed, with its error and attempts, and a replay completes the run exactly', async () => {
    workers.push(await startWorker(redis.url, PREFIX, 'strict', ['--task-timeout', '100']));
    const partial = await partialRun();
    expect(partial.status).toBe('partial');
    const [range] = partial.sources[0]!.deadLettered;
    expect(range!.firstLine).toBeLessThanOrEqual(2_001);
    expect(range!.firstLine! + range!.lineCount!).toBeGreaterThan(2_001);

    const [entry, ...others] = await list(partial.runId);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      runId: partial.runId,
      source: file,
      state: 'dead',
      attemptsMade: 2,
      worker: 'strict',
      firstLine: range!.firstLine,
      bytesKept: true,
    });
    expect(entry!.error.code).toBe('TASK_TIMEOUT');
    expect(entry!.error.stack).toMatch(/TaskTimeoutError/);

    const shown = await runCli(['dlq', 'show', ...flags(), entry!.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^state +dead`, 'm'));
    expect(shown.stdout).toMatch(/^error +TASK_TIMEOUT: counting took longer than the task timeout of 100 ms/m);
    expect(shown.stdout).toMatch(/^job data +\{"v":1,"runId":"r-/m);
    const table = await runCli(['dlq', 'list', ...flags()]);
    expect(table.stdout).toMatch(/^ID\s+SOURCE\s+LINES\s+ATTEMPTS\s+FAILED AT\s+STATE\s+REASON$/m);
    expect(table.stdout).toContain(entry!.id);

    // A worker that gives counting time replays it.
    await workers[0]!.stop();
    workers = [await startWorker(redis.url, PREFIX, 'patient', ['--task-timeout', '60000'])];
    const replayed = await runCli(['dlq', 'replay', ...flags(), '--all', '--wait']);
    expect(replayed.stdout).toMatch(new RegExp(`replayed 1 of 1 entries; run ${partial.runId} completed`));
    expect(replayed.code).toBe(0);

    const { code, report } = await reportOf(redis.url, PREFIX, partial.runId);
    expect(code).toBe(0);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({
      chunksDeadLettered: 0,
      chunksDone: report.totals.chunks,
      lines: grepLineCount(file),
    });
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR', regex: true }));
    expect(report.totals.matches[BACKTRACKING_REGEX]).toEqual(
      grepCounts(file, { pattern: BACKTRACKING_REGEX_FOR_GREP, regex: true }),
    );
    expect(report.sources[0]!.deadLettered).toEqual([]);
    expect(report.workers.patient).toBe(1);
    expect(await list(partial.runId)).toEqual([]);
  });

  it('purges entries: their runs stay partial, and their bytes go', async () => {
    workers.push(await startWorker(redis.url, PREFIX, 'strict', ['--task-timeout', '100']));
    const partial = await partialRun();
    const [entry] = await list(partial.runId);
    const purged = await runCli(['dlq', 'purge', ...flags(), '--all', '--run', partial.runId]);
    expect(purged.stdout).toBe('purged 1 entry\n');
    expect(await list(partial.runId)).toEqual([]);
    const { code, report } = await reportOf(redis.url, PREFIX, partial.runId);
    expect(code).toBe(3);
    expect(report.sources[0]!.deadLettered).toHaveLength(1);
    expect(await redis.client().keys(`${PREFIX}:chunk:${partial.runId}:*`)).toEqual([]);
    const again = await runCli(['dlq', 'replay', ...flags(), entry!.id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no dead-letter entry/);
  });

  it('refuses replay and purge without entries or --all', async () => {
    for (const command of ['replay', 'purge']) {
      const result = await runCli(['dlq', command, ...flags()]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/give entry ids, or --all/);
    }
  });
});
