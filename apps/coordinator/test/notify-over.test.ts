import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type Follower,
  type TestRedis,
  asJsonLines,
  clusterFlags,
  reportOf,
  requestRecords,
  runCli,
  sleep,
  startCli,
  startFollow,
  startTestRedis,
  startWorker,
  until,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * --notify-over with --by: the report's crossings against a plain reading of the file
 * (which keys have more than n lines, where their lines pass n), through analyze; a
 * followed file whose keys pass n as it grows, each logged once on stderr while it is
 * followed; and the crossings counted in serve's logcluster_key_crossings_total.
 */

const PREFIX = 't-notify';
let dir: string;
let jsonPath: string;
let jsonLines: string[];
let redis: TestRedis;
let worker: CliProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-notify-'));
  const text = asJsonLines(requestRecords({ records: 6000, seed: 23 }));
  jsonPath = join(dir, 'requests.log');
  await writeFile(jsonPath, text);
  jsonLines = text.split('\n').slice(0, -1);
  redis = await startTestRedis();
  worker = await startWorker(redis.url, PREFIX, 'notify-a');
}, 60_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Per key (JSON text of the values of `by`), its line numbers (1-based), read plainly. */
function keyLines(lines: readonly string[], by: readonly string[]): Map<string, number[]> {
  const keys = new Map<string, number[]>();
  lines.forEach((line, i) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    const key = JSON.stringify(by.map((field) => (field in record ? String(record[field] as string | number) : null)));
    const into = keys.get(key) ?? [];
    into.push(i + 1);
    keys.set(key, into);
  });
  return keys;
}

