import { formatInsight } from './insight-format.js';
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

  const header = ['SOURCE', 'LINES', 'PATTERN', 'MATCHING LINES', 'OCCURRENCES'];
  const rows: string[][] = [];
  const addRows = (name: string, lineCount: number, matches: RunReport['totals']['matches']) => {
    report.patterns.forEach((spec, i) => {
      const count = matches[spec.pattern] ?? { lines: 0, occurrences: 0 };
      rows.push([i === 0 ? name : '', i === 0 ? String(lineCount) : '', describePattern(spec), String(count.lines), String(count.occurrences)]);
    });
  };
  for (const source of report.sources) addRows(source.name, source.lines, source.matches);
  if (report.sources.length > 1) addRows('total', totals.lines, totals.matches);
  lines.push(...table(header, rows, [false, true, false, true, true]));

  const dead = report.sources.flatMap((source) => source.deadLettered.map((range) => ({ source: source.name, ...range })));
  if (dead.length > 0) {
    lines.push('', `not counted — ${plural(dead.length, 'chunk')} dead-lettered (see logcluster dlq list):`);
    for (const range of dead) {
      lines.push(`  ${range.source} ${lineRange(range.firstLine, range.lineCount)} (bytes ${range.byteOffset}–${range.byteOffset + range.byteLength - 1}): ${range.reason}`);
    }
  }
  lines.push(...formatInsight(report, options));
  const workers = Object.entries(report.workers);
  if (workers.length > 0) lines.push('', `workers: ${workers.map(([id, chunks]) => `${id} (${plural(chunks, 'chunk')})`).join(', ')}`);
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
  const flags = `${spec.regex ? 'E' : ''}${spec.ignoreCase ? 'i' : ''}`;
  return flags ? `${spec.pattern} (-${flags})` : spec.pattern;
}

export function table(header: string[], rows: string[][], rightAligned: boolean[]): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
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
