import { type RunReport, TIME_FORMAT_FIELDS, type WindowsReport, type YearAssumed, parseDuration } from '@logcluster/core';

/** Rows of the histogram, at most: longer spans are shown with several windows to a row. */
const MAX_ROWS = 48;
const BAR_WIDTH = 40;

/** The human form of windows, spikes and top messages; empty when the run asked for none. */
export function formatInsight(report: RunReport): string[] {
  const lines: string[] = [];
  const patterns = report.patterns.map((spec) => spec.pattern);
  if (report.windows) lines.push('', ...histogram(report, patterns));
  if (report.spikes) {
    lines.push('', report.spikes.length === 0 ? 'spikes: none' : `spikes (${report.spikes.length}):`);
    for (const spike of report.spikes) {
      lines.push(`  ${shortTime(spike.start)}  ${spike.pattern}: ${spike.count} lines, against ${spike.baseline} on average before`);
    }
  }
  if (report.topMessages) {
    for (const pattern of patterns) {
      const top = report.topMessages[pattern] ?? [];
      lines.push('', `top messages for ${pattern}${top.length === 0 ? ': none' : ':'}`);
      for (const message of top) {
        const where = message.firstLine === null ? message.source : `${message.source}:${message.firstLine}${message.lastLine !== message.firstLine ? `–${message.lastLine}` : ''}`;
        lines.push(`  ${String(message.count).padStart(8)}  ${message.template}`, `            e.g. ${truncate(message.example, 160)}  (${where})`);
      }
      const ungrouped = report.ungroupedLines?.[pattern];
      if (ungrouped) lines.push(`  (${ungrouped} matching lines not grouped: too many distinct messages in a chunk)`);
    }
  }
  return lines;
}

/** Lines per window (and the first pattern's matching lines) as bars. */
function histogram(report: RunReport, patterns: string[]): string[] {
  const windows = report.windows!;
  if (windows.buckets.length === 0) return noTimestamps(windows);
  const header = `windows of ${windows.size}` + (windows.untimedLines > 0 ? ` (${windows.untimedLines} ${windows.untimedLines === 1 ? 'line' : 'lines'} before any timestamp)` : '');
  const size = parseDuration(windows.size, 'window size');
  const first = Date.parse(windows.buckets[0]!.start);
  const last = Date.parse(windows.buckets[windows.buckets.length - 1]!.start);
  const span = Math.round((last - first) / size) + 1;
  const perRow = Math.max(1, Math.ceil(span / MAX_ROWS));
  const rows = new Map<number, { lines: number; matches: number }>();
  const [pattern] = patterns;
  for (const bucket of windows.buckets) {
    const row = first + Math.floor((Date.parse(bucket.start) - first) / size / perRow) * perRow * size;
    const into = rows.get(row) ?? { lines: 0, matches: 0 };
    into.lines += bucket.lines;
    into.matches += pattern === undefined ? 0 : (bucket.matches[pattern] ?? 0);
    rows.set(row, into);
  }
  const most = Math.max(...[...rows.values()].map((row) => row.lines));
  const out = [`${header}${perRow > 1 ? `, ${perRow} to a row` : ''}; █ lines, ▓ ${pattern ?? ''}:`];
  if (windows.yearAssumed) out.push(`  ${yearAssumedNote(windows.yearAssumed)}`);
  for (let row = first; row <= last; row += perRow * size) {
    const { lines, matches } = rows.get(row) ?? { lines: 0, matches: 0 };
    const width = Math.round((lines / most) * BAR_WIDTH);
    const marked = lines === 0 ? 0 : Math.min(width, Math.ceil((matches / lines) * width));
    out.push(`  ${shortTime(new Date(row).toISOString())}  ${String(lines).padStart(8)} ${String(matches).padStart(7)}  ${'▓'.repeat(marked)}${'█'.repeat(width - marked)}`);
  }
  return out;
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
  const out = [`windows of ${windows.size}: no timestamp found in ${lines === 1 ? 'the one line' : `any of the ${lines} lines`}${windows.untimedExample ? '. The first line:' : ''}`];
  const example = windows.untimedExample;
  if (example) {
    out.push(
      `  ${example.text}  (${example.source}${example.line === null ? '' : `:${example.line}`})`,
      `  If it has a time, give its format with --time-format, e.g. --time-format '%d/%m/%Y %H:%M:%S' (fields: ${TIME_FORMAT_FIELDS})`,
    );
  }
  return out;
}

/** `2015-10-18 18:06:00` (UTC). */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.000Z$/, 'Z');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
