import { describe, expect, it } from 'vitest';
import {
  type ChunkCounts,
  type ChunkJobData,
  DEFAULT_MAX_KEYS,
  EXACT_DISTINCT_PER_KEY,
  EXACT_DISTINCT_TOTAL,
  type FileChunkJob,
  type RunRecordSpec,
  chunkRecordSpec,
} from '../src/index.js';
import { PATTERNS, runStoreFixture, storeLineChunks } from './run-store-fixture.js';
import { REJECT_EXAMPLES } from '../src/contract/chunk-findings.js';
import type { RunReport } from '../src/runs/report.js';

/*
 * What recordResults does with the findings of a chunk's fields (ChunkCounts.records),
 * fed as a worker would send them, computed here from synthetic lines; the report must
 * equal a plain reading of the same lines.
 */

const fixture = runStoreFixture('t-records');

/** A synthetic line: selected (with a key, a user and ERRORs), filtered out, or rejected for a reason. */
type Line =
  | { kind: 'selected'; key: (string | null)[]; user?: string; errors: number }
  | { kind: 'filtered' }
  | { kind: 'rejected'; reason: string };

function spec(extra: Partial<RunRecordSpec> = {}): RunRecordSpec {
  return { format: { body: 'json' }, maxKeys: DEFAULT_MAX_KEYS, now: 0, ...extra };
}

/** What a worker's pass over `lines` (one chunk) sends, as ChunkRecordFindings says. */
function findingsOf(lines: readonly Line[], distinct: boolean): ChunkCounts {
  const groups = new Map<string, number[]>();
  const rejects = new Map<string, { lines: number; examples: number[] }>();
  const total = new Set<string>();
  const byKey = new Map<string, Set<string>>();
  let selected = 0;
  let filtered = 0;
  const match = { lines: 0, occurrences: 0 };
  lines.forEach((line, i) => {
    if (line.kind === 'filtered') filtered++;
    else if (line.kind === 'rejected') {
      const into = rejects.get(line.reason) ?? { lines: 0, examples: [] };
      into.lines++;
      if (into.examples.length < REJECT_EXAMPLES) into.examples.push(i + 1);
      rejects.set(line.reason, into);
    } else {
      selected++;
      const key = JSON.stringify(line.key);
      const figures = groups.get(key) ?? [0, 0, 0];
      figures[0]!++;
      if (line.errors > 0) {
        figures[1]!++;
        figures[2]! += line.errors;
        match.lines++;
        match.occurrences += line.errors;
      }
      groups.set(key, figures);
      if (line.user !== undefined) {
        total.add(line.user);
        const values = byKey.get(key) ?? new Set<string>();
        values.add(line.user);
        byKey.set(key, values);
      }
    }
  });
  return {
    bytes: lines.length,
    lines: lines.length,
    matches: [match],
    records: {
      selected,
      filtered,
      rejects: [...rejects.entries()].map(([reason, found]) => ({ reason, ...found })),
      groups: [...groups.entries()],
      ...(distinct
        ? { distinct: [{ total: [...total], byKey: [...byKey.entries()].map(([key, values]) => [key, [...values]]) }] }
        : {}),
    },
  };
}

/** A run whose sources are these lines, cut into chunks of `chunkLines`, stored (one byte per line). */
async function runOf(records: RunRecordSpec | undefined, sources: Line[][], chunkLines: number) {
  const { runId } = await fixture.store.createRun({
    patterns: PATTERNS,
    sources: sources.map((_, s) => `s${s}.log`),
    ...(records ? { records } : {}),
  });
  const stored = await storeLineChunks(fixture.store, runId, records, sources, chunkLines);
  const chunks = stored.map(({ job, lines }) => ({
    job,
    counts: findingsOf(lines, records?.countDistinct !== undefined),
  }));
  return { runId, chunks };
}

