import { describe, expect, it } from 'vitest';
import {
  type ChunkCounts,
  DEFAULT_MAX_KEYS,
  type FileChunkJob,
  type RunRecordSpec,
  chunkRecordSpec,
} from '../src/index.js';
import { type LineChunk, PATTERNS, runStoreFixture, storeLineChunks } from './run-store-fixture.js';

/*
 * Crossings of --notify-over as recordResults-10.lua finds them, from a chunk's findings
 * as a worker sends them (groups with lastLines), against a plain reading of the same
 * lines replayed chunk by chunk in the order they were recorded.
 */

const fixture = runStoreFixture('t-crossings');

/** A line: selected with a key, or filtered out (null). */
type Line = string | null;

function spec(extra: Partial<RunRecordSpec> = {}): RunRecordSpec {
  return { format: { body: 'json' }, by: ['k'], maxKeys: DEFAULT_MAX_KEYS, now: 0, ...extra };
}

function keyText(key: string): string {
  return JSON.stringify([key]);
}

/** What a worker's pass over one chunk's lines sends, with each key's last line when `lastLines`. */
function findingsOf(lines: readonly Line[], lastLines: boolean): ChunkCounts {
  const groups = new Map<string, number[]>();
  const last = new Map<string, number>();
  let selected = 0;
  lines.forEach((line, i) => {
    if (line === null) return;
    selected++;
    const row = groups.get(keyText(line)) ?? [0, 0, 0];
    row[0]!++;
    groups.set(keyText(line), row);
    last.set(keyText(line), i + 1);
  });
  return {
    bytes: lines.length,
    lines: lines.length,
    matches: [{ lines: 0, occurrences: 0 }],
    records: {
      selected,
      filtered: lines.length - selected,
      rejects: [],
      groups: [...groups.entries()],
      ...(lastLines ? { lastLines: [...groups.keys()].map((key) => last.get(key)!) } : {}),
    },
  };
}

/** Lines of a few keys, some much more frequent than others, with filtered lines among them. */
function linesOf(count: number, seed: number): Line[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () => {
    const r = random();
    if (r < 0.1) return null;
    // Key k has weight 1/(k+1): k0 crosses early, k7 perhaps never.
    return `k${Math.min(7, Math.floor(1 / random()) - 1)}`;
  });
}

interface Chunk extends LineChunk<Line> {
  counts: ChunkCounts;
}

async function runOf(records: RunRecordSpec, sources: Line[][], chunkLines: number) {
  const { runId } = await fixture.store.createRun({
    patterns: PATTERNS,
    sources: sources.map((_, s) => `s${s}.log`),
    records,
  });
  const stored = await storeLineChunks(fixture.store, runId, records, sources, chunkLines);
  const chunks: Chunk[] = stored.map((chunk) => ({
    ...chunk,
    counts: findingsOf(chunk.lines, records.notifyOver !== undefined),
  }));
  return { runId, chunks };
}

/** The crossings a plain reading gives, the chunks taken in the order given (keys in the table only). */
function plainCrossings(chunks: readonly Chunk[], n: number, inTable: (key: string) => boolean) {
  const counts = new Map<string, number>();
  const crossings = new Map<string, { count: number; source: string; line: number }>();
  for (const chunk of chunks) {
    const last = new Map<string, number>();
    chunk.lines.forEach((key, i) => {
      if (key === null) return;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      last.set(key, chunk.firstLine + i);
    });
    for (const [key, line] of last) {
      const count = counts.get(key)!;
      const before = count - chunk.lines.filter((k) => k === key).length;
      if (inTable(key) && before <= n && count > n) crossings.set(key, { count, source: `s${chunk.source}.log`, line });
    }
  }
  return crossings;
}

async function record(chunks: readonly Chunk[], batch: number): Promise<void> {
  for (let i = 0; i < chunks.length; i += batch) {
    const some = chunks.slice(i, i + batch);
    await fixture.store.recordResults(
      some.map((c) => c.job),
      some.map((c) => c.counts),
      'w1',
    );
  }
}

