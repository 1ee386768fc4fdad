import type { WindowsReport } from '@logcluster/core';
import { describe, expect, it } from 'vitest';
import { formatWindows } from '../src/window-histogram.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

type Bucket = WindowsReport['buckets'][number];

/** A window from `start` (ms) with `lines` lines, `errors` of them matching ERROR. */
function bucket(start: number, lines: number, errors = 0): Bucket {
  return { start: new Date(start).toISOString(), lines, matches: { ERROR: errors } };
}

function windows(size: string, buckets: Bucket[], extra: Partial<WindowsReport> = {}): WindowsReport {
  return { size, untimedLines: 0, buckets, ...extra };
}

/** A window every `size` ms from `from` to before `to`, each of `lines` lines with `errors` ERROR lines. */
function steady(from: number, to: number, size: number, lines: number, errors: number): Bucket[] {
  const out: Bucket[] = [];
  for (let at = from; at < to; at += size) out.push(bucket(at, lines, errors));
  return out;
}

describe('formatWindows', () => {
  it('shows one row per window when they fit, each count above zero with at least one mark', () => {
    const t = Date.UTC(2015, 9, 18, 18, 0);
    const out = formatWindows(
      windows('1m', [
        bucket(t, 10_000, 1),
        bucket(t + MINUTE, 1, 1),
        bucket(t + 2 * MINUTE, 3),
        bucket(t + 4 * MINUTE, 5_000, 4_999),
        bucket(t + 5 * MINUTE, 20, 20),
      ]),
      'ERROR',
    );
    expect(out).toEqual([
      'windows of 1m; █ lines, ▓ ERROR:',
      '  2015-10-18 18:00Z     10000       1  ▓███████████████████████████████████████',
      // 1 line of 10000: rounded to no bar before; now one mark, matching.
      '  2015-10-18 18:01Z         1       1  ▓',
      '  2015-10-18 18:02Z         3       0  █',
      '  2015-10-18 18:03Z         0       0',
      // 4999 of 5000 match: the one that does not keeps its mark.
      '  2015-10-18 18:04Z      5000    4999  ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓█',
      '  2015-10-18 18:05Z        20      20  ▓',
    ]);
  });

  it('merges windows into rows of a round size that start at round times, and collapses runs of empty rows', () => {
    // 1m windows from 2015-10-18 00:00 to 18:59, and 2015-10-20 08:00 to 12:59.
    const first = Date.UTC(2015, 9, 18, 0, 0);
    const later = Date.UTC(2015, 9, 20, 8, 0);
    const buckets = [
      ...steady(first, first + 19 * HOUR, MINUTE, 10, 1),
      ...steady(later, later + 5 * HOUR, MINUTE, 5, 0),
    ];
    const out = formatWindows(windows('1m', buckets), 'ERROR');
    const full = '  2015-10-18 00:00Z       600      60  ▓▓▓▓████████████████████████████████████';
    expect(out[0]).toBe('windows of 1m, shown 1h to a row; █ lines, ▓ ERROR:');
    expect(out[1]).toBe(full);
    expect(out[19]).toBe(full.replace('00:00Z', '18:00Z'));
    expect(out[20]).toBe('  … 37 empty rows (2015-10-18 19:00Z – 2015-10-20 07:00Z) …');
    expect(out[21]).toBe('  2015-10-20 08:00Z       300       0  ████████████████████');
    expect(out[25]).toBe('  2015-10-20 12:00Z       300       0  ████████████████████');
    expect(out).toHaveLength(26);
  });

  it('starts rows at multiples of their size since the epoch, whatever the first window', () => {
    // 1m windows from 18:07 for 10 hours: 15m rows from 18:00, not from 18:07.
    const from = Date.UTC(2015, 9, 18, 18, 7);
    const out = formatWindows(windows('1m', steady(from, from + 10 * HOUR, MINUTE, 2, 1)), 'ERROR');
    expect(out[0]).toBe('windows of 1m, shown 15m to a row; █ lines, ▓ ERROR:');
    expect(out[1]).toBe('  2015-10-18 18:00Z        16       8  ▓▓▓▓▓▓▓▓▓▓▓██████████');
    expect(out[2]).toBe('  2015-10-18 18:15Z        30      15  ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████████████████████');
    expect(out.at(-1)).toBe('  2015-10-19 04:00Z        14       7  ▓▓▓▓▓▓▓▓▓▓█████████');
    expect(out).toHaveLength(42);
  });

  it('shows a single empty row as a row, and leaves out every empty row with hideZero', () => {
    const t = Date.UTC(2015, 9, 18, 18, 0);
    const buckets = [bucket(t, 4, 1), bucket(t + 2 * MINUTE, 4, 2), bucket(t + 6 * MINUTE, 2, 0)];
    expect(formatWindows(windows('1m', buckets), 'ERROR')).toEqual([
      'windows of 1m; █ lines, ▓ ERROR:',
      '  2015-10-18 18:00Z         4       1  ▓▓▓▓▓▓▓▓▓▓██████████████████████████████',
      '  2015-10-18 18:01Z         0       0',
      '  2015-10-18 18:02Z         4       2  ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████████████████████',
      '  … 3 empty rows (2015-10-18 18:03Z – 2015-10-18 18:05Z) …',
      '  2015-10-18 18:06Z         2       0  ████████████████████',
    ]);
    expect(formatWindows(windows('1m', buckets), 'ERROR', { hideZero: true })).toEqual([
      'windows of 1m, empty rows left out; █ lines, ▓ ERROR:',
      '  2015-10-18 18:00Z         4       1  ▓▓▓▓▓▓▓▓▓▓██████████████████████████████',
      '  2015-10-18 18:02Z         4       2  ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████████████████████',
      '  2015-10-18 18:06Z         2       0  ████████████████████',
    ]);
  });

  it('keeps small rows when only collapsing makes them fit: two bursts 21 years apart', () => {
    // Apache error-log lines read in the wrong year used to stretch the span to 21 years.
    const a = Date.UTC(2005, 11, 4, 4, 0);
    const b = Date.UTC(2026, 11, 4, 4, 0);
    const out = formatWindows(windows('1h', [bucket(a, 3, 1), bucket(a + HOUR, 1, 1), bucket(b, 2, 0)]), 'ERROR');
    expect(out).toEqual([
      'windows of 1h; █ lines, ▓ ERROR:',
      '  2005-12-04 04:00Z         3       1  ' + '▓'.repeat(14) + '█'.repeat(26),
      '  2005-12-04 05:00Z         1       1  ▓▓▓▓▓▓▓▓▓▓▓▓▓',
      '  … 184078 empty rows (2005-12-04 06:00Z – 2026-12-04 03:00Z) …',
      '  2026-12-04 04:00Z         2       0  ███████████████████████████',
    ]);
  });

  it('merges windows of sizes that divide no round size into multiples of them, and shows seconds and ms where rows need them', () => {
    // 7m windows over 3 days: 7d would be round, but too coarse; 7m × 20 = 140m rows fit.
    const from = Date.UTC(2015, 9, 18, 0, 0);
    const seven = formatWindows(
      windows('7m', steady(Math.ceil(from / (7 * MINUTE)) * 7 * MINUTE, from + 3 * 24 * HOUR, 7 * MINUTE, 1, 0)),
      'ERROR',
    );
    expect(seven[0]).toBe('windows of 7m, shown 140m to a row; █ lines, ▓ ERROR:');
    expect(seven).toHaveLength(33);
    // 10s windows over 3 minutes: one row each, to the second.
    const tens = formatWindows(windows('10s', steady(from, from + 3 * MINUTE, 10 * SECOND, 1, 0)), 'ERROR');
    expect(tens[0]).toBe('windows of 10s; █ lines, ▓ ERROR:');
    expect(tens[2]).toBe('  2015-10-18 00:00:10Z         1       0  ████████████████████████████████████████');
    expect(tens).toHaveLength(19);
    // 250ms windows over a minute: 5s rows.
    const quarter = formatWindows(windows('250ms', steady(from + 250, from + MINUTE, 250, 1, 0)), 'ERROR');
    expect(quarter[0]).toBe('windows of 250ms, shown 5s to a row; █ lines, ▓ ERROR:');
    expect(quarter[1]).toBe('  2015-10-18 00:00:00Z        19       0  ██████████████████████████████████████');
    expect(quarter).toHaveLength(13);
    const fine = formatWindows(windows('250ms', [bucket(from + 250, 1), bucket(from + 500, 2)]), 'ERROR');
    expect(fine).toEqual([
      'windows of 250ms; █ lines, ▓ ERROR:',
      '  2015-10-18 00:00:00.250Z         1       0  ████████████████████',
      '  2015-10-18 00:00:00.500Z         2       0  ████████████████████████████████████████',
    ]);
  });

  it('says which year timestamps without one were given, and what to do when none had a timestamp', () => {
    const t = Date.UTC(2025, 11, 31, 23, 0);
    const assumed = { lines: 3, submittedAt: '2026-01-01T00:30:00.000Z', rule: '…' };
    expect(
      formatWindows(
        windows('1h', [bucket(t, 2), bucket(t + HOUR, 1)], { yearAssumed: { years: [2025, 2026], ...assumed } }),
        'ERROR',
      ),
    ).toEqual([
      'windows of 1h; █ lines, ▓ ERROR:',
      "  no year in 3 timestamps: read as 2025 or 2026 by syslog's rule: the year the run was submitted (2026), or the year before for a date more than a day after it",
      '  2025-12-31 23:00Z         2       0  ████████████████████████████████████████',
      '  2026-01-01 00:00Z         1       0  ████████████████████',
    ]);
    expect(
      formatWindows(
        windows('1h', [bucket(t, 1)], { yearAssumed: { years: [2026], ...assumed, lines: 1 } }),
        'ERROR',
      )[1],
    ).toBe(
      "  no year in 1 timestamp: read as 2026, the year the run was submitted (syslog's rule: a date more than a day after the submission would be the year before)",
    );
    expect(
      formatWindows(
        windows('1h', [], { untimedLines: 1, untimedExample: { source: 'a.log', line: null, text: 'hello' } }),
        'ERROR',
      ),
    ).toEqual([
      'windows of 1h: no timestamp found in the one line. The first line:',
      '  hello  (a.log)',
      "  If it has a time, give its format with --time-format, e.g. --time-format '%d/%m/%Y %H:%M:%S' (fields: %Y %y %m %d %e %b %H %M %S %f %z %s)",
    ]);
    expect(formatWindows(windows('1h', []), 'ERROR')).toEqual(['windows of 1h: no lines']);
  });

  it('says how many lines came before any timestamp', () => {
    const t = Date.UTC(2015, 9, 18, 18, 0);
    expect(formatWindows(windows('1m', [bucket(t, 1)], { untimedLines: 2 }), 'ERROR')[0]).toBe(
      'windows of 1m (2 lines before any timestamp); █ lines, ▓ ERROR:',
    );
  });
});