/** The key table, rejects and selection as a plain reading of all the lines gives them. */
function plainReading(sources: Line[][]) {
  const keys = new Map<string, { lines: number; errorLines: number; errors: number; users: Set<string> }>();
  const reasons = new Map<string, { lines: number; examples: { source: string; line: number }[] }>();
  let selected = 0;
  let filtered = 0;
  let rejected = 0;
  const users = new Set<string>();
  sources.forEach((lines, s) =>
    lines.forEach((line, i) => {
      if (line.kind === 'filtered') filtered++;
      else if (line.kind === 'rejected') {
        rejected++;
        const into = reasons.get(line.reason) ?? { lines: 0, examples: [] };
        into.lines++;
        if (into.examples.length < REJECT_EXAMPLES) into.examples.push({ source: `s${s}.log`, line: i + 1 });
        reasons.set(line.reason, into);
      } else {
        selected++;
        const key = JSON.stringify(line.key);
        const into = keys.get(key) ?? { lines: 0, errorLines: 0, errors: 0, users: new Set<string>() };
        into.lines++;
        if (line.errors > 0) into.errorLines++;
        into.errors += line.errors;
        if (line.user !== undefined) {
          into.users.add(line.user);
          users.add(line.user);
        }
        keys.set(key, into);
      }
    }),
  );
  return { keys, reasons, selected, filtered, rejected, users };
}

/** Lines of `keys` keys, with ERRORs, filtered and rejected lines among them, the same every run. */
function linesOf(count: number, keys: number, seed = 1): Line[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, (_, i): Line => {
    const r = random();
    if (r < 0.1) return { kind: 'filtered' };
    if (r < 0.15) return { kind: 'rejected', reason: i % 3 === 0 ? 'not JSON' : 'schema: /status must be string' };
    const k = Math.floor(random() * keys);
    return {
      kind: 'selected',
      key: k === 0 ? [null] : [String(k)],
      user: `u${Math.floor(random() * 50)}`,
      errors: random() < 0.3 ? 1 + Math.floor(random() * 3) : 0,
    };
  });
}

async function recordAll(chunks: { job: ChunkJobData; counts: ChunkCounts }[], batch = 1): Promise<void> {
  for (let i = 0; i < chunks.length; i += batch) {
    const some = chunks.slice(i, i + batch);
    await fixture.store.recordResults(
      some.map((chunk) => chunk.job),
      some.map((chunk) => chunk.counts),
      'w1',
    );
  }
}

/** The report's table as the plain reading gives it, with `key` → row. */
function rowsByKey(report: RunReport) {
  return new Map(report.groups!.keys.map((row) => [JSON.stringify(row.key), row]));
}

