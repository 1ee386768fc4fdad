import { describe, expect, it } from 'vitest';
import {
  type ChunkCounts,
  DEFAULT_MAX_KEYS,
  EXACT_DISTINCT_PER_KEY,
  type RunRecordSpec,
  type StoredChunkJob,
  chunkRecordSpec,
} from '../src/index.js';
import { PATTERNS, runStoreFixture } from './run-store-fixture.js';

/*
 * What a run's per-key table and distinct counts cost Redis. The default test keeps a
 * high-cardinality run bounded; LOGCLUSTER_MEASURE=1 runs the 1,000,000-key and
 * 1,000,000-value measurements of docs (slow) and prints their figures.
 */

const fixture = runStoreFixture('t-records-memory');

const KEYS_PER_CHUNK = 10_000;

/** A key as long as a typical one (a client address, a path): 18 bytes of JSON. */
const keyOf = (n: number) => JSON.stringify([`key-${String(n).padStart(10, '0')}`]);

interface Load {
  maxKeys?: number;
  /** Distinct keys, up to KEYS_PER_CHUNK per chunk, one line each (a third of them with an ERROR). */
  keys: number;
  /** With --count-distinct: values per key (distinct across the run) and whether they are counted per key. */
  valuesPerKey?: number;
}

/** Records a run of `load`; returns its id and what its keys take in Redis. */
async function recordLoad(load: Load): Promise<{ runId: string; bytes: number; usedMemory: number }> {
  const records: RunRecordSpec = {
    format: { body: 'json' },
    by: ['k'],
    ...(load.valuesPerKey ? { countDistinct: ['user'] } : {}),
    maxKeys: load.maxKeys ?? DEFAULT_MAX_KEYS,
    now: 0,
  };
  const before = await usedMemory();
  const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['big.log'], records });
  const perKey = load.valuesPerKey ?? 0;
  // At most 100,000 values a chunk, as a chunk of a few MB would bring.
  const perChunk = perKey > 0 ? Math.min(KEYS_PER_CHUNK, Math.floor(100_000 / perKey)) : KEYS_PER_CHUNK;
  const chunks = Math.ceil(load.keys / perChunk);
  for (let seq = 0; seq < chunks; seq++) {
    const first = seq * perChunk;
    const keys = Array.from({ length: Math.min(perChunk, load.keys - first) }, (_, i) => first + i);
    const lines = keys.length * Math.max(1, perKey);
    await fixture.store.storeChunk(
      runId,
      0,
      { seq, byteOffset: seq, byteLength: 1, lineCount: lines },
      Buffer.from('\n'),
    );
    const job: StoredChunkJob = {
      v: 1,
      runId,
      source: 0,
      seq,
      byteOffset: seq,
      byteLength: 1,
      firstLine: 1,
      lineCount: lines,
      patterns: PATTERNS,
      records: chunkRecordSpec(records),
    };
    const byKey = keys.map((n): [string, string[]] => [
      keyOf(n),
      Array.from({ length: perKey }, (_, v) => `user-${n}-${v}`),
    ]);
    const counts: ChunkCounts = {
      bytes: 1,
      lines,
      matches: [{ lines: 0, occurrences: 0 }],
      records: {
        selected: lines,
        filtered: 0,
        rejects: [],
        groups: keys.map((n) => [keyOf(n), n % 3 === 0 ? [Math.max(1, perKey), 1, 1] : [Math.max(1, perKey), 0, 0]]),
        ...(perKey > 0 ? { distinct: [{ total: byKey.flatMap(([, values]) => values), byKey }] } : {}),
      },
    };
    await fixture.store.recordResult(job, counts, 'w');
  }
  const names = await fixture.client.keys(`${fixture.store.keys.run(runId)}*`);
  let bytes = 0;
  for (const name of names) bytes += (await fixture.client.memory('USAGE', name, 'SAMPLES', 0)) ?? 0;
  return { runId, bytes, usedMemory: (await usedMemory()) - before };
}

async function usedMemory(): Promise<number> {
  const info = await fixture.client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function reportMs(runId: string): Promise<number> {
  await fixture.store.report(runId);
  const started = performance.now();
  const reads = 5;
  for (let i = 0; i < reads; i++) await fixture.store.report(runId);
  return (performance.now() - started) / reads;
}

const MB = 1024 * 1024;

describe('a run’s per-key table in Redis', () => {
  it('stays bounded past --max-keys: 100,000 distinct keys take about what the 10,000 in the table take', async () => {
    const { runId, bytes } = await recordLoad({ keys: 100_000 });
    const report = await fixture.store.report(runId);
    expect(report.groups!.keys).toHaveLength(DEFAULT_MAX_KEYS);
    expect(report.groups!.others.lines).toBe(90_000);
    expect(Math.abs(report.groups!.others.keys - 90_000) / 90_000).toBeLessThan(0.05);
    // Measured: about 0.8 MB (10,000 rows and a 12 KB HyperLogLog); a generous cap.
    expect(bytes).toBeLessThan(4 * MB);
    // A report read while the run goes: a 10,000-key table, sorted.
    expect(await reportMs(runId)).toBeLessThan(500);
  }, 120_000);

  it.runIf(process.env.LOGCLUSTER_MEASURE === '1')(
    'measures 1,000,000 keys and values (LOGCLUSTER_MEASURE=1)',
    async () => {
      const figures: Record<string, unknown>[] = [];
      const measure = async (name: string, load: Load) => {
        const started = performance.now();
        const { runId, bytes, usedMemory } = await recordLoad(load);
        const recordSeconds = (performance.now() - started) / 1000;
        const report = await fixture.store.report(runId);
        figures.push({
          name,
          keyBytesMB: +(bytes / MB).toFixed(2),
          usedMemoryMB: +(usedMemory / MB).toFixed(2),
          recordSeconds: +recordSeconds.toFixed(1),
          reportMs: +(await reportMs(runId)).toFixed(1),
          tableKeys: report.groups!.keys.length,
          distinctKeys: report.groups!.distinctKeys,
          totalsDistinct: report.totals.distinct,
        });
      };
      await measure('1M keys, default --max-keys', { keys: 1_000_000 });
      await measure('1M keys, --max-keys 1000000', { keys: 1_000_000, maxKeys: 1_000_000 });
      await measure('1M values over 10,000 keys (100 each, exact sets)', { keys: 10_000, valuesPerKey: 100 });
      const atBound = EXACT_DISTINCT_PER_KEY;
      await measure(`1M values over ${1_000_000 / atBound} keys (${atBound} each, at the bound)`, {
        keys: 1_000_000 / atBound,
        valuesPerKey: atBound,
      });
      await measure('1M values over 1,000 keys (1,000 each, HyperLogLogs)', { keys: 1_000, valuesPerKey: 1_000 });
      console.table(figures);
    },
    1_800_000,
  );
});
