import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type RequestRecord,
  type TestRedis,
  asAccessLog,
  asCriLogfmt,
  asDockerJsonFile,
  asJsonLines,
  asLogfmt,
  clusterFlags,
  grepCounts,
  requestRecords,
  runCli,
  startTestRedis,
  startWorker,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Per-key tables, filters, distinct counts and schema rejects on realistic request logs
 * (an access log, the same requests as JSON lines, logfmt, Docker json-file and CRI
 * lines), through `analyze` under several chunk sizes and through `submit` with two
 * workers, one of which dies after recording a chunk. Every figure is checked against a
 * plain reading of the file here: JSON.parse, a logfmt regex, the --extract regex.
 */

type Fields = Record<string, unknown> | null;
type Key = (string | null)[];

let dir: string;
let records: RequestRecord[];
const files: Record<string, { path: string; text: string; fields: (line: string) => Fields }> = {};

const ACCESS_EXTRACT = String.raw`"(?<method>[A-Z]+) (?<path>\S+) [^"]*" (?<status>\d{3}) (?<bytes>\d+)`;

function jsonFields(line: string): Fields {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function logfmtFields(line: string): Fields {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g))
    fields[match[1]!] = match[2]!.startsWith('"') ? (JSON.parse(match[2]!) as string) : match[2]!;
  return Object.keys(fields).length > 0 ? fields : null;
}

/** A field's value as logcluster reads it: dotted paths into objects; numbers as their text; null as missing. */
function valueOf(fields: Fields, path: string): string | null {
  if (fields === null) return null;
  let value: unknown = Object.hasOwn(fields, path) ? fields[path] : undefined;
  if (value === undefined) {
    value = fields;
    for (const part of path.split('.')) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return null;
      value = (value as Record<string, unknown>)[part];
    }
  }
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface Expected {
  lines: number;
  selected: number;
  keys: Map<
    string,
    {
      key: Key;
      lines: number;
      matches: Record<string, { lines: number; occurrences: number }>;
      distinct: Map<string, Set<string>>;
    }
  >;
  distinct: Map<string, Set<string>>;
}

/** The file read plainly: which lines are selected, and per key their lines and matches. */
function expected(
  file: keyof typeof files,
  options: {
    by?: string[];
    patterns: string[];
    where?: (fields: Fields, line: string) => boolean;
    distinct?: string[];
  },
): Expected {
  const { text, fields: fieldsOf } = files[file]!;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const result: Expected = { lines: lines.length, selected: 0, keys: new Map(), distinct: new Map() };
  for (const line of lines) {
    const fields = fieldsOf(line);
    if (options.where && !options.where(fields, line)) continue;
    result.selected++;
    const key = (options.by ?? []).map((field) => valueOf(fields, field));
    const id = JSON.stringify(key);
    let row = result.keys.get(id);
    if (!row) {
      row = {
        key,
        lines: 0,
        matches: Object.fromEntries(options.patterns.map((p) => [p, { lines: 0, occurrences: 0 }])),
        distinct: new Map(),
      };
      result.keys.set(id, row);
    }
    row.lines++;
    for (const p of options.patterns) {
      const occurrences = line.split(p).length - 1;
      if (occurrences > 0) {
        row.matches[p]!.lines++;
        row.matches[p]!.occurrences += occurrences;
      }
    }
    for (const field of options.distinct ?? []) {
      const value = valueOf(fields, field);
      if (value === null) continue;
      for (const sets of [row.distinct, result.distinct]) {
        if (!sets.has(field)) sets.set(field, new Set());
        sets.get(field)!.add(value);
      }
    }
  }
  return result;
}