describe('recording what chunks’ fields gave', () => {
  it('adds up over chunks, sources and batches to a plain reading: selection, keys, distinct values, rejects', async () => {
    const sources = [linesOf(700, 12, 1), linesOf(450, 12, 2)];
    const { runId, chunks } = await runOf(spec({ by: ['status'], countDistinct: ['user'] }), sources, 37);
    // Out of order, several per call.
    await recordAll([...chunks].reverse(), 4);
    await fixture.store.seal(runId, chunks.length);
    const report = await fixture.store.report(runId);
    const plain = plainReading(sources);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({
      lines: 1150,
      selectedLines: plain.selected,
      filteredLines: plain.filtered,
      rejectedLines: plain.rejected,
      distinct: { user: { count: plain.users.size, exact: true } },
    });
    expect(report.totals.selectedLines! + report.totals.filteredLines! + report.totals.rejectedLines!).toBe(1150);
    for (const [s, source] of report.sources.entries()) {
      const own = plainReading([sources[s]!]);
      expect(source).toMatchObject({ selectedLines: own.selected, filteredLines: own.filtered });
    }
    const groups = report.groups!;
    expect(groups).toMatchObject({ by: ['status'], distinctKeys: plain.keys.size, distinctKeysExact: true });
    expect(groups.others).toEqual({
      keys: 0,
      lines: 0,
      matches: { ERROR: { lines: 0, occurrences: 0 } },
      distinct: { user: { count: 0, exact: true } },
    });
    const rows = rowsByKey(report);
    expect(rows.size).toBe(plain.keys.size);
    for (const [key, want] of plain.keys) {
      expect(rows.get(key), key).toEqual({
        key: JSON.parse(key) as unknown,
        lines: want.lines,
        matches: { ERROR: { lines: want.errorLines, occurrences: want.errors } },
        distinct: { user: { count: want.users.size, exact: true } },
      });
    }
    // Lines descending, then the key's JSON text.
    const order = [...plain.keys.entries()]
      .sort(([a, x], [b, y]) => y.lines - x.lines || (a < b ? -1 : 1))
      .map(([key]) => key);
    expect(groups.keys.map((row) => JSON.stringify(row.key))).toEqual(order);
    expect(report.totals.matches.ERROR).toEqual({
      lines: [...plain.keys.values()].reduce((n, key) => n + key.errorLines, 0),
      occurrences: [...plain.keys.values()].reduce((n, key) => n + key.errors, 0),
    });
    // Rejects: exact per reason; the first examples in source and line order, absolute.
    expect(report.rejected!.lines).toBe(plain.rejected);
    expect(report.rejected!.reasons).toEqual(
      [...plain.reasons.entries()]
        .sort(([, x], [, y]) => y.lines - x.lines)
        .map(([reason, found]) => ({ reason, ...found })),
    );
  });

  it('adds a chunk once, whether delivered twice, twice in one call, or counted after being dead-lettered', async () => {
    const sources = [linesOf(200, 5, 3)];
    const { runId, chunks } = await runOf(spec({ by: ['status'], countDistinct: ['user'] }), sources, 50);
    const [a, b, c, d] = chunks;
    await recordAll([a!, a!]);
    await recordAll([b!, b!], 2);
    expect((await fixture.store.recordDeadLetter(c!.job, 'TASK_TIMEOUT: slow')).outcome).toBe('recorded');
    // A delivery that raced the dead-lettering counts it after all, once.
    await recordAll([c!, d!, c!]);
    await recordAll(chunks, chunks.length);
    await fixture.store.seal(runId, chunks.length);
    const report = await fixture.store.report(runId);
    const plain = plainReading(sources);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({ selectedLines: plain.selected, rejectedLines: plain.rejected });
    // Every row whole (no key more, none doubled: lines, matches, distinct), and the totals.
    const rows = rowsByKey(report);
    expect(rows.size).toBe(plain.keys.size);
    for (const [key, want] of plain.keys)
      expect(rows.get(key), key).toEqual({
        key: JSON.parse(key) as (string | null)[],
        lines: want.lines,
        matches: { ERROR: { lines: want.errorLines, occurrences: want.errors } },
        distinct: { user: { count: want.users.size, exact: true } },
      });
    const sum = (pick: (want: { errorLines: number; errors: number }) => number) =>
      [...plain.keys.values()].reduce((total, want) => total + pick(want), 0);
    expect(report.totals.matches.ERROR).toEqual({ lines: sum((w) => w.errorLines), occurrences: sum((w) => w.errors) });
    expect(report.totals.distinct).toEqual({ user: { count: plain.users.size, exact: true } });
    expect(report.rejected!.reasons.map((reason) => reason.lines)).toEqual(
      [...plain.reasons.values()].map((reason) => reason.lines).sort((x, y) => y - x),
    );
  });

  it('past --max-keys: a table of exactly maxKeys rows, each exact, and the rest in others, summed exactly', async () => {
    const sources = [linesOf(3000, 40, 4)];
    const maxKeys = 7;
    const { runId, chunks } = await runOf(spec({ by: ['status'], countDistinct: ['user'], maxKeys }), sources, 100);
    await recordAll(chunks, 3);
    await recordAll(chunks.slice(0, 5));
    await fixture.store.seal(runId, chunks.length);
    const report = await fixture.store.report(runId);
    const plain = plainReading(sources);
    const groups = report.groups!;
    expect(groups.keys).toHaveLength(maxKeys);
    let inTable = 0;
    let errorLines = 0;
    let errors = 0;
    for (const row of groups.keys) {
      const want = plain.keys.get(JSON.stringify(row.key))!;
      expect(row).toEqual({
        key: row.key,
        lines: want.lines,
        matches: { ERROR: { lines: want.errorLines, occurrences: want.errors } },
        distinct: { user: { count: want.users.size, exact: true } },
      });
      inTable += want.lines;
      errorLines += want.errorLines;
      errors += want.errors;
    }
    const othersUsers = new Set<string>();
    const tableKeys = new Set(groups.keys.map((row) => JSON.stringify(row.key)));
    for (const [key, want] of plain.keys) if (!tableKeys.has(key)) want.users.forEach((u) => othersUsers.add(u));
    expect(groups.others).toEqual({
      keys: plain.keys.size - maxKeys, // HyperLogLog: exact at such small counts
      lines: plain.selected - inTable,
      // From the plain reading, not from the report's totals: a double count in both would show.
      matches: {
        ERROR: {
          lines: [...plain.keys.values()].reduce((total, want) => total + want.errorLines, 0) - errorLines,
          occurrences: [...plain.keys.values()].reduce((total, want) => total + want.errors, 0) - errors,
        },
      },
      distinct: { user: { count: othersUsers.size, exact: true } },
    });
    expect(groups.distinctKeys).toBe(plain.keys.size);
    expect(groups.distinctKeysExact).toBe(false);
    // The first chunk's keys came first, heaviest first: it filled the table.
    const firstChunk = chunks[0]!.counts.records!.groups!;
    expect(firstChunk.length).toBeGreaterThan(maxKeys);
    const heaviest = [...firstChunk].sort((x, y) => y[1][0]! - x[1][0]!).slice(0, maxKeys);
    expect(tableKeys).toEqual(new Set(heaviest.map(([key]) => key)));
  });

  it('counts distinct values exactly up to the bound, then estimates them within 5 %', async () => {
    const perKeyOver = EXACT_DISTINCT_PER_KEY * 3;
    const totalOver = EXACT_DISTINCT_TOTAL + 50_000;
    const line = (key: string, user: string): Line => ({ kind: 'selected', key: [key], user, errors: 0 });
    const sources: Line[][] = [
      [
        ...Array.from({ length: EXACT_DISTINCT_PER_KEY }, (_, i) => line('at-bound', `a${i}`)),
        ...Array.from({ length: perKeyOver }, (_, i) => line('over', `b${i % perKeyOver}`)),
        ...Array.from({ length: totalOver - EXACT_DISTINCT_PER_KEY - perKeyOver }, (_, i) => line('many', `c${i}`)),
      ],
    ];
    const { runId, chunks } = await runOf(spec({ by: ['k'], countDistinct: ['user'] }), sources, 20_000);
    await recordAll(chunks);
    const report = await fixture.store.report(runId);
    const rows = rowsByKey(report);
    expect(rows.get('["at-bound"]')!.distinct).toEqual({ user: { count: EXACT_DISTINCT_PER_KEY, exact: true } });
    const over = rows.get('["over"]')!.distinct!.user!;
    expect(over.exact).toBe(false);
    expect(Math.abs(over.count - perKeyOver) / perKeyOver).toBeLessThan(0.05);
    const total = report.totals.distinct!.user!;
    expect(total.exact).toBe(false);
    expect(Math.abs(total.count - totalOver) / totalOver).toBeLessThan(0.05);
    // Converted once: the HyperLogLogs took the sets' place.
    const names = fixture.store.keys.distinct(runId, 0);
    expect(await fixture.client.type(names.total)).toBe('string');
    expect(await fixture.client.type(`${names.perKey}["over"]`)).toBe('string');
    expect(await fixture.client.type(`${names.perKey}["at-bound"]`)).toBe('set');
  }, 60_000);

  it('counts distinct values in total without --by, and exactly below the bound', async () => {
    const sources: Line[][] = [
      Array.from({ length: 900 }, (_, i): Line => ({ kind: 'selected', key: [], user: `u${i % 333}`, errors: 0 })),
    ];
    const { runId, chunks } = await runOf(spec({ countDistinct: ['user'] }), sources, 100);
    // Without --by a worker sends no keys.
    for (const chunk of chunks) {
      delete chunk.counts.records!.groups;
      delete chunk.counts.records!.distinct![0]!.byKey;
    }
    await recordAll(chunks);
    const report = await fixture.store.report(runId);
    expect(report.totals.distinct).toEqual({ user: { count: 333, exact: true } });
    expect(report.groups).toBeUndefined();
  });

  it('gives reject examples their absolute lines in order, a chunk from shared storage placed by the counts before it', async () => {
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['shared.log'], records: spec() });
    const records = chunkRecordSpec(spec());
    const jobOf = (seq: number, byteOffset: number, byteLength: number): FileChunkJob => ({
      v: 1,
      runId,
      source: 0,
      seq,
      byteOffset,
      byteLength,
      path: 'shared.log',
      patterns: PATTERNS,
      records,
    });
    for (const seq of [0, 1, 2]) {
      await fixture.store.storeChunk(runId, 0, { seq, byteOffset: seq * 100, byteLength: 100, lineCount: null });
    }
    const countsOf = (lines: number, rejects: { reason: string; lines: number; examples: number[] }[]) => ({
      bytes: 100,
      lines,
      matches: [{ lines: 0, occurrences: 0 }],
      records: {
        selected: lines - rejects.reduce((n, r) => n + r.lines, 0),
        filtered: 0,
        rejects,
      },
    });
    // The last chunk first: the lines before it are not all counted yet.
    await fixture.store.recordResult(
      jobOf(2, 200, 100),
      countsOf(6, [{ reason: 'not JSON', lines: 4, examples: [1, 2, 5] }]),
      'w',
    );
    let report = await fixture.store.report(runId);
    expect(report.rejected).toEqual({
      lines: 4,
      reasons: [
        {
          reason: 'not JSON',
          lines: 4,
          examples: [
            { source: 'shared.log', line: null },
            { source: 'shared.log', line: null },
            { source: 'shared.log', line: null },
          ],
        },
      ],
    });
    await fixture.store.recordResult(
      jobOf(1, 100, 100),
      countsOf(4, [{ reason: 'not JSON', lines: 1, examples: [4] }]),
      'w',
    );
    await fixture.store.recordResult(jobOf(0, 0, 100), countsOf(5, []), 'w');
    await fixture.store.seal(runId, 3);
    report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({ lines: 15, selectedLines: 10, filteredLines: 0, rejectedLines: 5 });
    expect(report.rejected).toEqual({
      lines: 5,
      reasons: [
        {
          reason: 'not JSON',
          lines: 5,
          // Chunk 1 starts at line 6: its line 4 is line 9; chunk 2 starts at 10.
          examples: [9, 10, 11].map((line) => ({ source: 'shared.log', line })),
        },
      ],
    });
  });

  it('leaves a run without a record spec as it was: no new fields, no new keys', async () => {
    const { runId, chunks } = await runOf(undefined, [linesOf(100, 3, 5)], 30);
    for (const chunk of chunks) delete chunk.counts.records;
    await recordAll(chunks);
    await fixture.store.seal(runId, chunks.length);
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(Object.keys(report).sort()).toEqual(
      ['durationMs', 'finishedAt', 'patterns', 'runId', 'sources', 'startedAt', 'status', 'totals', 'workers'].sort(),
    );
    expect(Object.keys(report.totals).sort()).toEqual(
      ['bytes', 'chunks', 'chunksDeadLettered', 'chunksDone', 'lines', 'matches'].sort(),
    );
    expect(Object.keys(report.sources[0]!).sort()).toEqual(
      ['bytes', 'chunks', 'deadLettered', 'lines', 'matches', 'name'].sort(),
    );
    const keys = await fixture.client.keys(`${fixture.store.keys.run(runId)}*`);
    expect(keys.sort()).toEqual(
      [fixture.store.keys.run(runId), fixture.store.keys.counts(runId), fixture.store.keys.chunkStates(runId)].sort(),
    );
  });
});
