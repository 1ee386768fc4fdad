import { describe, expect, it } from 'vitest';
import { JOIN_EXAMPLES, offsetBounds } from '../src/contract/join-spec.js';
import { addJoinResults, emptyJoinResult, joinPartition, readJoinPieces } from '../src/joins/partition-join.js';

/*
 * The reduce of a join's partition against pairs counted one by one, on random events
 * (few keys, so that keys have many events on both sides; some without a time), and the
 * same events cut into pieces and partitions differently giving the same figures.
 */

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

interface Event {
  side: 1 | 2;
  key: string;
  time: number | null;
  source: number;
  seq: number;
  line: number;
}

function randomEvents(seed: number, count: number): Event[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => ({
    side: next() < 0.5 ? 1 : 2,
    key: `k${Math.floor(next() * 40)}`,
    time: next() < 0.05 ? null : Math.floor(next() * 20_000),
    source: Math.floor(next() * 3),
    seq: Math.floor(i / 50),
    line: (i % 50) + 1,
  }));
}

/** Pieces as recordResults-10.lua stores them: one per chunk, a header then its events. */
function piecesOf(events: readonly Event[], partitions: number, partitionOf: (key: string) => number): string[][] {
  const chunks = new Map<string, Event[]>();
  for (const event of events) {
    const id = `${partitionOf(event.key)}|${event.source}.${event.seq}`;
    chunks.set(id, [...(chunks.get(id) ?? []), event]);
  }
  const byPartition: string[][] = Array.from({ length: partitions }, () => []);
  for (const [id, chunk] of chunks) {
    const [partition, name] = id.split('|') as [string, string];
    byPartition[Number(partition)]!.push(
      `${name}\t\n${chunk.map((e) => `${e.side}\t${e.line}\t${e.time ?? ''}\t${JSON.stringify(e.key)}\n`).join('')}`,
    );
  }
  return byPartition;
}

function bruteForce(events: readonly Event[], withinMs: number | undefined) {
  const left = events.filter((e) => e.side === 1);
  const right = events.filter((e) => e.side === 2);
  const bounds = offsetBounds(withinMs);
  const offsets = new Array<number>(bounds.length + (withinMs === undefined ? 1 : 0)).fill(0);
  let pairs = 0;
  const leftHit = new Set<Event>();
  const rightHit = new Set<Event>();
  for (const a of left)
    for (const b of right) {
      if (a.key !== b.key) continue;
      const timed = a.time !== null && b.time !== null;
      const offset = timed ? Math.abs(b.time! - a.time!) : null;
      if (withinMs !== undefined && (offset === null || offset > withinMs)) continue;
      pairs++;
      leftHit.add(a);
      rightHit.add(b);
      if (offset !== null) {
        const k = bounds.findIndex((bound) => offset <= bound);
        offsets[k === -1 ? bounds.length : k]!++;
      }
    }
  return { pairs, offsets, leftMatched: leftHit.size, rightMatched: rightHit.size };
}

describe('a join partition', () => {
  for (const withinMs of [1_000, undefined]) {
    it(`counts the pairs one by one would (${withinMs === undefined ? 'equal keys alone' : `within ${withinMs} ms`})`, () => {
      const events = randomEvents(withinMs ?? 7, 3_000);
      const [pieces] = piecesOf(events, 1, () => 0);
      const result = joinPartition(readJoinPieces(pieces!), withinMs);
      const expected = bruteForce(events, withinMs);
      expect(result.pairs).toBe(expected.pairs);
      expect(result.offsets).toEqual(expected.offsets);
      expect(result.left.matchedEvents).toBe(expected.leftMatched);
      expect(result.right.matchedEvents).toBe(expected.rightMatched);
      expect(result.left.events + result.right.events).toBe(events.length);
      expect(expected.pairs).toBeGreaterThan(1_000);
    });
  }

  it('gives the same whatever the partitions and pieces', () => {
    const events = randomEvents(3, 2_000);
    const [whole] = piecesOf(events, 1, () => 0);
    const one = joinPartition(readJoinPieces(whole!), 500);
    const partitioned = emptyJoinResult(500);
    for (const pieces of piecesOf(events, 7, (key) => Number(key.slice(1)) % 7))
      addJoinResults(partitioned, joinPartition(readJoinPieces(pieces), 500));
    expect(partitioned).toEqual(one);
    expect(one.examples.leftOnly.length + one.examples.matched.length).toBeGreaterThan(0);
    expect(one.examples.matched.length).toBeLessThanOrEqual(JOIN_EXAMPLES);
  });
});
