import { type WindowBucket, type WindowsReport, parseDuration } from '@logcluster/core';
import { keyCell } from './key-cell.js';

/**
 * The human form of the windows' keys (`--by` with `--window`), shown under the histogram:
 * the top keys of the busiest windows, kept to a few lines. Pure: the report in, lines out.
 */

/** Windows shown: the busiest, by lines (the earlier first among equals), then put in time order. */
const SHOWN_WINDOWS = 3;
/** Keys shown of each: the window's first in the report (by lines). */
const WINDOW_KEYS_SHOWN = 3;

/**
 * `busiest windows by service — lines (ERROR):` then one line per window:
 * `  2026-11-26 10:03Z  240 (12):  api 120 (5) · auth 80 (2) · billing 40 (0)`.
 * Empty when the windows have no keys (a run without `--by`) or no lines.
 */
export function formatWindowKeys(windows: WindowsReport, by: readonly string[], pattern: string | undefined): string[] {
  const keyed = windows.buckets.filter((bucket) => bucket.keys !== undefined && bucket.keys.length > 0);
  if (keyed.length === 0) return [];
  const size = parseDuration(windows.size, 'window size');
  const busiest = keyed
    .map((bucket, i) => ({ bucket, i }))
    .sort((a, b) => b.bucket.lines - a.bucket.lines || a.i - b.i)
    .slice(0, SHOWN_WINDOWS)
    .sort((a, b) => a.i - b.i)
    .map(({ bucket }) => bucket);
  const matchesOf = (item: Pick<WindowBucket, 'matches'>) => (pattern === undefined ? 0 : (item.matches[pattern] ?? 0));
  const counts = (item: Pick<WindowBucket, 'lines' | 'matches'>) =>
    pattern === undefined ? String(item.lines) : `${item.lines} (${matchesOf(item)})`;
  const labels = busiest.map((bucket) => timeLabel(bucket.start, size));
  const totals = busiest.map(counts);
  const labelWidth = Math.max(...labels.map((label) => label.length));
  const totalWidth = Math.max(...totals.map((total) => total.length));
  const heading =
    keyed.length > SHOWN_WINDOWS
      ? `top keys of the ${SHOWN_WINDOWS} busiest windows`
      : `top keys of ${keyed.length === 1 ? 'the window' : 'each window'}`;
  return [
    '',
    `${heading}, by ${by.length > 0 ? by.join(', ') : 'key'} — lines${pattern === undefined ? '' : ` (${pattern})`}:`,
    ...busiest.map((bucket, i) => {
      const keys = bucket
        .keys!.slice(0, WINDOW_KEYS_SHOWN)
        .map((item) => `${item.key.map(keyCell).join(',')} ${counts(item)}`);
      return `  ${labels[i]!.padEnd(labelWidth)}  ${totals[i]!.padStart(totalWidth)}:  ${keys.join(' · ')}`;
    }),
  ];
}

/** A window's start in UTC, to the precision its size needs: `2026-11-26 10:03Z`, `10:03:15Z`, `10:03:15.250Z`. */
function timeLabel(iso: string, size: number): string {
  const text = iso.replace('T', ' ');
  if (size % 60_000 === 0) return `${text.slice(0, 16)}Z`;
  if (size % 1000 === 0) return `${text.slice(0, 19)}Z`;
  return text;
}