/** The report's key table must be the plain reading's, row for row, in the contract's order. */
function expectTable(report: RunReport, want: Expected, patterns: string[], distinct: string[] = []): void {
  expect(report.totals.lines).toBe(want.lines);
  expect(report.totals.selectedLines).toBe(want.selected);
  const rows = [...want.keys.values()]
    .sort((a, b) => b.lines - a.lines || (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1))
    .map((row) => ({
      key: row.key,
      lines: row.lines,
      matches: row.matches,
      ...(distinct.length > 0
        ? {
            distinct: Object.fromEntries(
              distinct.map((f) => [f, { count: row.distinct.get(f)?.size ?? 0, exact: true }]),
            ),
          }
        : {}),
    }));
  expect(report.groups!.keys).toEqual(rows);
  expect(report.groups!.distinctKeys).toBe(want.keys.size);
  expect(report.groups!.distinctKeysExact).toBe(true);
  expect(report.groups!.others.lines).toBe(0);
  for (const p of patterns) {
    const total = rows.reduce((sum, row) => sum + row.matches[p]!.lines, 0);
    expect(report.totals.matches[p]!.lines).toBe(total);
  }
}

async function analyze(args: string[], options: { code?: number } = {}): Promise<RunReport> {
  const result = await runCli(['analyze', '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(options.code ?? 0);
  return JSON.parse(result.stdout) as RunReport;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-records-'));
  records = requestRecords({ records: 6000, seed: 19 });
  const made: [string, string, (line: string) => Fields][] = [
    ['json', asJsonLines(records), jsonFields],
    ['mixed', asJsonLines(records, { mixed: true }), jsonFields],
    ['logfmt', asLogfmt(records), logfmtFields],
    ['access', asAccessLog(records), (line) => new RegExp(ACCESS_EXTRACT).exec(line)?.groups ?? null],
    [
      'docker',
      asDockerJsonFile(records),
      (line) => {
        const envelope = jsonFields(line);
        const log = envelope?.log;
        const body = jsonFields(typeof log === 'string' ? log.replace(/\n$/, '') : '');
        return envelope && { stream: envelope.stream, time: envelope.time, ...body };
      },
    ],
    ['cri', asCriLogfmt(records), (line) => logfmtFields(line.split(' ').slice(3).join(' '))],
  ];
  for (const [name, text, fields] of made) {
    const path = join(dir, `${name}.log`);
    await writeFile(path, text);
    files[name] = { path, text, fields };
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('per-key tables through analyze, equal to a plain reading under every chunk size', () => {
  it.each(['1KiB', '16KiB', '1MiB'])('JSON lines by service and status, chunks of %s', async (chunkSize) => {
    const report = await analyze([
      '--format',
      'json',
      '--by',
      'service,status',
      '-p',
      'ERROR',
      '--count-distinct',
      'user',
      '--chunk-size',
      chunkSize,
      files.json!.path,
    ]);
    const want = expected('json', { by: ['service', 'status'], patterns: ['ERROR'], distinct: ['user'] });
    expectTable(report, want, ['ERROR'], ['user']);
    // Nothing was filtered out: the counts are grep's.
    expect(report.totals.matches.ERROR).toEqual(grepCounts(files.json!.path, { pattern: 'ERROR' }));
    expect(report.totals.distinct).toEqual({ user: { count: want.distinct.get('user')!.size, exact: true } });
    expect(report.groups!.by).toEqual(['service', 'status']);
  });

  it('logfmt with numeric and negated --where, by path', async () => {
    const report = await analyze([
      '--format',
      'logfmt',
      '--where',
      'duration_ms>=500',
      '--where',
      'level!=info',
      '--by',
      'path',
      '-p',
      'ERROR',
      '--chunk-size',
      '4KiB',
      files.logfmt!.path,
    ]);
    const want = expected('logfmt', {
      by: ['path'],
      patterns: ['ERROR'],
      where: (f) => Number(valueOf(f, 'duration_ms')) >= 500 && valueOf(f, 'level') !== 'info',
    });
    expectTable(report, want, ['ERROR']);
    expect(want.selected).toBeGreaterThan(50);
    expect(want.selected).toBeLessThan(want.lines / 2);
  });

  it('an access log by an --extract group, with a regex --where', async () => {
    const report = await analyze([
      '--extract',
      ACCESS_EXTRACT,
      '--by',
      'status',
      '--where',
      'path~^/api/',
      '-p',
      'POST',
      '--chunk-size',
      '2KiB',
      files.access!.path,
    ]);
    const want = expected('access', {
      by: ['status'],
      patterns: ['POST'],
      where: (f) => /^\/api\//.test(valueOf(f, 'path') ?? ''),
    });
    expectTable(report, want, ['POST']);
  });

  it('Docker json-file lines holding JSON, by a nested field and the stream', async () => {
    const report = await analyze([
      '--format',
      'docker+json',
      '--by',
      'kubernetes.pod_name,stream',
      '-p',
      'ERROR',
      '--chunk-size',
      '8KiB',
      files.docker!.path,
    ]);
    expectTable(report, expected('docker', { by: ['kubernetes.pod_name', 'stream'], patterns: ['ERROR'] }), ['ERROR']);
  });

  it('CRI lines holding logfmt, by pod, between --since and --until', async () => {
    const since = records[1000]!.time;
    const until = records[4000]!.time;
    const report = await analyze([
      '--format',
      'cri+logfmt',
      '--by',
      'pod',
      '--since',
      since,
      '--until',
      until,
      '-p',
      'ERROR',
      '--chunk-size',
      '4KiB',
      files.cri!.path,
    ]);
    expectTable(
      report,
      expected('cri', {
        by: ['pod'],
        patterns: ['ERROR'],
        where: (_f, line) => line.slice(0, 24) >= since && line.slice(0, 24) < until,
      }),
      ['ERROR'],
    );
    expect(report.totals.selectedLines).toBe(3000);
  });

  it('container lines are windowed by their envelope time, as --since reads it, not by a time in the message', async () => {
    const path = join(dir, 'envelope-times.log');
    const start = Date.UTC(2026, 11, 5, 14, 0, 0);
    const lines = Array.from({ length: 600 }, (_, i) => {
      const time = new Date(start + i * 1000).toISOString();
      // The message has a time of its own, years before, ahead of the envelope's in the line.
      const log = `2020-01-01T00:00:00Z ${i % 7 === 0 ? 'ERROR' : 'INFO'} request ${i}\n`;
      return `${JSON.stringify({ log, stream: 'stdout', time })}\n`;
    });
    await writeFile(path, lines.join(''));
    const report = await analyze([
      '--format',
      'docker',
      '--since',
      new Date(start + 90_000).toISOString(),
      '--window',
      '1m',
      '--chunk-size',
      '4KiB',
      path,
    ]);
    expect(report.totals.selectedLines).toBe(510);
    const buckets = report.windows!.buckets;
    expect(buckets.map((bucket) => bucket.start)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((minute) => new Date(start + minute * 60_000).toISOString()),
    );
    expect(buckets.map((bucket) => bucket.lines)).toEqual([30, 60, 60, 60, 60, 60, 60, 60, 60]);
    expect(report.windows!.untimedLines).toBe(0);
    expect(buckets.reduce((sum, bucket) => sum + bucket.matches.ERROR!, 0)).toBe(report.totals.matches.ERROR!.lines);
  });

  it('--in matches the patterns in one field only', async () => {
    const report = await analyze(['--format', 'json', '--in', 'msg', '-p', 'api', '--by', 'service', files.json!.path]);
    const inMsg = records.filter((r) => r.msg.includes('api'));
    // The raw lines hold "api" far more often (the service, the paths).
    expect(grepCounts(files.json!.path, { pattern: 'api' }).lines).toBeGreaterThan(2 * inMsg.length);
    expect(inMsg.length).toBeGreaterThan(50);
    expect(report.totals.matches.api!.lines).toBe(inMsg.length);
    expect(report.groups!.keys.reduce((sum, row) => sum + row.matches.api!.lines, 0)).toBe(inMsg.length);
  });

  it('past --max-keys: every row exact, the rest summed exactly in others', async () => {
    const report = await analyze([
      '--format',
      'json',
      '--by',
      'user,service',
      '--max-keys',
      '7',
      '-p',
      'ERROR',
      '--chunk-size',
      '4KiB',
      files.json!.path,
    ]);
    const want = expected('json', { by: ['user', 'service'], patterns: ['ERROR'] });
    const groups = report.groups!;
    expect(groups.keys).toHaveLength(7);
    for (const row of groups.keys) {
      const plain = want.keys.get(JSON.stringify(row.key))!;
      expect({ lines: row.lines, matches: row.matches }).toEqual({ lines: plain.lines, matches: plain.matches });
    }
    const shown = groups.keys.reduce((sum, row) => sum + row.lines, 0);
    expect(groups.others.lines).toBe(want.lines - shown);
    expect(groups.others.matches.ERROR!.lines).toBe(
      report.totals.matches.ERROR!.lines - groups.keys.reduce((sum, row) => sum + row.matches.ERROR!.lines, 0),
    );
    // The number of other keys is an estimate, close to the truth.
    expect(groups.distinctKeysExact).toBe(false);
    expect(Math.abs(groups.distinctKeys - want.keys.size)).toBeLessThanOrEqual(2);
  });
});

describe('schema rejects', () => {
  it('rejects lines that are not JSON or fail the schema, counted by reason with examples; nothing is lost', async () => {
    const schemaFile = join(dir, 'schema.json');
    await writeFile(schemaFile, JSON.stringify({ type: 'object', required: ['user'] }));
    const report = await analyze([
      '--format',
      'json',
      '--schema',
      schemaFile,
      '--by',
      'service',
      '-p',
      'ERROR',
      '--chunk-size',
      '4KiB',
      files.mixed!.path,
    ]);
    const lines = files.mixed!.text.split('\n').slice(0, -1);
    const notJson = lines.flatMap((line, i) => (jsonFields(line) === null ? [i + 1] : []));
    const noUser = lines.flatMap((line, i) => {
      const fields = jsonFields(line);
      return fields !== null && !('user' in fields) ? [i + 1] : [];
    });
    expect(notJson.length).toBeGreaterThan(10);
    expect(noUser.length).toBeGreaterThan(10);
    const rejected = report.rejected!;
    expect(rejected.lines).toBe(notJson.length + noUser.length);
    const byReason = Object.fromEntries(rejected.reasons.map((reason) => [reason.reason, reason]));
    expect(byReason['not JSON']!.lines).toBe(notJson.length);
    expect(byReason['not JSON']!.examples).toEqual(
      notJson.slice(0, 3).map((line) => ({ source: files.mixed!.path, line })),
    );
    const schemaReason = rejected.reasons.find((reason) => reason.reason.startsWith('schema:'))!;
    expect(schemaReason.reason).toMatch(/user/);
    expect(schemaReason.lines).toBe(noUser.length);
    expect(schemaReason.examples.map((example) => example.line)).toEqual(noUser.slice(0, 3));
    expect(report.totals.selectedLines).toBe(lines.length - notJson.length - noUser.length);
    const selectedErrors = lines.filter((line) => {
      const fields = jsonFields(line);
      return fields !== null && 'user' in fields && line.includes('ERROR');
    }).length;
    expect(report.totals.matches.ERROR!.lines).toBe(selectedErrors);
  });

  it('without a schema, lines of another format have no fields (the key null) and are counted as grep counts them', async () => {
    const report = await analyze(['--format', 'json', '--by', 'service', '-p', 'ERROR', files.mixed!.path]);
    expect(report.totals.matches.ERROR).toEqual(grepCounts(files.mixed!.path, { pattern: 'ERROR' }));
    const nullRow = report.groups!.keys.find((row) => row.key[0] === null)!;
    expect(nullRow.lines).toBe(
      files.mixed!.text.split('\n').filter((line) => line !== '' && jsonFields(line) === null).length,
    );
    expect(report.rejected!.lines).toBe(0);
  });
});

describe('the human report and the tables for scripts', () => {
  it('shows the selection, the top keys and others last; --format csv prints the whole key table', async () => {
    const human = await runCli([
      'analyze',
      '--format',
      'json',
      '--by',
      'user',
      '--max-keys',
      '30',
      '--where',
      'status>=500',
      files.json!.path,
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/selected [\d,]+ of 6,000 lines: [\d,]+ filtered out, 0 rejected/);
    expect(human.stdout).toMatch(/by user: \d+ distinct keys/);
    expect(human.stdout).toMatch(/USER +LINES +MATCHING +OCCURRENCES/);
    const csv = await runCli([
      'analyze',
      '--format',
      'json',
      '--format',
      'csv',
      '--by',
      'user',
      '-p',
      'ERROR',
      files.json!.path,
    ]);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('row,user,lines,pattern,matching_lines,occurrences');
    const want = expected('json', { by: ['user'], patterns: ['ERROR'] });
    expect(rows).toHaveLength(1 + want.keys.size);
    for (const row of rows.slice(1)) {
      const [kind, user, lines, , matching] = row.split(',');
      expect(kind).toBe('key');
      const plain = want.keys.get(JSON.stringify([user === '' ? null : user]))!;
      expect([Number(lines), Number(matching)]).toEqual([plain.lines, plain.matches.ERROR!.lines]);
    }
  });

  it('tells a missing field (null) from an empty one in CSV and TSV, as PostgreSQL COPY does', async () => {
    const path = join(dir, 'empty-or-missing.log');
    await writeFile(path, 'status= a=1\nother=1 a=2\nstatus=200 a=3\nother=2\n');
    const csv = await runCli(['analyze', '--format', 'logfmt', '--format', 'csv', '--by', 'status', '-p', 'a=', path]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n').slice(1, -1).sort()).toEqual([
      'key,"",1,a=,1,1',
      'key,,2,a=,1,1',
      'key,200,1,a=,1,1',
    ]);
    const tsv = await runCli(['analyze', '--format', 'logfmt', '--format', 'tsv', '--by', 'status', '-p', 'a=', path]);
    expect(tsv.stdout.split('\n').slice(1, -1).sort()).toEqual([
      'key\t\t1\ta=\t1\t1',
      'key\t200\t1\ta=\t1\t1',
      'key\t\\N\t2\ta=\t1\t1',
    ]);
  });
});

describe('bad input is a clear usage error (exit 2) before anything runs', () => {
  it.each([
    [['--where', 'status>abc'], /--where/],
    [['--where', '=5'], /--where/],
    [['--where', 'path~(unclosed'], /--where/],
    [['--format', 'yaml'], /--format/],
    [['--by', 'status'], /--by status: no such field/],
    [['--extract', '(\\d+)', '--by', 'x'], /--extract/],
    [['--format', 'json', '--extract', '(?<a>x)'], /--extract/],
    [['--format', 'json', '--since', 'yesterday-ish'], /--since/],
    [['--format', 'json', '--since', '1h', '--until', '2h'], /--since .* is not before --until/],
    [['--max-keys', '5'], /--max-keys needs --by/],
    [['--format', 'json', '--schema', '/nonexistent/schema.json'], /--schema/],
  ])('%j', async (args, message) => {
    const result = await runCli(['analyze', ...args, files.json!.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('an invalid schema', async () => {
    const schemaFile = join(dir, 'bad-schema.json');
    await writeFile(schemaFile, JSON.stringify({ type: 'objekt' }));
    const result = await runCli(['analyze', '--format', 'json', '--schema', schemaFile, files.json!.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--schema .*bad-schema\.json/);
  });
});

describe('through submit with two workers, one of which dies after recording a chunk', () => {
  let redis: TestRedis;
  let workers: CliProcess[] = [];
  const PREFIX = 't-records';

  beforeAll(async () => {
    redis = await startTestRedis();
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await redis.stop();
  });

  it("gives the plain reading exactly: the dead worker's chunk is counted once", async () => {
    workers = [
      await startWorker(redis.url, PREFIX, 'doomed', [], { LOGCLUSTER_FAULT: 'count:after-record' }),
      await startWorker(redis.url, PREFIX, 'steady'),
    ];
    const result = await runCli([
      'submit',
      ...clusterFlags(redis.url, PREFIX),
      '--json',
      '--format',
      'json',
      '--by',
      'service,status',
      '--where',
      'duration_ms>100',
      '--count-distinct',
      'user',
      '-p',
      'ERROR',
      '--chunk-size',
      '4KiB',
      files.json!.path,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(await workers[0]!.exited).toBeNull();
    expect(Object.keys(report.workers)).toContain('doomed');
    const want = expected('json', {
      by: ['service', 'status'],
      patterns: ['ERROR'],
      where: (f) => Number(valueOf(f, 'duration_ms')) > 100,
      distinct: ['user'],
    });
    expectTable(report, want, ['ERROR'], ['user']);
  });
});
