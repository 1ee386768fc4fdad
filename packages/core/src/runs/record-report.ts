import { REJECT_EXAMPLES } from '../contract/chunk-findings.js';
import type { PlacedInsight } from '../insight/insight-report.js';
import type { RunRecordSpec } from '../contract/record-spec.js';
import { othersFields, readCounter } from './count-fields.js';
import type { DistinctCount, DistinctCounts, GroupRow, GroupsReport, RejectedReport } from './report.js';
import { matchCounts, setOwn } from './report-assembly.js';

/*
 * The parts of the report that a run's record spec adds: the per-key table, distinct
 * counts and rejects, from what recordResults-10.lua keeps (the table hash, the `others`
 * row's fields of the counts hash, each distinct field's counts hash, the chunks' rejects).
 */

/** What the run keeps of one `--count-distinct` field: `t`, `o` and each key → `n`, or `~n` for an estimate. */
export type StoredDistinct = Record<string, string>;

/**
 * The `groups` of the report, from the table hash (key → `lines p0lines p0occurrences …`,
 * with `events` then `events p0events …`).
 */
export function assembleGroups(
  spec: RunRecordSpec,
  patterns: readonly string[],
  table: Record<string, string>,
  counts: Record<string, string>,
  othersKeys: number,
  distinct: readonly StoredDistinct[],
  events = false,
): GroupsReport {
  // Where a row's event counters start (after lines, and per pattern lines and occurrences).
  const base = 1 + 2 * patterns.length;
  const fields = spec.countDistinct ?? [];
  const rows: { text: string; row: GroupRow }[] = [];
  for (const text in table) {
    const figures = table[text]!.split(' ');
    const row: GroupRow = {
      key: JSON.parse(text) as (string | null)[],
      lines: Number(figures[0] ?? 0),
      ...(events ? { events: Number(figures[base] ?? 0) } : {}),
      matches: matchCounts(patterns, (p) => ({
        lines: Number(figures[1 + 2 * p] ?? 0),
        occurrences: Number(figures[2 + 2 * p] ?? 0),
        ...(events ? { events: Number(figures[base + 1 + p] ?? 0) } : {}),
      })),
    };
    if (fields.length > 0) row.distinct = distinctCounts(fields, distinct, text);
    rows.push({ text, row });
  }
  // Compared as JSON text, by code unit: the same order on every machine and locale.
  rows.sort((a, b) => b.row.lines - a.row.lines || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const keys = rows.map(({ row }) => row);
  const others = othersFields(patterns.length, events).map((field) => readCounter(counts[field]));
  const othersLines = others[0] ?? 0;
  return {
    by: spec.by ?? [],
    distinctKeys: keys.length + othersKeys,
    distinctKeysExact: othersKeys === 0 && othersLines === 0,
    keys,
    others: {
      keys: othersKeys,
      lines: othersLines,
      ...(events ? { events: others[base] ?? 0 } : {}),
      matches: matchCounts(patterns, (p) => ({
        lines: others[1 + 2 * p] ?? 0,
        occurrences: others[2 + 2 * p] ?? 0,
        ...(events ? { events: others[base + 1 + p] ?? 0 } : {}),
      })),
      ...(fields.length > 0 ? { distinct: distinctCounts(fields, distinct, 'o') } : {}),
    },
  };
}

/** `totals.distinct`: per field, its count over all selected lines. */
export function totalDistinct(spec: RunRecordSpec, distinct: readonly StoredDistinct[]): DistinctCounts | undefined {
  const fields = spec.countDistinct ?? [];
  return fields.length > 0 ? distinctCounts(fields, distinct, 't') : undefined;
}

function distinctCounts(fields: readonly string[], distinct: readonly StoredDistinct[], field: string): DistinctCounts {
  const out: DistinctCounts = {};
  fields.forEach((name, f) => setOwn(out, name, distinctCount(distinct[f]?.[field])));
  return out;
}

/** A count as the run keeps it: `n` exact, `~n` an estimate; absent: no value seen, 0. */
function distinctCount(stored: string | undefined): DistinctCount {
  if (stored === undefined) return { count: 0, exact: true };
  const estimate = stored.startsWith('~');
  return { count: Number(estimate ? stored.slice(1) : stored), exact: !estimate };
}

/**
 * `rejected`: the chunks' rejects merged per reason. Each chunk keeps its first few
 * examples (line numbers within it), so the first REJECT_EXAMPLES of all of them in
 * (source, chunk, line) order are the run's first; a chunk's first line is its own
 * (`firstLine`) or, for a chunk read from shared storage, `startOf`'s.
 */
export function assembleRejected(
  lines: number,
  sources: readonly string[],
  chunks: readonly PlacedInsight[],
  startOf: (source: number, seq: number) => number | null,
): RejectedReport {
  const reasons = new Map<string, { lines: number; examples: { source: number; seq: number; line: number }[] }>();
  for (const { source, seq, insight } of chunks) {
    for (const reject of insight.rejects ?? []) {
      let into = reasons.get(reject.reason);
      if (!into) reasons.set(reject.reason, (into = { lines: 0, examples: [] }));
      into.lines += reject.lines;
      for (const line of reject.examples) into.examples.push({ source, seq, line });
    }
  }
  const starts = new Map(chunks.map(({ source, seq, insight }) => [`${source}.${seq}`, insight.firstLine]));
  return {
    lines,
    reasons: [...reasons.entries()]
      .sort(([a, x], [b, y]) => y.lines - x.lines || (a < b ? -1 : a > b ? 1 : 0))
      .map(([reason, { lines: count, examples }]) => ({
        reason,
        lines: count,
        examples: examples
          .sort((a, b) => a.source - b.source || a.seq - b.seq || a.line - b.line)
          .slice(0, REJECT_EXAMPLES)
          .map(({ source, seq, line }) => {
            const first = starts.get(`${source}.${seq}`) ?? startOf(source, seq);
            return { source: sources[source] ?? String(source), line: first === null ? null : first - 1 + line };
          }),
      })),
  };
}
