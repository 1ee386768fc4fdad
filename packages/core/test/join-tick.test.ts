import { seededRandom } from '@logcluster/test-support';
import { describe, expect, it } from 'vitest';
import { LEFT } from '../src/contract/join-spec.js';
import { UNMATCHED_PER_TICK, joinTick } from '../src/joins/join-tick.js';
import { addJoinResults, emptyJoinResult, joinPartition, readJoinPieces } from '../src/joins/partition-join.js';

/*
 * A followed join's ticks against the join of all the events at once: request-like
 * events (a left event, and right events from 0.5 s before to 3 s after it, some keys on
 * one side only, some events without a time) come chunk by chunk in the order of their
 * times give or take less than the lateness; after each chunk a tick closes what the
 * sides' watermarks allow. The closed keys' results summed, with a last tick that closes
 * everything, equal the whole join (a key counted once per episode), nothing is late, and
 * the partition holds only the recent events. An event further behind than the lateness is counted late.
 */

const WITHIN = 2_000;
const LATENESS = 1_000;

interface Event {
  /** The request it is of (a key's requests are 14 s apart: they never pair). */
  request?: number;
  side: number;
  key: string;
  time: number | null;
  seq: number;
  line: number;
}

/** Requests 20 ms apart, in the order they come (each side's times out of order by less than the lateness). */
function requestEvents(seed: number, requests: number): Event[] {
  const next = seededRandom(seed);
  const events: Omit<Event, 'seq' | 'line'>[] = [];
  for (let i = 0; i < requests; i++) {
    const at = 1_000_000 + i * 20;
    const key = `req-${i % 700}`; // keys come back, far apart: episodes of their own
    if (next() < 0.9) events.push({ request: i, side: 1, key, time: next() < 0.02 ? null : at });
    const answers = next() < 0.8 ? 1 + Math.floor(next() * 3) : 0;
    for (let k = 0; k < answers; k++)
      events.push({ request: i, side: 2, key, time: at - 500 + Math.floor(next() * 3_500) });
  }
  // Come in the order of their times, each up to 900 ms early or late (less than the lateness).
  const arrival = events.map((event) => (event.time ?? 1_000_000 + event.request! * 20) + Math.floor(next() * 900));
  const order = events.map((_, i) => i).sort((a, b) => arrival[a]! - arrival[b]!);
  return order.map((i, n) => ({ ...events[i]!, seq: Math.floor(n / 40), line: (n % 40) + 1 }));
}

function piece(events: readonly Event[]): string {
  return `0.${events[0]!.seq}\t1\n${events.map((e) => `${e.side}\t${e.line}\t${e.time ?? ''}\t${JSON.stringify(e.key)}\n`).join('')}`;
}

/** Ticks after each chunk of 40 events; what the closed keys gave, the most events held open, the late events. */
function tickAll(events: readonly Event[]) {
  const total = emptyJoinResult(WITHIN);
  let open: string[] = [];
  let mostOpen = 0;
  const late = { left: 0, right: 0 };
  const newest = { left: -Infinity, right: -Infinity };
  let close = { leftClose: -Infinity, rightClose: -Infinity };
  let dropped = { leftClose: -Infinity, rightClose: -Infinity };
  const unmatched: string[] = [];
  for (let from = 0; from <= events.length; from += 40) {
    const chunk = events.slice(from, from + 40);
    const last = from + 40 > events.length;
    for (const event of chunk)
      if (event.time !== null) {
        const side = event.side === LEFT ? 'left' : 'right';
        newest[side] = Math.max(newest[side], event.time);
      }
    close = last
      ? { leftClose: Infinity, rightClose: Infinity }
      : {
          leftClose: Math.max(close.leftClose, newest.right - LATENESS - WITHIN),
          rightClose: Math.max(close.rightClose, newest.left - LATENESS - WITHIN),
        };
    const pieces = [...open, ...(chunk.length > 0 ? [piece(chunk)] : [])];
    const found = joinTick(pieces, open.length, WITHIN, {
      ...close,
      leftLate: dropped.rightClose + WITHIN,
      rightLate: dropped.leftClose + WITHIN,
    });
    dropped = close;
    addJoinResults(total, found.closed);
    late.left += found.late.left;
    late.right += found.late.right;
    unmatched.push(...found.unmatched.map((event) => `${event.key}@${event.time}`));
    expect(found.unmatched.length + found.unmatchedMore).toBe(
      found.closed.left.events - found.closed.left.matchedEvents,
    );
    open = found.open;
    mostOpen = Math.max(mostOpen, found.openEvents);
  }
  return { total, mostOpen, late, unmatched };
}

describe('a followed join, tick by tick', () => {
  it('gives, summed over its ticks, the whole join of the events, holding only the recent ones', () => {
    const events = requestEvents(11, 6_000);
    const { total, mostOpen, late, unmatched } = tickAll(events);
    // Keys come back (700 of them over 6,000 requests), 14 s apart: each time a key of its own.
    const whole = emptyJoinResult(WITHIN);
    const requests = new Map<number, Event[]>();
    for (const event of events) requests.set(event.request!, [...(requests.get(event.request!) ?? []), event]);
    for (const list of requests.values()) addJoinResults(whole, joinPartition(readJoinPieces([piece(list)]), WITHIN));
    // Events, pairs and offsets exactly. A key counts once per episode: a right event that comes
    // after its key closed (more than the tolerance and lateness after the key's others) starts a key again.
    const figures = (r: typeof total) => ({ pairs: r.pairs, offsets: r.offsets, untimed: r.untimedPairs });
    const side = (f: typeof total.left) => [f.events, f.matchedEvents];
    expect(figures(total)).toEqual(figures(whole));
    expect([side(total.left), side(total.right)]).toEqual([side(whole.left), side(whole.right)]);
    expect(total.left.keys).toBe(whole.left.keys);
    expect(total.matchedKeys).toBe(whole.matchedKeys);
    expect(total.right.keys).toBeGreaterThanOrEqual(whole.right.keys);
    expect(total.right.keys - total.right.unmatchedKeys).toBe(whole.right.keys - whole.right.unmatchedKeys);
    expect(late).toEqual({ left: 0, right: 0 });
    expect(total.pairs).toBeGreaterThan(1_000);
    expect(mostOpen).toBeLessThan(events.length / 10);
    expect(unmatched.length).toBeGreaterThan(0);
    expect(UNMATCHED_PER_TICK).toBeGreaterThan(0);
  });

  it('counts an event further behind its side than the lateness as late, and joins it with what is left', () => {
    const events = requestEvents(5, 2_000);
    const lateOne: Event = { side: 1, key: 'late', time: 1_000_000, seq: 10_000, line: 1 };
    const { late, total } = tickAll([...events.slice(0, 1_500), lateOne, ...events.slice(1_500)]);
    expect(late).toEqual({ left: 1, right: 0 });
    expect(total.left.events).toBe(events.filter((e) => e.side === LEFT).length + 1);
  });
});