describe('--notify-over crossings', () => {
  for (const [chunkLines, batch] of [
    [7, 1],
    [50, 3],
    [1000, 2],
  ] as const) {
    it(`finds each crossing once, at the chunk that took the key past n (chunks of ${chunkLines} lines, ${batch} per call), a second delivery adding nothing`, async () => {
      const n = 40;
      const sources = [linesOf(900, 3), linesOf(400, 11)];
      const { runId, chunks } = await runOf(spec({ notifyOver: n }), sources, chunkLines);
      // Recorded out of order (every third chunk first), as several workers would.
      const order = [...chunks.filter((_, i) => i % 3 === 2), ...chunks.filter((_, i) => i % 3 !== 2)];
      const countBefore = await fixture.store.crossingCount();
      await record(order, batch);
      await record(order, batch);
      await record(chunks.slice(0, 5), 1);
      await fixture.store.seal(runId, chunks.length);
      const report = await fixture.store.report(runId);
      expect(report.status).toBe('completed');
      const want = plainCrossings(order, n, () => true);
      expect(want.size).toBeGreaterThan(2);
      const got = report.crossings!;
      expect(got).toHaveLength(want.size);
      for (const crossing of got) {
        const [key] = crossing.key as [string];
        expect({ count: crossing.count, source: crossing.source, line: crossing.line }).toEqual(want.get(key));
        // The line holds the key.
        const s = Number(crossing.source.slice(1, -4));
        expect(sources[s]![crossing.line! - 1]).toBe(key);
        expect(Number.isNaN(Date.parse(crossing.at))).toBe(false);
      }
      // Every key with more than n lines crossed, and no other.
      const totals = new Map<string, number>();
      for (const key of sources.flat()) if (key !== null) totals.set(key, (totals.get(key) ?? 0) + 1);
      expect(new Set(got.map((c) => c.key[0]))).toEqual(
        new Set([...totals].filter(([, lines]) => lines > n).map(([key]) => key)),
      );
      // Sorted by `at`, then key.
      const sorted = [...got].sort(
        (a, b) => Date.parse(a.at) - Date.parse(b.at) || (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1),
      );
      expect(got).toEqual(sorted);
      expect((await fixture.store.crossings(runId)).map((c) => c.key)).toEqual(got.map((c) => c.key));
      expect((await fixture.store.crossingCount()) - countBefore).toBe(want.size);
    });
  }

  it('in file order, the key has more than n lines up to the line of its crossing', async () => {
    const n = 25;
    const lines = linesOf(600, 5);
    const { runId, chunks } = await runOf(spec({ notifyOver: n }), [lines], 33);
    await record(chunks, 1);
    const report = await fixture.store.report(runId);
    expect(report.crossings!.length).toBeGreaterThan(2);
    for (const { key, line, count } of report.crossings!) {
      expect(count).toBeGreaterThan(n);
      const upTo = lines.slice(0, line!).filter((k) => k === key[0]).length;
      expect(upTo).toBe(count);
      expect(upTo).toBeGreaterThan(n);
    }
  });

  it('a key past --max-keys (in the others row) never crosses', async () => {
    const n = 10;
    const lines = linesOf(800, 7);
    const { runId, chunks } = await runOf(spec({ notifyOver: n, maxKeys: 2 }), [lines], 100);
    await record(chunks, 1);
    const report = await fixture.store.report(runId);
    const table = new Set(report.groups!.keys.map((row) => row.key[0]));
    expect(table.size).toBe(2);
    expect(report.groups!.others.lines).toBeGreaterThan(n);
    const want = plainCrossings(chunks, n, (key) => table.has(key));
    expect(new Set(report.crossings!.map((c) => c.key[0]))).toEqual(new Set(want.keys()));
    for (const crossing of report.crossings!) expect(table.has(crossing.key[0])).toBe(true);
  });

  it('places a crossing in a chunk from shared storage once the chunks before it are counted', async () => {
    const records = spec({ notifyOver: 3 });
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['shared.log'], records });
    const jobOf = (seq: number): FileChunkJob => ({
      v: 1,
      runId,
      source: 0,
      seq,
      byteOffset: seq * 100,
      byteLength: 100,
      path: 'shared.log',
      patterns: PATTERNS,
      records: chunkRecordSpec(records),
    });
    for (const seq of [0, 1]) {
      await fixture.store.storeChunk(runId, 0, { seq, byteOffset: seq * 100, byteLength: 100, lineCount: null });
    }
    const first: Line[] = ['a', null, 'b', 'a', null];
    const second: Line[] = ['a', 'a', 'a', 'a', 'b', null];
    await fixture.store.recordResult(jobOf(1), findingsOf(second, true), 'w');
    let report = await fixture.store.report(runId);
    expect(report.crossings!.map(({ key, count, source, line }) => ({ key, count, source, line }))).toEqual([
      { key: ['a'], count: 4, source: 'shared.log', line: null },
    ]);
    await fixture.store.recordResult(jobOf(0), findingsOf(first, true), 'w');
    report = await fixture.store.report(runId);
    // Chunk 1 starts at line 6: its line 4 is line 9. `a` got no second crossing from chunk 0.
    expect(report.crossings!.map(({ key, count, line }) => ({ key, count, line }))).toEqual([
      { key: ['a'], count: 4, line: 9 },
    ]);
    expect((await fixture.store.crossings(runId)).map((c) => c.line)).toEqual([9]);
  });

  it('a run without --notify-over has no crossings, and counts none', async () => {
    const countBefore = await fixture.store.crossingCount();
    const { runId, chunks } = await runOf(spec(), [linesOf(300, 2)], 50);
    await record(chunks, 2);
    const report = await fixture.store.report(runId);
    expect(report.crossings).toBeUndefined();
    expect(report.groups!.keys.length).toBeGreaterThan(0);
    expect(await fixture.store.crossingCount()).toBe(countBefore);
    expect(await fixture.client.exists(fixture.store.keys.crossings(runId))).toBe(0);
  });
});
