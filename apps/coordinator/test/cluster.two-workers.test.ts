import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RunProgress, RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  grepCounts,
  grepLineCount,
  runCli,
  startCli,
  startTestRedis,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-cluster';
let redis: TestRedis;
let dir: string;
let workers: CliProcess[];
const files: { path: string; plain: string }[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-cluster-'));
  for (const [i, lines] of [40_000, 25_000, 30_000].entries()) {
    const plain = join(dir, `service-${i}.log`);
    const data = syntheticLog({ lines, seed: 10 + i });
    await writeFile(plain, data);
    if (i === 2) {
      const path = join(dir, `service-${i}.log.gz`);
      await writeFile(path, gzipSync(data));
      files.push({ path, plain });
    } else {
      files.push({ path: plain, plain });
    }
  }
  workers = ['worker-a', 'worker-b'].map((name) =>
    startCli(['worker', '--redis', redis.url, '--prefix', PREFIX, '--threads', '1', '--name', name]),
  );
  await Promise.all(workers.map((worker) => worker.waitForStderr(/started/)));
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

const connection = () => ['--redis', redis.url, '--prefix', PREFIX];

describe('submit to two worker processes', () => {
  it('spreads a multi-file run over both workers, with totals equal to grep', async () => {
    const result = await runCli([
      'submit',
      ...connection(),
      '--json',
      '--chunk-size',
      '64KiB',
      '-i',
      '-p',
      'error',
      '-p',
      'timed out',
      ...files.map((f) => f.path),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    for (const [i, file] of files.entries()) {
      const source = report.sources[i]!;
      expect(source.name).toBe(file.path);
      expect(source.lines).toBe(grepLineCount(file.plain));
      expect(source.matches.error).toEqual(grepCounts(file.plain, { pattern: 'error', ignoreCase: true }));
      expect(source.matches['timed out']).toEqual(grepCounts(file.plain, { pattern: 'timed out', ignoreCase: true }));
    }
    const totalErrors = files.map((f) => grepCounts(f.plain, { pattern: 'error', ignoreCase: true }));
    expect(report.totals.matches.error).toEqual({
      lines: totalErrors.reduce((n, c) => n + c.lines, 0),
      occurrences: totalErrors.reduce((n, c) => n + c.occurrences, 0),
    });
    // Both processes did work, and between them counted every chunk once.
    expect(Object.keys(report.workers).sort()).toEqual(['worker-a', 'worker-b']);
    expect(report.workers['worker-a']).toBeGreaterThan(0);
    expect(report.workers['worker-b']).toBeGreaterThan(0);
    expect(report.workers['worker-a']! + report.workers['worker-b']!).toBe(report.totals.chunks);
  });

  it('detaches with the run id, which status, report and runs then show from anywhere', async () => {
    const submitted = await runCli(['submit', ...connection(), '--detach', '-p', 'ERROR', files[0]!.path]);
    expect(submitted.code).toBe(0);
    const runId = submitted.stdout.trim();
    expect(runId).toMatch(/^r-[0-9a-z]+-[0-9a-f]+$/);

    const progress = await until(
      'the run to end',
      async () => {
        const status = await runCli(['status', ...connection(), '--json', runId]);
        expect(status.code).toBe(0);
        const progress = JSON.parse(status.stdout) as RunProgress;
        expect(progress.allEnqueued).toBe(true);
        return progress.status !== 'running' && progress;
      },
      { timeoutMs: 60_000 },
    );
    expect(progress.status).toBe('completed');
    expect(progress.chunksDone).toBe(progress.chunks);

    const report = await runCli(['report', ...connection(), '--json', runId]);
    expect(report.code).toBe(0);
    expect((JSON.parse(report.stdout) as RunReport).totals.matches.ERROR).toEqual(
      grepCounts(files[0]!.plain, { pattern: 'ERROR' }),
    );
    const human = await runCli(['status', ...connection(), runId]);
    expect(human.stdout).toMatch(new RegExp(`^run ${runId} {2}completed {2}\\d+/\\d+ chunks settled`));

    const runs = await runCli(['runs', ...connection(), '--json']);
    const listed = JSON.parse(runs.stdout) as RunProgress[];
    // Newest first.
    expect(listed[0]!.runId).toBe(runId);
    expect(listed.map((run) => run.startedAt)).toEqual([...listed.map((run) => run.startedAt)].sort().reverse());
    const missing = await runCli(['report', ...connection(), 'r-0-missing']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run r-0-missing/);
  });

  it('workers stop on SIGTERM and exit 0', async () => {
    const codes = await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    expect(codes).toEqual([0, 0]);
    expect(workers[0]!.stderr()).toMatch(/worker-a stopped after counting \d+ chunks/);
  });
});
