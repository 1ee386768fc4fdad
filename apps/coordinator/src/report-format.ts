import { formatInsight } from './insight-format.js';
import { formatRecords } from './records-format.js';
import { formatJoin } from './join-format.js';
import { table } from './text-table.js';
import type { HistogramOptions } from './window-histogram.js';
import { type RunProgress, type RunReport, type SourceReport, formatBytes } from '@logcluster/core';

/** The human report: a headline, one aligned table, and what was not counted; then windows, spikes and top messages, if asked for. */
export function formatReport(report: RunReport, options: HistogramOptions = {}): string {
  const { totals } = report;
  // With --multiline: events beside lines, and per pattern the events it matches.
  const events = totals.events !== undefined;
  const lines = [
    `run ${report.runId}  ${report.status}  in ${formatDuration(report.durationMs)}  ·  ` +
      `${plural(report.sources.length, 'source')}, ${formatBytes(totals.bytes)}, ${plural(totals.lines, 'line')}, ` +
      `${events ? `${plural(totals.events!, 'event')}, ` : ''}${plural(totals.chunks, 'chunk')}`,
  ];
  if (report.error) lines.push(`error: ${report.error}`);
  lines.push('');

  // With -v the lines counted are those that do not match.
  const inverted = report.patterns.some((spec) => spec.invert === true);
  const header = [
    'SOURCE',
    'LINES',
    ...(events ? ['EVENTS'] : []),
    'PATTERN',
    inverted ? 'NON-MATCHING LINES' : 'MATCHING LINES',
    ...(events ? [inverted ? 'NON-MATCHING EVENTS' : 'MATCHING EVENTS'] : []),
    'OCCURRENCES',
  ];
  const rows: string[][] = [];
  const addRows = (name: string, counted: Counted) => {
    report.patterns.forEach((spec, i) => {
      const count = counted.matches[spec.pattern] ?? { lines: 0, occurrences: 0 };
      rows.push([
        i === 0 ? name : '',
        i === 0 ? String(counted.lines) : '',
        ...(events ? [i === 0 ? String(counted.events ?? 0) : ''] : []),
        describePattern(spec),
        String(count.lines),
        ...(events ? [String(count.events ?? 0)] : []),
        String(count.occurrences),
      ]);
    });
    // Several patterns: the lines that match any of them (with -v, none), as grep -c counts them.
    const { any } = counted;
    if (any)
      rows.push([
        '',
        '',
        ...(events ? [''] : []),
        inverted ? '(none of them)' : '(any of them)',
        String(any.lines),
        ...(events ? [String(any.events ?? 0)] : []),
        '–',
      ]);
  };
  const { shown, rest } = sourcesShown(report);
  for (const source of shown) addRows(source.name, source);
  if (rest) addRows(`(${rest.count} more sources)`, rest);
  if (report.sources.length > 1) addRows('total', totals);
  lines.push(
    ...table(header, rows, [false, true, ...(events ? [true] : []), false, true, ...(events ? [true] : []), true]),
  );
  if (rest)
    lines.push(
      `(the ${TABLE_SOURCES} sources with the most ${inverted ? 'non-matching' : 'matching'} lines; --json and --format csv list all ${report.sources.length})`,
    );

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
  lines.push(...formatJoin(report.join));
  lines.push(...formatInsight(report, options));
  const workers = Object.entries(report.workers);
  if (workers.length > 0)
    lines.push('', `workers: ${workers.map(([id, chunks]) => `${id} (${plural(chunks, 'chunk')})`).join(', ')}`);
  return lines.join('\n');
}

/** What a row of the table shows: a source's counts, the rest's sum, or the totals. */
type Counted = Pick<SourceReport, 'lines' | 'events' | 'matches' | 'any'>;

/** `lines 3–7`; what is known when a chunk read from shared storage could not be read. */
export function lineRange(firstLine: number | null, lineCount: number | null): string {
  if (firstLine !== null && lineCount !== null) return `lines ${firstLine}–${firstLine + Math.max(lineCount, 1) - 1}`;
  if (lineCount !== null) return `${plural(lineCount, 'line')}`;
  return 'lines unknown';
}

/** The human table lists this many sources at most; the others are one row. */
export const TABLE_SOURCES = 20;

/**
 * The sources the table lists: all of them, or, when there are more than
 * `TABLE_SOURCES`, those with the most lines counted for the first pattern (then the
 * most lines; in their order on ties), in their order, and the others summed.
 */
function sourcesShown(report: RunReport): {
  shown: readonly SourceReport[];
  rest?: Counted & { count: number };
} {
  const { sources } = report;
  if (sources.length <= TABLE_SOURCES) return { shown: sources };
  const first = report.patterns[0]?.pattern;
  const counted = (source: SourceReport) => (first === undefined ? 0 : (source.matches[first]?.lines ?? 0));
  const ranked = sources
    .map((source, at) => ({ source, at }))
    .sort((a, b) => counted(b.source) - counted(a.source) || b.source.lines - a.source.lines || a.at - b.at);
  const top = new Set(ranked.slice(0, TABLE_SOURCES).map(({ at }) => at));
  const others = sources.filter((_, at) => !top.has(at));
  const events = report.totals.events !== undefined;
  const sum = (value: (source: SourceReport) => number) => others.reduce((total, source) => total + value(source), 0);
  const matches: RunReport['totals']['matches'] = {};
  for (const { pattern } of report.patterns) {
    matches[pattern] = {
      lines: sum((source) => source.matches[pattern]?.lines ?? 0),
      occurrences: sum((source) => source.matches[pattern]?.occurrences ?? 0),
      ...(events ? { events: sum((source) => source.matches[pattern]?.events ?? 0) } : {}),
    };
  }
  const any = others.every((source) => source.any)
    ? {
        lines: sum((source) => source.any!.lines),
        ...(events ? { events: sum((source) => source.any!.events ?? 0) } : {}),
      }
    : undefined;
  return {
    shown: sources.filter((_, at) => top.has(at)),
    rest: {
      count: others.length,
      lines: sum((source) => source.lines),
      ...(events ? { events: sum((source) => source.events ?? 0) } : {}),
      matches,
      ...(any ? { any } : {}),
    },
  };
}

/** One line for `status`. */
export function formatProgress(progress: RunProgress): string {
  const settled = progress.chunksDone + progress.chunksDeadLettered;
  const enqueueing = progress.allEnqueued ? '' : ' (still enqueueing)';
  const dead = progress.chunksDeadLettered > 0 ? `, ${progress.chunksDeadLettered} dead-lettered` : '';
  return (
    `run ${progress.runId}  ${progress.status}  ${settled}/${progress.chunks} chunks settled${enqueueing}${dead}  ·  ` +
    `${formatBytes(progress.bytes)}, ${plural(progress.lines, 'line')} from ${someOf(progress.sources, 3)}  ·  ${formatDuration(progress.durationMs)}` +
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
