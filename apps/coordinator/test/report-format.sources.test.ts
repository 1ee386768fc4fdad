import type { RunReport, SourceReport } from '@logcluster/core';
import { describe, expect, it } from 'vitest';
import { TABLE_SOURCES, formatProgress, formatReport } from '../src/report-format.js';

function source(name: string, lines: number, errors: number, warns: number): SourceReport {
  return {
    name,
    bytes: lines * 10,
    lines,
    chunks: 1,
    matches: { ERROR: { lines: errors, occurrences: errors * 2 }, WARN: { lines: warns, occurrences: warns } },
    any: { lines: errors + warns },
    deadLettered: [],
  };
}

/** A run of `count` sources: source i has i % 7 ERROR lines, 100 + i lines, and one WARN line. */
function runOf(count: number): RunReport {
  const sources = Array.from({ length: count }, (_, i) => source(`s${i}.log`, 100 + i, i % 7, 1));
  const sum = (pick: (source: SourceReport) => number) => sources.reduce((total, s) => total + pick(s), 0);
  return {
    runId: 'r-many',
    status: 'completed',
    patterns: [
      { pattern: 'ERROR', regex: false, ignoreCase: false },
      { pattern: 'WARN', regex: false, ignoreCase: false },
    ],
    totals: {
      bytes: sum((s) => s.bytes),
      lines: sum((s) => s.lines),
      chunks: count,
      chunksDone: count,
      chunksDeadLettered: 0,
      matches: {
        ERROR: { lines: sum((s) => s.matches.ERROR!.lines), occurrences: sum((s) => s.matches.ERROR!.occurrences) },
        WARN: { lines: sum((s) => s.matches.WARN!.lines), occurrences: sum((s) => s.matches.WARN!.occurrences) },
      },
      any: { lines: sum((s) => s.any!.lines) },
    },
    sources,
    workers: { 'w:1': count },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
  };
}

/** The table's rows, as [source, lines, pattern, matching lines, occurrences] cells. */
function rows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('SOURCE'));
  const end = lines.findIndex((line, at) => at > start && !/\S/.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end).map((line) => line.trim().split(/\s{2,}/));
}

describe('the human report of a run of many sources', () => {
  it(`lists every source when there are ${TABLE_SOURCES} or fewer`, () => {
    const text = formatReport(runOf(TABLE_SOURCES));
    const named = rows(text).filter((cells) => /^s\d+\.log$/.test(cells[0]!));
    expect(named.map((cells) => cells[0])).toEqual(Array.from({ length: TABLE_SOURCES }, (_, i) => `s${i}.log`));
    expect(text).not.toMatch(/more sources/);
  });

  it('lists the sources with the most lines counted, in their order, sums the rest in one row, and says so', () => {
    const report = runOf(1_000);
    const text = formatReport(report);
    const table = rows(text);
    const named = table.filter((cells) => /^s\d+\.log$/.test(cells[0]!)).map((cells) => cells[0]!);
    // The 6s (i % 7 === 6) have the most ERROR lines; of them, the longest (the last) come first.
    const expected = report.sources
      .filter((s) => s.matches.ERROR!.lines === 6)
      .sort((a, b) => b.lines - a.lines)
      .slice(0, TABLE_SOURCES)
      .map((s) => s.name);
    expect(new Set(named)).toEqual(new Set(expected));
    expect(named).toEqual([...named].sort((a, b) => Number(a.slice(1, -4)) - Number(b.slice(1, -4))));

    const restAt = table.findIndex((cells) => cells[0] === `(${1_000 - TABLE_SOURCES} more sources)`);
    expect(restAt).toBeGreaterThan(0);
    const others = report.sources.filter((s) => !expected.includes(s.name));
    const sum = (pick: (s: SourceReport) => number) => String(others.reduce((total, s) => total + pick(s), 0));
    expect(table[restAt]).toEqual([
      `(${1_000 - TABLE_SOURCES} more sources)`,
      sum((s) => s.lines),
      'ERROR',
      sum((s) => s.matches.ERROR!.lines),
      sum((s) => s.matches.ERROR!.occurrences),
    ]);
    expect(table[restAt + 1]).toEqual([
      'WARN',
      sum((s) => s.matches.WARN!.lines),
      sum((s) => s.matches.WARN!.occurrences),
    ]);
    expect(table[restAt + 2]).toEqual(['(any of them)', sum((s) => s.any!.lines), '–']);
    expect(table[restAt + 3]![0]).toBe('total');
    expect(table[restAt + 3]![1]).toBe(String(report.totals.lines));
    expect(text).toContain(
      `(the ${TABLE_SOURCES} sources with the most matching lines; --json and --format csv list all 1000)`,
    );
  });

  it('status names a few of the sources, and how many more', () => {
    const line = formatProgress({
      runId: 'r-many',
      status: 'running',
      patterns: [{ pattern: 'ERROR', regex: false, ignoreCase: false }],
      allEnqueued: true,
      chunks: 10,
      chunksDone: 4,
      chunksDeadLettered: 0,
      bytes: 100,
      bytesSettled: 40,
      lines: 10,
      sources: Array.from({ length: 5_000 }, (_, i) => `s${i}.log`),
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: null,
      durationMs: 1000,
    });
    expect(line).toContain('from s0.log, s1.log, s2.log +4997 more');
  });
});
