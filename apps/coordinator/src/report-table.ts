import type { RunReport } from '@logcluster/core';
import { type TableFormat, delimitedText } from './delimited-text.js';

/**
 * The header of `--format csv|tsv`. Scripts address columns by these names: they stay,
 * and new columns are only ever added at the end.
 */
export const REPORT_TABLE_COLUMNS = ['source', 'lines', 'bytes', 'pattern', 'matching_lines', 'occurrences'] as const;

/** The columns added with `--multiline`: the source's events, and those the row's pattern matches. */
export const EVENT_COLUMNS = ['events', 'matching_events'] as const;

/**
 * The report's per-source counts as a table for scripts: one row per source and pattern,
 * in the order they were given (`matching_lines` is what `grep -c` prints,
 * `occurrences` what `grep -o | wc -l` prints).
 *
 * There is no total row: the report's totals are exactly the sums of these rows, a
 * script that sums a column would count a total row twice, and no source name could
 * mark it that a file could not also be called.
 */
export function formatReportTable(report: RunReport, format: TableFormat): string {
  if (report.groups) return formatKeyTable(report, report.groups, format);
  // With --multiline, two columns at the end: the source's events and those the pattern matches.
  const events = report.totals.events !== undefined;
  const rows = report.sources.flatMap((source) =>
    report.patterns.map(({ pattern }) => {
      const count = Object.hasOwn(source.matches, pattern) ? source.matches[pattern]! : { lines: 0, occurrences: 0 };
      return [
        source.name,
        String(source.lines),
        String(source.bytes),
        pattern,
        String(count.lines),
        String(count.occurrences),
        ...(events ? [String(source.events ?? 0), String(count.events ?? 0)] : []),
      ];
    }),
  );
  const header = events ? [...REPORT_TABLE_COLUMNS, ...EVENT_COLUMNS] : REPORT_TABLE_COLUMNS;
  return delimitedText([header, ...rows], format);
}

/**
 * With `--by`, the whole key table: a header `row,<by fields…>,lines,pattern,
 * matching_lines,occurrences` (then `distinct_<field>,distinct_<field>_exact` per
 * `--count-distinct` field; with `--multiline`, `events,matching_events`), one row per key and pattern in the report's order, then
 * the `others` row (`row` says which; its key cells are null). A missing field's value
 * (the key null) is a null cell: in CSV an empty field, the empty text being `""`; in TSV
 * `\N` (see delimited-text.ts).
 */
function formatKeyTable(report: RunReport, groups: NonNullable<RunReport['groups']>, format: TableFormat): string {
  const distinctFields = Object.keys(report.totals.distinct ?? {});
  // With --multiline, the two event columns at the end, as in the per-source table.
  const events = groups.others.events !== undefined;
  const header = [
    'row',
    ...groups.by,
    'lines',
    'pattern',
    'matching_lines',
    'occurrences',
    ...distinctFields.flatMap((field) => [`distinct_${field}`, `distinct_${field}_exact`]),
    ...(events ? EVENT_COLUMNS : []),
  ];
  type Row = Pick<NonNullable<RunReport['groups']>['keys'][number], 'lines' | 'events' | 'matches' | 'distinct'>;
  const rowsOf = (kind: string, key: (string | null)[], item: Row): (string | null)[][] =>
    report.patterns.map(({ pattern }) => {
      const count = Object.hasOwn(item.matches, pattern) ? item.matches[pattern]! : { lines: 0, occurrences: 0 };
      return [
        kind,
        ...key,
        String(item.lines),
        pattern,
        String(count.lines),
        String(count.occurrences),
        ...distinctFields.flatMap((field) => {
          const distinct = item.distinct?.[field];
          return distinct ? [String(distinct.count), String(distinct.exact)] : [null, null];
        }),
        ...(events ? [String(item.events ?? 0), String(count.events ?? 0)] : []),
      ];
    });
  const rows = groups.keys.flatMap((item) => rowsOf('key', item.key, item));
  // The others row has no key: its key cells are null.
  if (groups.others.keys > 0 || groups.others.lines > 0)
    rows.push(
      ...rowsOf(
        'others',
        groups.by.map(() => null),
        groups.others,
      ),
    );
  return delimitedText([header, ...rows], format);
}
