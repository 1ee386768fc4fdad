import { type PatternCount, emptyPatternCount } from '../matching/counts.js';
import type { StoredDeadRange } from '../contract/dead-range.js';
import { chunkStarts } from './chunk-starts.js';
import {
  RunCounter,
  anyField,
  eventsField,
  patternField,
  readCounter,
  recordField,
  sourceField,
  workerOf,
} from './count-fields.js';
import type { DeadLetteredRange, MatchCounts, RunReport, RunStatus, SourceReport } from './report.js';
import type { RunDefinition } from './run-definition.js';

/**
 * Builds the contract's report from a run's three hashes (the counters named in
 * count-fields.ts). Totals are sums of the per-source figures, so they always agree.
 */
export function assembleReport(
  run: Record<string, string>,
  counts: Record<string, string>,
  dead: Record<string, string>,
  now: number,
  chunkLines: Record<string, string> = {},
): RunReport {
  const definition = JSON.parse(run.definition ?? '{}') as RunDefinition;
  const patterns = definition.patterns ?? [];
  const deadRanges = Object.values(dead).map((json) => JSON.parse(json) as StoredDeadRange);
  const deadLines = new Map(deadRanges.map((range) => [`${range.source}.${range.seq}`, range.lineCount]));
  const startOf = chunkStarts(chunkLines, (source, seq) => deadLines.get(`${source}.${seq}`) ?? null);
  const deadBySource = new Map<number, DeadLetteredRange[]>();
  for (const stored of deadRanges) {
    const { source, seq, ...range } = stored;
    if (range.firstLine === null) range.firstLine = startOf(source, seq);
    deadBySource.set(source, [...(deadBySource.get(source) ?? []), range]);
  }
  const records = definition.records !== undefined;
  // With --multiline, events beside lines: the source's, and per pattern (and `any`) those it matches.
  const events = definition.multiline !== undefined;

  const sources: SourceReport[] = (definition.sources ?? []).map((name, s) => ({
    name,
    bytes: readCounter(counts[sourceField(s, 'bytes')]),
    lines: readCounter(counts[sourceField(s, 'lines')]),
    ...(events ? { events: readCounter(counts[eventsField(s)]) } : {}),
    chunks: readCounter(counts[sourceField(s, 'chunks')]),
    matches: matchCounts(
      patterns.map((spec) => spec.pattern),
      (p) => ({
        lines: readCounter(counts[patternField(s, p, 'lines')]),
        occurrences: readCounter(counts[patternField(s, p, 'occurrences')]),
        ...(events ? { events: readCounter(counts[patternField(s, p, 'events')]) } : {}),
      }),
    ),
    ...(patterns.length > 1
      ? {
          any: {
            lines: readCounter(counts[anyField(s)]),
            ...(events ? { events: readCounter(counts[anyField(s, 'events')]) } : {}),
          },
        }
      : {}),
    ...(records
      ? {
          selectedLines: readCounter(counts[recordField(s, 'selected')]),
          filteredLines: readCounter(counts[recordField(s, 'filtered')]),
          rejectedLines: readCounter(counts[recordField(s, 'rejected')]),
          ...(events ? { selectedEvents: readCounter(counts[recordField(s, 'selectedEvents')]) } : {}),
        }
      : {}),
    deadLettered: (deadBySource.get(s) ?? []).sort((a, b) => a.byteOffset - b.byteOffset),
  }));

  const totalMatches = matchCounts(
    patterns.map((spec) => spec.pattern),
    (p) => {
      const total = emptyPatternCount();
      if (events) total.events = 0;
      for (const source of sources) {
        const count = source.matches[patterns[p]!.pattern]!;
        total.lines += count.lines;
        total.occurrences += count.occurrences;
        if (events) total.events! += count.events ?? 0;
      }
      return total;
    },
  );

  const workers: Record<string, number> = {};
  for (const [field, value] of Object.entries(counts)) {
    const worker = workerOf(field);
    if (worker !== null) setOwn(workers, worker, readCounter(value));
  }

  const startedAt = readCounter(run.startedAt);
  const finishedAt = run.finishedAt ? readCounter(run.finishedAt) : null;
  return {
    runId: run.runId ?? '',
    status: (run.status ?? 'running') as RunStatus,
    patterns,
    totals: {
      bytes: sum(sources, (source) => source.bytes),
      lines: sum(sources, (source) => source.lines),
      ...(events ? { events: sum(sources, (source) => source.events ?? 0) } : {}),
      chunks: sum(sources, (source) => source.chunks),
      chunksDone: readCounter(counts[RunCounter.done]),
      chunksDeadLettered: readCounter(counts[RunCounter.dead]),
      matches: totalMatches,
      ...(patterns.length > 1
        ? {
            any: {
              lines: sum(sources, (source) => source.any?.lines ?? 0),
              ...(events ? { events: sum(sources, (source) => source.any?.events ?? 0) } : {}),
            },
          }
        : {}),
      ...(records
        ? {
            selectedLines: sum(sources, (source) => source.selectedLines ?? 0),
            filteredLines: sum(sources, (source) => source.filteredLines ?? 0),
            rejectedLines: sum(sources, (source) => source.rejectedLines ?? 0),
            ...(events ? { selectedEvents: sum(sources, (source) => source.selectedEvents ?? 0) } : {}),
          }
        : {}),
    },
    sources,
    workers,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: finishedAt === null ? null : new Date(finishedAt).toISOString(),
    durationMs: (finishedAt ?? now) - startedAt,
    ...(run.error ? { error: run.error } : {}),
  };
}

export function matchCounts(names: readonly string[], countOf: (index: number) => PatternCount): MatchCounts {
  const counts: MatchCounts = {};
  names.forEach((name, index) => setOwn(counts, name, countOf(index)));
  return counts;
}

/** Sets an own property whatever the key: assigning `__proto__` would set the prototype instead. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // A plain assignment keeps the object fast (a report may hold a table of many keys).
  if (key !== '__proto__') target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
