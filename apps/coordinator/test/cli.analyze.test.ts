import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RunReport } from '@logcluster/core';
import {
  BACKTRACKING_REGEX,
  embeddedLeftovers,
  grepCounts,
  grepLineCount,
  runCli,
  syntheticLog,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let app: string;
let other: string;
let gzipped: string;
let gzippedPlain: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-cli-'));
  app = join(dir, 'app.log');
  other = join(dir, 'other.log');
  gzipped = join(dir, 'archive.data');
  gzippedPlain = join(dir, 'archive.plain');
  await writeFile(app, syntheticLog({ lines: 30_000, seed: 1 }));
  await writeFile(other, syntheticLog({ lines: 5_000, seed: 2, noFinalNewline: true }));
  const archived = syntheticLog({ lines: 8_000, seed: 3 });
  await writeFile(gzippedPlain, archived);
  await writeFile(gzipped, gzipSync(archived));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function analyzeJson(args: string[], stdin?: Buffer): Promise<RunReport> {
  const result = await runCli(['analyze', '--json', '--chunk-size', '64KiB', ...args], stdin ? { stdin } : {});
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

describe('logcluster analyze', () => {
  it('counts ERROR lines and occurrences exactly as grep does', async () => {
    const report = await analyzeJson([app]);
    expect(report.status).toBe('completed');
    expect(report.runId).toMatch(/^r-/);
    expect(report.totals.lines).toBe(grepLineCount(app));
    expect(report.totals.bytes).toBe((await import('node:fs')).statSync(app).size);
    expect(report.totals.matches.ERROR).toEqual(grepCounts(app, { pattern: 'ERROR' }));
    expect(report.totals.chunks).toBeGreaterThan(10);
    expect(report.totals.chunksDone).toBe(report.totals.chunks);
    expect(Object.values(report.workers).reduce((a, b) => a + b, 0)).toBe(report.totals.chunks);
    expect(report.finishedAt).not.toBeNull();
  });

  it('matches grep -i, grep -E and several patterns at once, per file and in total', async () => {
    const ignoreCase = await analyzeJson(['-i', '-p', 'error', '-p', 'timed OUT', app, other]);
    for (const pattern of ['error', 'timed OUT']) {
      const perFile = [app, other].map((file) => grepCounts(file, { pattern, ignoreCase: true }));
      expect(ignoreCase.sources.map((s) => s.matches[pattern])).toEqual(perFile);
      expect(ignoreCase.totals.matches[pattern]).toEqual({
        lines: perFile[0]!.lines + perFile[1]!.lines,
        occurrences: perFile[0]!.occurrences + perFile[1]!.occurrences,
      });
    }
    expect(ignoreCase.sources.map((s) => [s.name, s.lines])).toEqual([
      [app, grepLineCount(app)],
      [other, grepLineCount(other)],
    ]);

    const regexes = ['after [0-9]+ ms', '^2026-11-26T10:0[0-4]', '(WARN|DEBUG) ', 'é|😀', '\r$'];
    const viaRegex = await analyzeJson(['-E', ...regexes.flatMap((p) => ['-p', p]), app]);
    for (const pattern of regexes)
      expect(viaRegex.totals.matches[pattern], pattern).toEqual(grepCounts(app, { pattern, regex: true }));
    expect(viaRegex.patterns[0]).toEqual({ pattern: regexes[0], regex: true, ignoreCase: false });
  });

  it('reads standard input as -, and gzip by its content whatever the name', async () => {
    const fromStdin = await analyzeJson(['-p', 'ERROR', '-'], syntheticLog({ lines: 4_000, seed: 1 }));
    expect(fromStdin.sources[0]!.name).toBe('-');
    const stdinCopy = join(dir, 'stdin.copy');
    await writeFile(stdinCopy, syntheticLog({ lines: 4_000, seed: 1 }));
    expect(fromStdin.totals.matches.ERROR).toEqual(grepCounts(stdinCopy, { pattern: 'ERROR' }));

    const fromGzip = await analyzeJson([gzipped]);
    expect(fromGzip.totals.bytes).toBe((await import('node:fs')).statSync(gzippedPlain).size);
    expect(fromGzip.totals.lines).toBe(grepLineCount(gzippedPlain));
    expect(fromGzip.totals.matches.ERROR).toEqual(grepCounts(gzippedPlain, { pattern: 'ERROR' }));

    const gzipOnStdin = await analyzeJson(['-'], gzipSync(syntheticLog({ lines: 4_000, seed: 1 })));
    expect(gzipOnStdin.totals.matches.ERROR).toEqual(fromStdin.totals.matches.ERROR);
  });

  it('prints a short aligned table without --json', async () => {
    const result = await runCli(['analyze', '-p', 'ERROR', '-p', 'WARN', app, other]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^run r-\S+ {2}completed {2}in /);
    const header = lines.find((line) => line.startsWith('SOURCE'))!;
    expect(header).toMatch(/^SOURCE\s+LINES\s+PATTERN\s+MATCHING LINES\s+OCCURRENCES$/);
    const errorRow = lines.find((line) => line.startsWith(app))!;
    const { lines: errorLines, occurrences } = grepCounts(app, { pattern: 'ERROR' });
    expect(errorRow.split(/\s+/)).toEqual([
      app,
      String(grepLineCount(app)),
      'ERROR',
      String(errorLines),
      String(occurrences),
    ]);
    // Columns line up: every row of the table is as wide as its widest cell allows.
    const table = lines.slice(lines.indexOf(header), lines.indexOf(header) + 7);
    const occurrencesEnd = header.length;
    for (const row of table.slice(1)) expect(row.length).toBe(occurrencesEnd);
    expect(result.stdout).toMatch(/^total\s+\d+\s+ERROR/m);
  });

  it('says when it reached each step of its start with LOGCLUSTER_TRACE_STARTUP=1, and nothing of it without', async () => {
    const traced = await runCli(['analyze', '--json', app], { env: { LOGCLUSTER_TRACE_STARTUP: '1' } });
    expect(traced.code).toBe(0);
    const marks = [...traced.stderr.matchAll(/^logcluster: startup: +([\d.]+) ms {2}(.+)$/gm)].map(([, ms, label]) => ({
      ms: Number(ms),
      label,
    }));
    expect(marks.map((mark) => mark.label)).toEqual(
      expect.arrayContaining([
        'the CLI bundle loaded',
        'analyze: the embedded redis-server listening',
        'analyze: the worker started',
        'run created',
        'worker: first chunks counted',
        'report printed',
        'the command done, what it opened closed',
      ]),
    );
    // From the bundle loaded to all closed, in ms since the process started.
    expect(marks[0]!.label).toBe('the CLI bundle loaded');
    expect(marks.at(-1)!.label).toBe('the command done, what it opened closed');
    expect(marks[0]!.ms).toBeGreaterThan(0);
    expect((JSON.parse(traced.stdout) as RunReport).totals.matches.ERROR!.lines).toBe(
      grepCounts(app, { pattern: 'ERROR' }).lines,
    );
    const plain = await runCli(['analyze', '--json', app]);
    expect(plain.stderr).not.toMatch(/startup:/);
  });

  it('cleans up its redis-server and temp dir', async () => {
    const scratch = join(dir, 'tmp');
    await mkdir(scratch);
    const result = await runCli(['analyze', other], { env: { TMPDIR: scratch } });
    expect(result.code).toBe(0);
    expect(await embeddedLeftovers(scratch)).toEqual({ dirs: [], servers: [] });
  });
});

describe('exit codes', () => {
  it('2 for a missing file, a directory, an invalid regex and bad options, with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['analyze', join(dir, 'missing.log')], /missing\.log: no such file/],
      [['analyze', dir], /is a directory/],
      [['analyze', '-E', '-p', '(unclosed', app], /invalid regular expression '\(unclosed'/],
      [['analyze', '--chunk-size', 'huge', app], /--chunk-size must be a size/],
      [['analyze', '--attempts', '0', app], /--attempts must be an integer ≥ 1/],
      [['analyze', '--no-such-option', app], /unknown option '--no-such-option'/],
      [['analyze'], /give at least one path, or - for standard input/],
      [['analyze', '-', '-'], /standard input \(-\) can be given only once/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });

  it('1 when Redis cannot be reached, within 10 s, naming it', async () => {
    const started = Date.now();
    const result = await runCli(['submit', '--redis', 'redis://127.0.0.1:1', app]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('1 with an install hint when redis-server is missing', async () => {
    const result = await runCli(['analyze', app], { env: { PATH: '/nonexistent' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /needs redis-server, which is not on the PATH: install it \(Debian\/Ubuntu: sudo apt-get install redis-server/,
    );
  });

  it('3 for a partial run, listing the dead-lettered line range and why', async () => {
    const file = join(dir, 'catastrophic.log');
    const lines = [
      'ok',
      'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      ...Array.from({ length: 3000 }, (_, i) => `line ${i}`),
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await runCli([
      'analyze',
      '--json',
      '-E',
      '-p',
      BACKTRACKING_REGEX,
      '--task-timeout',
      '300',
      '--attempts',
      '1',
      '--chunk-size',
      '4KiB',
      file,
    ]);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('partial');
    expect(report.totals.chunksDeadLettered).toBe(1);
    expect(report.totals.chunksDone).toBe(report.totals.chunks - 1);
    const [dead] = report.sources[0]!.deadLettered;
    expect(dead).toMatchObject({
      firstLine: 1,
      byteOffset: 0,
      reason: expect.stringMatching(/TASK_TIMEOUT/) as unknown,
    });
    expect(dead!.lineCount).toBeGreaterThan(2);

    const human = await runCli([
      'analyze',
      '-E',
      '-p',
      BACKTRACKING_REGEX,
      '--task-timeout',
      '300',
      '--attempts',
      '1',
      '--chunk-size',
      '4KiB',
      file,
    ]);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/not counted — 1 chunk dead-lettered/);
    expect(human.stdout).toMatch(
      new RegExp(`${file} lines 1–${dead!.lineCount} \\(bytes 0–${dead!.byteLength - 1}\\): TASK_TIMEOUT`),
    );
  });

  it('0 for --help on every command, which explains the options', async () => {
    for (const command of ['analyze', 'submit', 'worker', 'status', 'report', 'runs']) {
      const result = await runCli([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(/Usage: logcluster/);
    }
    const analyze = await runCli(['analyze', '--help']);
    for (const option of [
      '--pattern',
      '--regex',
      '--ignore-case',
      '--chunk-size',
      '--max-in-flight',
      '--attempts',
      '--backoff',
      '--json',
      '--redis',
      '--prefix',
      '--threads',
      '--task-timeout',
    ]) {
      expect(analyze.stdout).toContain(option);
    }
    expect(analyze.stdout.replace(/\s+/g, ' ')).toMatch(/\(env: REDIS_URL\)/);
  });
});
