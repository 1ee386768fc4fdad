import { formatInsight } from './insight-format.js';
import { formatRecords } from './records-format.js';
import { table } from './text-table.js';
import type { HistogramOptions } from './window-histogram.js';
import { type RunProgress, type RunReport, formatBytes } from '@logcluster/core';

/** The human report: a headline, one aligned table, and what was not counted; then windows, spikes and top messages, if asked for. */
export function formatReport(report: RunReport, options: HistogramOptions = {}): string {
  const { totals } = report;
  const lines = [
    `run ${report.runId}  ${report.status}  in ${formatDuration(report.durationMs)}  ·  ` +
      `${plural(report.sources.length, 'source')}, ${formatBytes(totals.bytes)}, ${plural(totals.lines, 'line')}, ${plural(totals.chunks, 'chunk')}`,
  ];
  if (report.error) lines.push(`error: ${report.error}`);
  lines.push('');

  // With -v the lines counted are those that do not match.
  const inverted = report.patterns.some((spec) => spec.invert === true);
  const header = ['SOURCE', 'LINES', 'PATTERN', inverted ? 'NON-MATCHING LINES' : 'MATCHING LINES', 'OCCURRENCES'];
  const rows: string[][] = [];
  const addRows = (
    name: string,
    lineCount: number,
    matches: RunReport['totals']['matches'],
    any: { lines: number } | undefined,
  ) => {
    report.patterns.forEach((spec, i) => {
      const count = matches[spec.pattern] ?? { lines: 0, occurrences: 0 };
      rows.push([
        i === 0 ? name : '',
        i === 0 ? String(lineCount) : '',
        describePattern(spec),
        String(count.lines),
        String(count.occurrences),
      ]);
    });
    // Several patterns: the lines that match any of them (with -v, none), as grep -c counts them.
    if (any) rows.push(['', '', inverted ? '(none of them)' : '(any of them)', String(any.lines), '–']);
  };
  for (const source of report.sources) addRows(source.name, source.lines, source.matches, source.any);
  if (report.sources.length > 1) addRows('total', totals.lines, totals.matches, totals.any);
  lines.push(...table(header, rows, [false, true, false, true, true]));

  const dead = report.sources.flatMap((source) =>
    source.deadLettered.map((range) => ({ source: source.name, ...range })),
  );
  if (dead.length > 0) {
    lines.push('', `not counted — ${plural(dead.length, 'chunk')} dead-lettered (see logcluster dlq list):`);
    for (const range of dead) {
      lines.push(
        `  ${range.source} ${lineRange(range.firstLine, range.lineCount)} (bytes ${range.byteOffset}–${range.byteOffset + range.byteLength - 1}): ${range.reason}`,
      );
    }
  }
  lines.push(...formatRecords(report));
  lines.push(...formatInsight(report, options));
  const workers = Object.entries(report.workers);
  if (workers.length > 0)
    lines.push('', `workers: ${workers.map(([id, chunks]) => `${id} (${plural(chunks, 'chunk')})`).join(', ')}`);
  return lines.join('\n');
}

/** `lines 3–7`; what is known when a chunk read from shared storage could not be read. */
export function lineRange(firstLine: number | null, lineCount: number | null): string {
  if (firstLine !== null && lineCount !== null) return `lines ${firstLine}–${firstLine + Math.max(lineCount, 1) - 1}`;
  if (lineCount !== null) return `${plural(lineCount, 'line')}`;
  return 'lines unknown';
}

/** One line for `status`. */
export function formatProgress(progress: RunProgress): string {
  const settled = progress.chunksDone + progress.chunksDeadLettered;
  const enqueueing = progress.allEnqueued ? '' : ' (still enqueueing)';
  const dead = progress.chunksDeadLettered > 0 ? `, ${progress.chunksDeadLettered} dead-lettered` : '';
  return (
    `run ${progress.runId}  ${progress.status}  ${settled}/${progress.chunks} chunks settled${enqueueing}${dead}  ·  ` +
    `${formatBytes(progress.bytes)}, ${plural(progress.lines, 'line')} from ${progress.sources.join(', ')}  ·  ${formatDuration(progress.durationMs)}` +
    (progress.error ? `\nerror: ${progress.error}` : '')
  );
}

function describePattern(spec: RunReport['patterns'][number]): string {
  const flags = `${spec.regex ? 'E' : ''}${spec.ignoreCase ? 'i' : ''}${spec.wholeWord ? 'w' : ''}${spec.wholeLine ? 'x' : ''}${spec.invert ? 'v' : ''}`;
  return flags ? `${spec.pattern} (-${flags})` : spec.pattern;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Patterns on one line, flags as in the report: `ERROR, "timed out" (-i)`. */
export function describePatterns(patterns: RunReport['patterns']): string {
  return patterns.map((spec) => describePattern({ ...spec, pattern: quotedIfNeeded(spec.pattern) })).join(', ');
}

/** The first `shown` names, then how many more there are: `a.log, b.log, c.log +2 more`. */
export function someOf(names: readonly string[], shown: number): string {
  const listed = names.slice(0, shown).map(quotedIfNeeded).join(', ');
  return names.length > shown ? `${listed} +${names.length - shown} more` : listed;
}

/** A name as JSON would write it when a list separated by commas and spaces would blur it (empty, blanks, commas, quotes, control characters). */
function quotedIfNeeded(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name === '' || /[\s,"\u0000-\u001f]/.test(name) ? JSON.stringify(name) : name;
}
