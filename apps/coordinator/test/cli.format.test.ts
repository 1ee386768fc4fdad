import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BACKTRACKING_REGEX,
  type CliProcess,
  type TestRedis,
  clusterFlags,
  grepCounts,
  grepLineCount,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
} from '@logcluster/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-format';
/** A literal with a comma, quotes and a space: CSV must quote it. */
const QUOTED = 'say "hi", ok';
let dir: string;
/** A name with a comma and quotes, and one with a newline: both need quoting in CSV, the second escaping in TSV. */
let commaName: string;
let newlineName: string;
let redis: TestRedis;
let client: Redis;
let worker: CliProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-format-'));
  commaName = join(dir, 'a,b "c".log');
  newlineName = join(dir, 'line\nbreak.log');
  await writeFile(
    commaName,
    Buffer.concat([syntheticLog({ lines: 3_000, seed: 11 }), Buffer.from(`${QUOTED}\nthen ${QUOTED} and ${QUOTED}\n`)]),
  );
  await writeFile(newlineName, syntheticLog({ lines: 2_000, seed: 12 }));
  redis = await startTestRedis();
  client = redis.client();
  worker = await startWorker(redis.url, PREFIX, 'format-worker');
});

afterAll(async () => {
  await worker?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The expected rows, from grep: one per source and pattern, in the order given. */
function expectedRows(files: string[], patterns: string[]): string[][] {
  return files.flatMap((file) =>
    patterns.map((pattern) => {
      const counts = grepCounts(file, { pattern });
      return [
        file,
        String(grepLineCount(file)),
        String(statSync(file).size),
        pattern,
        String(counts.lines),
        String(counts.occurrences),
      ];
    }),
  );
}

const HEADER = ['source', 'lines', 'bytes', 'pattern', 'matching_lines', 'occurrences'];

/** Written out by hand here rather than with the code under test. */
function csv(rows: string[][]): string {
  const field = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return [HEADER, ...rows].map((row) => `${row.map(field).join(',')}\n`).join('');
}

function tsv(rows: string[][]): string {
  const field = (value: string) =>
    value.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
  return [HEADER, ...rows].map((row) => `${row.map(field).join('\t')}\n`).join('');
}

describe('--format csv|tsv', () => {
  it('analyze prints the per-source table as CSV, with names and patterns quoted', async () => {
    const result = await runCli([
      'analyze',
      '--format',
      'csv',
      '--chunk-size',
      '64KiB',
      '-p',
      'ERROR',
      '-p',
      QUOTED,
      commaName,
      newlineName,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = expectedRows([commaName, newlineName], ['ERROR', QUOTED]);
    expect(rows[1]!.slice(4)).toEqual(['2', '3']);
    expect(result.stdout).toBe(csv(rows));
  });

  it('analyze prints it as TSV, with tabs, newlines and backslashes escaped', async () => {
    const result = await runCli(['analyze', '--format', 'tsv', newlineName, commaName]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(tsv(expectedRows([newlineName, commaName], ['ERROR'])));
    expect(result.stdout.split('\n')[1]).toBe(
      `${dir}/line\\nbreak.log\t${grepLineCount(newlineName)}\t${statSync(newlineName).size}\tERROR\t${grepCounts(newlineName, { pattern: 'ERROR' }).lines}\t${grepCounts(newlineName, { pattern: 'ERROR' }).occurrences}`,
    );
  });

  it('submit prints it once the run ends, and report prints it for any run', async () => {
    const submitted = await runCli([
      'submit',
      ...clusterFlags(redis.url, PREFIX),
      '--format',
      'csv',
      '--chunk-size',
      '16KiB',
      '-p',
      'ERROR',
      '-p',
      'WARN',
      commaName,
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toBe(csv(expectedRows([commaName], ['ERROR', 'WARN'])));

    const [runId] = await client.zrevrange(`${PREFIX}:runs`, 0, 0);
    const reported = await runCli(['report', ...clusterFlags(redis.url, PREFIX), '--format', 'tsv', runId!]);
    expect(reported.stderr).toBe('');
    expect(reported.code).toBe(0);
    expect(reported.stdout).toBe(tsv(expectedRows([commaName], ['ERROR', 'WARN'])));
  });

  it('a partial run: the table of what was counted, exit 3, and one line on stderr saying what is missing', async () => {
    const file = join(dir, 'catastrophic.log');
    await writeFile(
      file,
      `${['ok', 'x'.repeat(40), ...Array.from({ length: 3000 }, (_, i) => `line ${i}`)].join('\n')}\n`,
    );
    const result = await runCli([
      'analyze',
      '--format',
      'csv',
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
    expect(result.stdout.split('\n')[0]).toBe(HEADER.join(','));
    expect(result.stdout.split('\n')).toHaveLength(3);
    expect(result.stderr).toMatch(
      /^logcluster: run (r-\S+) is partial: 1 chunk was dead-lettered and its lines are not in these counts \(logcluster report \1 lists them\)\n$/,
    );
  });

  it('--json with --format, and a format it does not know, are usage errors (exit 2) naming what is allowed', async () => {
    const cases: [string[], RegExp][] = [
      [['analyze', '--json', '--format', 'csv', commaName], /--json and --format csv do not go together/],
      [
        ['submit', ...clusterFlags(redis.url, PREFIX), '--format', 'tsv', '--json', commaName],
        /--json and --format tsv do not go together/,
      ],
      [
        ['report', ...clusterFlags(redis.url, PREFIX), '--json', '--format', 'csv', 'r-none'],
        /--json and --format csv do not go together/,
      ],
      [
        ['analyze', '--format', 'xml', commaName],
        /--format "xml": the report's table \(csv, tsv\) or the input's format \(text, json, logfmt, docker, cri/,
      ],
      [['analyze', '--format', 'csv', '--format', 'tsv', commaName], /--format csv and --format tsv/],
      [['analyze', '--format', 'json', '--format', 'logfmt', commaName], /--format json and --format logfmt/],
      [
        // The input was read when the run ran: report prints tables only.
        ['report', ...clusterFlags(redis.url, PREFIX), '--format', 'json', 'r-none'],
        /--format must be one of: csv, tsv \(got "json"\)/,
      ],
      [
        ['report', ...clusterFlags(redis.url, PREFIX), '--format', 'xml', 'r-none'],
        /--format must be one of: csv, tsv \(got "xml"\)/,
      ],
    ];
    const runsBefore = await client.zcard(`${PREFIX}:runs`);
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    // Refused before anything was enqueued.
    expect(await client.zcard(`${PREFIX}:runs`)).toBe(runsBefore);
  });

  it('is explained by --help of analyze, submit and report', async () => {
    for (const command of ['analyze', 'submit', 'report']) {
      const help = (await runCli([command, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(help, command).toMatch(
        /--format <format> .*print a table for scripts instead of the report: csv \(RFC 4180 quoting\) or tsv/,
      );
      // analyze and submit take the input's format too; report only the tables.
      if (command === 'report') expect(help).not.toMatch(/json, logfmt/);
      else
        expect(help, command).toMatch(
          /--format <format> the input's format: text \(default\), json, logfmt, docker or cri/,
        );
    }
  });
});