async function analyze(args: string[]): Promise<RunReport> {
  const result = await runCli(['analyze', '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

/**
 * What must hold of every crossing whatever order the chunks were counted in: exactly the
 * keys with more than n lines cross, once each; `count` > n and at most the key's lines;
 * `line` is a line of the key; sorted by `at`, then key.
 */
function expectCrossings(report: RunReport, by: string[], n: number): Map<string, number[]> {
  const keys = keyLines(jsonLines, by);
  const crossings = report.crossings!;
  const crossed = crossings.map((crossing) => JSON.stringify(crossing.key));
  expect(new Set(crossed).size).toBe(crossed.length);
  expect(new Set(crossed)).toEqual(new Set([...keys].filter(([, lines]) => lines.length > n).map(([key]) => key)));
  for (const crossing of crossings) {
    const lines = keys.get(JSON.stringify(crossing.key))!;
    expect(crossing.source).toBe(jsonPath);
    expect(crossing.count).toBeGreaterThan(n);
    expect(crossing.count).toBeLessThanOrEqual(lines.length);
    expect(lines).toContain(crossing.line);
    expect(crossing.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  const sorted = [...crossings].sort(
    (a, b) => a.at.localeCompare(b.at) || (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1),
  );
  expect(crossings).toEqual(sorted);
  return keys;
}

describe('--notify-over', () => {
  it.each(['4KiB', '64KiB', '4MiB'])(
    'analyze: crossings are exactly the keys with more than n lines, each at one of its lines (chunks of %s)',
    async (chunkSize) => {
      const by = ['service', 'status'];
      const report = await analyze([
        '--format',
        'json',
        '--by',
        by.join(','),
        '--notify-over',
        '50',
        '--chunk-size',
        chunkSize,
        jsonPath,
      ]);
      const keys = expectCrossings(report, by, 50);
      // Some keys stay at or under 50: the test tells the two apart.
      expect(report.crossings!.length).toBeGreaterThan(0);
      expect(report.crossings!.length).toBeLessThan(keys.size);
    },
  );

  it('analyze with chunks counted in file order: up to its line, a key has `count` lines, more than n', async () => {
    const by = ['service'];
    const report = await analyze([
      '--format',
      'json',
      '--by',
      'service',
      '--notify-over',
      '50',
      '--chunk-size',
      '8KiB',
      '--threads',
      '1',
      '--concurrency',
      '1',
      jsonPath,
    ]);
    const keys = expectCrossings(report, by, 50);
    expect(report.crossings!.length).toBe(keys.size);
    for (const { key, count, line } of report.crossings!) {
      const upTo = keys.get(JSON.stringify(key))!.filter((at) => at <= line!).length;
      expect(upTo).toBe(count);
      expect(upTo).toBeGreaterThan(50);
    }
  });

  it('a run without --notify-over has no crossings; --notify-over without --by is a usage error', async () => {
    const report = await analyze(['--format', 'json', '--by', 'service', jsonPath]);
    expect(report.crossings).toBeUndefined();
    const bad = await runCli(['analyze', '--format', 'json', '--notify-over', '5', jsonPath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--notify-over needs --by/);
    const negative = await runCli(['analyze', '--format', 'json', '--by', 'service', '--notify-over', '-1', jsonPath]);
    expect(negative.code).toBe(2);
  });

  it('submit --follow logs each key the moment it passes n, once; serve counts it in logcluster_key_crossings_total', async () => {
    const file = join(dir, 'live.log');
    const line = (service: string, i: number) => `${JSON.stringify({ service, msg: `request ${i}` })}\n`;
    const batch = (service: string, from: number, to: number) => {
      let out = '';
      for (let i = from; i < to; i++) out += line(service, i);
      return out;
    };
    // 20 lines each of api and auth: neither passes 30.
    await writeFile(file, batch('api', 0, 20) + batch('auth', 0, 20));
    const follower = follow(file, ['--format', 'json', '--by', 'service', '--notify-over', '30']);
    const runId = await follower.runId;
    await until(
      'the first 40 lines counted',
      async () => (await reportOf(redis.url, PREFIX, runId)).report.totals.lines === 40,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    await sleep(1_200);
    expect(follower.stderr()).not.toMatch(/passed/);
    // api reaches 30 lines: still not past.
    await appendFile(file, batch('api', 20, 30));
    await until(
      'the next 10 lines counted',
      async () => (await reportOf(redis.url, PREFIX, runId)).report.totals.lines === 50,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    await sleep(1_200);
    expect(follower.stderr()).not.toMatch(/passed/);
    // Its 31st line: line 51 of the file.
    await appendFile(file, batch('api', 30, 31));
    await until(
      () => `api's crossing logged: ${follower.stderr()}`,
      () => follower.stderr().includes(`logcluster: key ["api"] passed 30 lines (31 at ${file}:51)\n`),
      { timeoutMs: 30_000, everyMs: 100 },
    );
    // More lines of api, and auth past 30 too.
    await appendFile(file, batch('api', 31, 60) + batch('auth', 20, 45));
    await until(
      () => `auth's crossing logged: ${follower.stderr()}`,
      () => /logcluster: key \["auth"\] passed 30 lines \(\d+ at \S+:\d+\)\n/.test(follower.stderr()),
      { timeoutMs: 30_000, everyMs: 100 },
    );
    await sleep(1_200);
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(0);
    expect(follower.stderr().match(/passed 30 lines/g)).toHaveLength(2);
    const report = JSON.parse(follower.stdout()) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.crossings!.map(({ key, count, source, line: at }) => ({ key, count, source, line: at }))).toEqual([
      { key: ['api'], count: 31, source: file, line: 51 },
      expect.objectContaining({ key: ['auth'], source: file }),
    ]);
    const auth = report.crossings![1]!;
    expect(auth.count).toBeGreaterThan(30);
    // auth's lines are 21…40, then 81…105 (after api's 51…80).
    const authLines = [
      ...Array.from({ length: 20 }, (_, i) => 21 + i),
      ...Array.from({ length: 25 }, (_, i) => 81 + i),
    ];
    expect(authLines).toContain(auth.line);
    expect(authLines.filter((at) => at <= auth.line!).length).toBe(auth.count);

    const serve = startCli(['serve', ...clusterFlags(redis.url, PREFIX), '--port', '0']);
    try {
      await serve.waitForStderr(/dashboard at http:\/\/\S+\/admin\/queues/);
      const base = /dashboard at (http:\/\/\S+)\/admin\/queues/.exec(serve.stderr())![1]!;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^# TYPE logcluster_key_crossings_total counter$/m);
      expect(metrics).toMatch(/^logcluster_key_crossings_total 2$/m);
    } finally {
      await serve.stop();
    }
  }, 120_000);
});

function follow(target: string, extra: string[]): Follower {
  return startFollow(clusterFlags(redis.url, PREFIX), target, extra);
}
