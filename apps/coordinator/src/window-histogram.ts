import {
  TIME_FORMAT_FIELDS,
  type WindowsReport,
  type YearAssumed,
  formatWindowSize,
  parseDuration,
} from '@logcluster/core';

/**
 * The human form of a report's `windows`: a histogram with a row per window, or per
 * several windows when there are too many to read. Pure: the report in, lines out.
 */

/** Lines of the histogram, at most, counting a run of empty rows as one: windows are merged into larger rows until they fit. */
const MAX_ROWS = 48;
const BAR_WIDTH = 40;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Row sizes people read at a glance; rows start at multiples of their size since the epoch (UTC), so at round times. */
const ROUND_SIZES = [
  1,
  5,
  10,
  50,
  100,
  250,
  500,
  SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  7 * DAY,
  30 * DAY,
  365 * DAY,
];

export interface HistogramOptions {
  /** Leave out rows without lines, instead of showing a run of them as one line. */
  hideZero?: boolean;
}

/** One row: its start (ms), its lines (with `--multiline`, events), and those matching the pattern shown. */
interface Row {
  start: number;
  lines: number;
  matches: number;
}

/** Lines per window (and the matching lines of `pattern`, the run's first) as bars, under a header that says how they are shown. */
export function formatWindows(
  windows: WindowsReport,
  pattern: string | undefined,
  options: HistogramOptions = {},
): string[] {
  if (windows.buckets.length === 0) return noTimestamps(windows);
  const hideZero = options.hideZero === true;
  const size = parseDuration(windows.size, 'window size');
  const starts = windows.buckets.map((bucket) => Date.parse(bucket.start));
  // The same rows with or without hideZero: it only leaves out the empty ones.
  const rowMs = rowSizeFor(size, starts);
  const rows = mergeIntoRows(windows, starts, rowMs, pattern);
  const most = Math.max(...rows.map((row) => row.lines));
  // With --multiline the bars are of events: each in the window of its first line.
  const unit = windows.untimedEvents !== undefined ? 'events' : 'lines';
  const header =
    `windows of ${windows.size}` +
    (rowMs > size ? `, shown ${formatWindowSize(rowMs)} to a row` : '') +
    (hideZero ? ', empty rows left out' : '') +
    (windows.untimedLines > 0
      ? ` (${windows.untimedLines} ${windows.untimedLines === 1 ? 'line' : 'lines'} before any timestamp)`
      : '') +
    (windows.untimedEvents
      ? ` (${windows.untimedEvents} ${windows.untimedEvents === 1 ? 'event' : 'events'} before any timestamp)`
      : '') +
    `; █ ${unit}, ▓ ${pattern ?? ''}:`;
  const out = [header];
  if (windows.yearAssumed) out.push(`  ${yearAssumedNote(windows.yearAssumed)}`);
  let previous: number | undefined;
  for (const row of rows) {
    const empty = previous === undefined ? 0 : (row.start - previous) / rowMs - 1;
    if (empty === 1 && !hideZero) out.push(rowLine({ start: row.start - rowMs, lines: 0, matches: 0 }, rowMs, most));
    if (empty > 1 && !hideZero)
      out.push(
        `  … ${empty} empty rows (${timeLabel(previous! + rowMs, rowMs)} – ${timeLabel(row.start - rowMs, rowMs)}) …`,
      );
    out.push(rowLine(row, rowMs, most));
    previous = row.start;
  }
  return out;
}

/** The smallest row size among `candidateRowSizes` that shows the windows in at most `MAX_ROWS` lines. */
function rowSizeFor(size: number, starts: readonly number[]): number {
  const span = starts[starts.length - 1]! - starts[0]! + size;
  const candidates = candidateRowSizes(size, span);
  for (const rowMs of candidates) if (linesShown(starts, rowMs) <= MAX_ROWS) return rowMs;
  // The largest candidate holds the whole span in one or two rows.
  return candidates[candidates.length - 1]!;
}

/**
 * Row sizes to try, smallest first: the window size, then the round sizes it divides. A window
 * size that is not round itself (7m, 90s) also gets its multiples by 2, 5, 10, 20, 50…, as
 * round sizes may be few or far between for it. Past the largest, multiples of that by 2, 5,
 * 10… until one row holds the whole span.
 */
function candidateRowSizes(size: number, span: number): number[] {
  const sizes = new Set([size, ...ROUND_SIZES.filter((round) => round > size && round % size === 0)]);
  if (!ROUND_SIZES.includes(size)) for (let k = 2; k * size < span; k = nextOneTwoFive(k)) sizes.add(k * size);
  const largest = Math.max(...sizes);
  for (let k = 2, next = largest; next < span; k = nextOneTwoFive(k)) {
    next = largest * k;
    sizes.add(next);
  }
  return [...sizes].sort((a, b) => a - b);
}

