import type { RunReport } from '@logcluster/core';
import { type TableFormat, delimitedText } from './delimited-text.js';

/**
 * The header of `--format csv|tsv`. Scripts address columns by these names: they stay,
 * and new columns are only ever added at the end.
 */
export const REPORT_TABLE_COLUMNS = ['source', 'lines', 'bytes', 'pattern', 'matching_lines', 'occurrences'] as const;

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
      ];
    }),
  );
  return delimitedText([REPORT_TABLE_COLUMNS, ...rows], format);
}
