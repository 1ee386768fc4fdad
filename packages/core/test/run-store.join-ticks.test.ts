import { describe, expect, it } from 'vitest';
import { type ChunkCounts, DEFAULT_MAX_KEYS, LEFT, RIGHT, type RunRecordSpec } from '../src/index.js';
import { type LineChunk, PATTERNS, runStoreFixture, storeLineChunks } from './run-store-fixture.js';

/*
 * When a followed join's tick may start (lua/startJoinTick-3.lua), against a real Redis:
 * a side's watermark is the oldest of its sources' newest settled times; a source that
 * has a chunk in flight and none with a time settled holds the ticks back (its lines may
 * be older than the others'), an empty one does not; and a tick recorded as skipped twice
 * (the failing job's last attempt, then the reconciler) counts once.
 */

const fixture = runStoreFixture('t-join-ticks');
const T = Date.parse('2026-12-06T10:00:00Z');
const WITHIN = 2_000;
const LATENESS = 5_000;

function followedJoin(): RunRecordSpec {
  return {
    format: { body: 'json' },
    maxKeys: DEFAULT_MAX_KEYS,
    now: 0,
    join: {
      left: { key: 'id' },
      right: { key: 'id' },
      leftEnd: 0,
      rightStart: 0,
      partitions: 1,
      withinMs: WITHIN,
      within: '2s',
      latenessMs: LATENESS,
      lateness: '5s',
    },
  };
}

/** What a worker sends for a chunk of a followed join with no events: its lines, its sides and newest time. */
function findings(chunk: LineChunk<number>, sides: number): ChunkCounts {
  const n = chunk.lines.length;
  return {
    bytes: n,
    lines: n,
    matches: [{ lines: 0, occurrences: 0 }],
    records: { selected: n, filtered: 0, rejects: [] },
    join: { events: 0, pieces: [], sides, latest: Math.max(...chunk.lines) },
  };
}

describe('a followed join’s ticks', () => {
  it('wait for a source whose chunk is in flight with no time settled yet, not for an empty one; sides take their oldest source', async () => {
    const records = followedJoin();
    const sources = ['a.log', 'b.log', 'c.log', 'empty.log'];
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources, records });
    const sides = [LEFT, LEFT, RIGHT, RIGHT];
    for (const [source, side] of sides.entries()) await fixture.store.addJoinSource(runId, source, side);
    // a.log is recent, b.log (on the same side) an hour older; c.log on the right is recent; empty.log has nothing.
    const chunks = await storeLineChunks(
      fixture.store,
      runId,
      records,
      [[T + 100_000], [T - 3_600_000], [T + 90_000]],
      1,
    );
    for (const chunk of chunks) chunk.job.records!.join = { ...chunk.job.records!.join!, sides: sides[chunk.source]! };
    const record = async (source: number) => {
      const chunk = chunks.find((c) => c.source === source)!;
      expect((await fixture.store.recordResult(chunk.job, findings(chunk, sides[source]!), 'w1')).outcome).toBe(
        'recorded',
      );
    };
    await record(0);
    await record(2);
    // b.log's chunk is in flight, and b.log has no time yet: nothing closes on a's time alone.
    expect(await fixture.store.startJoinTick(runId, WITHIN, LATENESS)).toBe(0);
    await record(1);
    expect(await fixture.store.startJoinTick(runId, WITHIN, LATENESS)).toBe(1);
    const tick = await fixture.store.currentJoinTick(runId);
    // Left events close behind the right's watermark (c.log), right ones behind the left's oldest source (b.log).
    expect(tick).toMatchObject({
      tick: 1,
      leftClose: T + 90_000 - LATENESS - WITHIN,
      rightClose: T - 3_600_000 - LATENESS - WITHIN,
    });
    // Not again until the tick is over in every partition and the watermarks move.
    expect(await fixture.store.startJoinTick(runId, WITHIN, LATENESS)).toBe(0);
    // A tick skipped twice (its last attempt, then the reconciler) is over once.
    expect(await fixture.store.skipJoinTick(runId, 0, 1, WITHIN)).toBe('recorded');
    expect(await fixture.store.skipJoinTick(runId, 0, 1, WITHIN)).toBe('duplicate');
    expect(await fixture.store.joinTickApplied(runId)).toBe(1);
    expect(await fixture.store.startJoinTick(runId, WITHIN, LATENESS)).toBe(0); // the watermarks did not move
  });
});