/** 1 → 2 → 5 → 10 → 20 → 50 → 100… */
function nextOneTwoFive(k: number): number {
  const decade = 10 ** Math.floor(Math.log10(k));
  const lead = Math.round(k / decade);
  return lead === 1 ? 2 * decade : lead === 2 ? 5 * decade : 10 * decade;
}

/** How many lines rows of `rowMs` take: one per row with lines, and one per run of empty rows between them. */
function linesShown(starts: readonly number[], rowMs: number): number {
  let count = 0;
  let previous: number | undefined;
  for (const start of starts) {
    const row = Math.floor(start / rowMs);
    if (row === previous) continue;
    if (previous !== undefined && row - previous > 1) count++;
    count++;
    previous = row;
  }
  return count;
}

/** The windows added up into rows of `rowMs`, in order (`starts` are the windows' starts in ms, sorted as the report sorts them). */
function mergeIntoRows(
  windows: WindowsReport,
  starts: readonly number[],
  rowMs: number,
  pattern: string | undefined,
): Row[] {
  const rows: Row[] = [];
  windows.buckets.forEach((bucket, i) => {
    const start = Math.floor(starts[i]! / rowMs) * rowMs;
    let row = rows[rows.length - 1];
    if (row?.start !== start) rows.push((row = { start, lines: 0, matches: 0 }));
    if (bucket.events !== undefined) {
      row.lines += bucket.events;
      row.matches += pattern === undefined ? 0 : (bucket.matchingEvents?.[pattern] ?? 0);
    } else {
      row.lines += bucket.lines;
      row.matches += pattern === undefined ? 0 : (bucket.matches[pattern] ?? 0);
    }
  });
  return rows;
}

/**
 * A row: its start, its counts, and a bar as long as its lines against the fullest row's,
 * of which the matching lines are ▓. A count above zero always draws at least one mark, and
 * lines that do not match keep one █ when the bar has room for both.
 */
function rowLine({ start, lines, matches }: Row, rowMs: number, most: number): string {
  const width = lines === 0 ? 0 : Math.max(1, Math.round((lines / most) * BAR_WIDTH));
  let marked = matches === 0 ? 0 : Math.min(width, Math.ceil((matches / lines) * width));
  if (matches < lines && marked === width && width > 1) marked--;
  return `  ${timeLabel(start, rowMs)}  ${String(lines).padStart(8)} ${String(matches).padStart(7)}  ${'▓'.repeat(marked)}${'█'.repeat(width - marked)}`.trimEnd();
}

/** A row's start in UTC, to the precision its size needs: `2015-10-18 18:00Z`, `18:00:10Z`, `18:00:00.250Z`. */
function timeLabel(ms: number, rowMs: number): string {
  const iso = new Date(ms).toISOString();
  const length = rowMs % MINUTE === 0 ? 16 : rowMs % SECOND === 0 ? 19 : 23;
  return `${iso.slice(0, 10)} ${iso.slice(11, length)}Z`;
}

/** What the report says of timestamps given a year by syslog's rule. */
function yearAssumedNote({ years, lines, submittedAt }: YearAssumed): string {
  const submitted = new Date(submittedAt).getUTCFullYear();
  const none = `no year in ${lines} ${lines === 1 ? 'timestamp' : 'timestamps'}`;
  if (years.length === 1 && years[0] === submitted) {
    return `${none}: read as ${submitted}, the year the run was submitted (syslog's rule: a date more than a day after the submission would be the year before)`;
  }
  return `${none}: read as ${years.join(' or ')} by syslog's rule: the year the run was submitted (${submitted}), or the year before for a date more than a day after it`;
}

/** A run in which no line had a timestamp: what its lines look like, and how to say where their time is. */
function noTimestamps(windows: WindowsReport): string[] {
  const lines = windows.untimedLines;
  if (lines === 0) return [`windows of ${windows.size}: no lines`];
  const example = windows.untimedExample;
  const out = [
    `windows of ${windows.size}: no timestamp found in ${lines === 1 ? 'the one line' : `any of the ${lines} lines`}${example ? '. The first line:' : ''}`,
  ];
  if (example) {
    out.push(
      `  ${example.text}  (${example.source}${example.line === null ? '' : `:${example.line}`})`,
      `  If it has a time, give its format with --time-format, e.g. --time-format '%d/%m/%Y %H:%M:%S' (fields: ${TIME_FORMAT_FIELDS})`,
    );
  }
  return out;
}
