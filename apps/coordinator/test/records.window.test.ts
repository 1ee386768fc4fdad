import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunReport, WINDOW_TOP_KEYS } from '@logcluster/core';
import { asJsonLines, requestRecords, runCli } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * --window and --top in runs that select lines (--where) and count per key (--by), through
 * `analyze` under several chunk sizes: each window's lines and matches, and its top keys,
 * are those of the selected lines, equal to a plain reading of the file here (JSON.parse
 * per line, a line's window from its `time` field); the top messages count only selected
 * lines.
 */

const MINUTE = 60_000;
type Fields = Record<string, unknown> | null;

let dir: string;
let path: string;
let text: string;

function fieldsOf(line: string): Fields {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

interface PlainLine {
  line: string;
  fields: Fields;
}

function plainLines(): PlainLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => ({ line, fields: fieldsOf(line) }));
}

const slow = ({ fields }: PlainLine) => typeof fields?.duration_ms === 'number' && fields.duration_ms > 100;

/** Per window (ms → counts) and per key within it, the selected lines and those holding ERROR. */
function plainWindows(by: string[]) {
  const windows = new Map<number, { lines: number; errors: number; keys: Map<string, [number, number]> }>();
  for (const plain of plainLines()) {
    if (!slow(plain)) continue;
    // Every JSON line here has its own time: the window is its own.
    const start = Math.floor(Date.parse(plain.fields!.time as string) / MINUTE) * MINUTE;
    let window = windows.get(start);
    if (!window) windows.set(start, (window = { lines: 0, errors: 0, keys: new Map() }));
    const error = plain.line.includes('ERROR') ? 1 : 0;
    window.lines++;
    window.errors += error;
    const key = JSON.stringify(by.map((field) => (plain.fields![field] as string | undefined) ?? null));
    const row = window.keys.get(key) ?? [0, 0];
    window.keys.set(key, [row[0] + 1, row[1] + error]);
  }
  return [...windows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, window]) => ({
      start: new Date(start).toISOString(),
      lines: window.lines,
      matches: { ERROR: window.errors },
      keys: [...window.keys.entries()]
        .sort(([a, x], [b, y]) => y[0] - x[0] || (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, WINDOW_TOP_KEYS)
        .map(([key, [lines, errors]]) => ({
          key: JSON.parse(key) as (string | null)[],
          lines,
          matches: { ERROR: errors },
        })),
    }));
}

async function analyze(args: string[]): Promise<RunReport> {
  const result = await runCli(['analyze', '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

/** The 1-minute windows of the lines slower than 100 ms, by `by`, with ERROR counted. */
function windowsBy(by: string, chunkSize: string): Promise<RunReport> {
  const args = ['--format', 'json', '--by', by, '--window', '1m', '--where', 'duration_ms>100'];
  return analyze([...args, '-p', 'ERROR', '--chunk-size', chunkSize, path]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-records-window-'));
  // 3,000 requests, one every 300 ms: 15 windows of a minute. Every 97th is followed by a
  // plain text line (with a timestamp and ERROR), which --where leaves out.
  text = asJsonLines(requestRecords({ records: 3000, seed: 23, stepMs: 300 }), { mixed: true });
  path = join(dir, 'requests.jsonl');
  await writeFile(path, text);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--window with --by and --where: the windows of the selected lines, with their top keys', () => {
  it.each(['1KiB', '16KiB', '1MiB'])('by service, chunks of %s', async (chunkSize) => {
    const report = await windowsBy('service', chunkSize);
    const want = plainWindows(['service']);
    expect(want.length).toBeGreaterThanOrEqual(15);
    expect(report.windows!.untimedLines).toBe(0);
    expect(report.windows!.buckets).toEqual(want);
    const sum = (pick: (bucket: (typeof want)[number]) => number) =>
      report.windows!.buckets.reduce((total, bucket) => total + pick(bucket as (typeof want)[number]), 0);
    expect(sum((bucket) => bucket.matches.ERROR)).toBe(report.totals.matches.ERROR!.lines);
    expect(sum((bucket) => bucket.lines)).toBe(report.totals.selectedLines);
    // Not every line: the selection is what the windows count.
    expect(report.totals.selectedLines).toBeLessThan(report.totals.lines * 0.95);
  });

  it(`keeps the ${WINDOW_TOP_KEYS} busiest keys of each window, exactly, when there are more`, async () => {
    const report = await windowsBy('service,path', '2KiB');
    const want = plainWindows(['service', 'path']);
    expect(report.windows!.buckets).toEqual(want);
    expect(report.windows!.buckets.every((bucket) => bucket.keys!.length === WINDOW_TOP_KEYS)).toBe(true);
  });

  it('the human report shows the top keys of the busiest windows under the histogram', async () => {
    const args = ['--format', 'json', '--by', 'service', '--window', '1m', '--where', 'duration_ms>100', '-p', 'ERROR'];
    const result = await runCli(['analyze', ...args, '--chunk-size', '4KiB', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const at = lines.indexOf('top keys of the 3 busiest windows, by service — lines (ERROR):');
    expect(at).toBeGreaterThan(0);
    const busiest = plainWindows(['service'])
      .map((bucket, i) => ({ bucket, i }))
      .sort((a, b) => b.bucket.lines - a.bucket.lines || a.i - b.i)
      .slice(0, 3)
      .sort((a, b) => a.i - b.i);
    busiest.forEach(({ bucket }, n) => {
      const shown = lines[at + 1 + n]!;
      expect(shown.startsWith(`  ${bucket.start.slice(0, 10)} ${bucket.start.slice(11, 16)}Z`)).toBe(true);
      expect(shown).toContain(`${bucket.lines} (${bucket.matches.ERROR}):  `);
      const keys = bucket.keys.slice(0, 3).map((k) => `${k.key.join(',')} ${k.lines} (${k.matches.ERROR})`);
      expect(shown.endsWith(keys.join(' · '))).toBe(true);
    });
  });
});

describe('--top with --where', () => {
  it('counts the templates of selected matching lines only', async () => {
    const report = await analyze([
      '--format',
      'json',
      '--where',
      'duration_ms>100',
      '-p',
      'ERROR',
      '--top',
      '3',
      '--chunk-size',
      '8KiB',
      path,
    ]);
    const top = report.topMessages!.ERROR!;
    // The errors' messages: `ERROR upstream <reason> after <n> ms`, three reasons.
    const selected = plainLines().filter((plain) => slow(plain) && plain.line.includes('ERROR'));
    const every = plainLines().filter((plain) => plain.line.includes('ERROR'));
    expect(selected.length).toBeLessThan(every.length);
    expect(top.reduce((sum, message) => sum + message.count, 0)).toBe(report.totals.matches.ERROR!.lines);
    expect(report.totals.matches.ERROR!.lines).toBe(selected.length);
    for (const reason of ['timed out', 'refused', 'reset']) {
      const message = top.find((m) => m.template.includes(`upstream ${reason} after`));
      expect(message?.count).toBe(selected.filter((plain) => (plain.fields!.msg as string).includes(reason)).length);
    }
  });
});
