import type { RunReport, SourceReport } from '@logcluster/core';
import { describe, expect, it } from 'vitest';
import { REPORT_TABLE_COLUMNS, formatReportTable } from '../src/report-table.js';

function source(name: string, lines: number, bytes: number, matches: SourceReport['matches']): SourceReport {
  return { name, bytes, lines, chunks: 1, matches, deadLettered: [] };
}

const report: RunReport = {
  runId: 'r-test',
  status: 'completed',
  patterns: [
    { pattern: 'ERROR', regex: false, ignoreCase: false },
    { pattern: 'say "hi",\tok', regex: false, ignoreCase: false },
  ],
  totals: { bytes: 30, lines: 6, chunks: 2, chunksDone: 2, chunksDeadLettered: 0, matches: {} },
  sources: [
    source('plain.log', 4, 20, { ERROR: { lines: 2, occurrences: 3 }, 'say "hi",\tok': { lines: 1, occurrences: 1 } }),
    source('odd,\\name\r\n.log', 2, 10, {
      ERROR: { lines: 0, occurrences: 0 },
      'say "hi",\tok': { lines: 2, occurrences: 4 },
    }),
  ],
  workers: {},
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
};

describe('the report as a table for scripts', () => {
  it('has stable column names', () => {
    expect(REPORT_TABLE_COLUMNS).toEqual(['source', 'lines', 'bytes', 'pattern', 'matching_lines', 'occurrences']);
  });

  it('as CSV: one row per source and pattern, no total row, fields quoted as RFC 4180 says', () => {
    expect(formatReportTable(report, 'csv')).toBe(
      'source,lines,bytes,pattern,matching_lines,occurrences\n' +
        'plain.log,4,20,ERROR,2,3\n' +
        'plain.log,4,20,"say ""hi"",\tok",1,1\n' +
        '"odd,\\name\r\n.log",2,10,ERROR,0,0\n' +
        '"odd,\\name\r\n.log",2,10,"say ""hi"",\tok",2,4\n',
    );
  });

  it('as TSV: tabs, newlines, carriage returns and backslashes escaped with a backslash', () => {
    expect(formatReportTable(report, 'tsv')).toBe(
      'source\tlines\tbytes\tpattern\tmatching_lines\toccurrences\n' +
        'plain.log\t4\t20\tERROR\t2\t3\n' +
        'plain.log\t4\t20\tsay "hi",\\tok\t1\t1\n' +
        'odd,\\\\name\\r\\n.log\t2\t10\tERROR\t0\t0\n' +
        'odd,\\\\name\\r\\n.log\t2\t10\tsay "hi",\\tok\t2\t4\n',
    );
  });

  it('an empty source still has its rows, with zeros', () => {
    const empty: RunReport = { ...report, patterns: [report.patterns[0]!], sources: [source('-', 0, 0, {})] };
    expect(formatReportTable(empty, 'csv')).toBe(
      'source,lines,bytes,pattern,matching_lines,occurrences\n-,0,0,ERROR,0,0\n',
    );
  });
});
