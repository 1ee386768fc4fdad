/**
 * The reduce step of a join: one partition's events (every chunk's piece of it, as
 * recordResults-10.lua appended them), joined key by key. A pair is a left and a right
 * event of the same key whose times are at most `withinMs` apart (either order); without
 * a tolerance, any left and right event of the same key. Exact: pairs are counted by
 * binary search over each key's sorted times, never sampled, and the figures do not
 * depend on how the events were cut into chunks or in which order they came.
 */
import {
  JOIN_EXAMPLES,
  type JoinEventPlace,
  type JoinMatchedExample,
  type JoinOnlyExample,
  type JoinPartitionResult,
  type JoinSideFigures,
  LEFT,
  offsetBounds,
} from '../contract/join-spec.js';

export type JoinEvent = JoinEventPlace & { time: number | null };

export interface KeyEvents {
  left: JoinEvent[];
  right: JoinEvent[];
}

/**
 * Reads pieces into events per key (into `keys`, which may hold some already). A piece is
 * `source.seq \t firstLine \n` (firstLine empty when unknown), then its events as
 * ChunkJoinFindings says; `onEvent` sees each event's side and time as it is read.
 */
export function readJoinPieces(
  pieces: Iterable<string>,
  keys = new Map<string, KeyEvents>(),
  onEvent?: (side: number, time: number | null) => void,
): Map<string, KeyEvents> {
  for (const piece of pieces) {
    let end = piece.indexOf('\n');
    if (end < 0) throw new Error(`a join piece without its header: ${JSON.stringify(piece.slice(0, 80))}`);
    const [chunk, first] = piece.slice(0, end).split('\t') as [string, string | undefined];
    const dot = chunk.indexOf('.');
    const source = Number(chunk.slice(0, dot));
    const seq = Number(chunk.slice(dot + 1));
    const firstLine = first === undefined || first === '' ? null : Number(first);
    if (!Number.isInteger(source) || !Number.isInteger(seq))
      throw new Error(`a join piece names no chunk: ${JSON.stringify(piece.slice(0, end))}`);
    for (let start = end + 1; start < piece.length; start = end + 1) {
      end = piece.indexOf('\n', start);
      if (end < 0) end = piece.length;
      const a = piece.indexOf('\t', start);
      const b = piece.indexOf('\t', a + 1);
      const c = piece.indexOf('\t', b + 1);
      if (a < 0 || b < 0 || c < 0 || c > end) throw new Error(`a join event is not side, line, time, key`);
      const side = integerAt(piece, start, a);
      const key = piece.slice(c + 1, end);
      const event: JoinEvent = {
        source,
        seq,
        firstLine,
        line: integerAt(piece, a + 1, b),
        time: c === b + 1 ? null : integerAt(piece, b + 1, c),
      };
      let entry = keys.get(key);
      if (!entry) keys.set(key, (entry = { left: [], right: [] }));
      (side === LEFT ? entry.left : entry.right).push(event);
      onEvent?.(side, event.time);
    }
  }
  return keys;
}

/** The integer written in text[from, to) (digits, a leading minus), read without a substring. */
function integerAt(text: string, from: number, to: number): number {
  const negative = text.charCodeAt(from) === 0x2d;
  let value = 0;
  for (let at = negative ? from + 1 : from; at < to; at++) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9)
      throw new Error(`a join event holds ${JSON.stringify(text.slice(from, to))} for a number`);
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Joins one partition's events; `onUnmatchedLeft` sees each left event in no pair, key by key. */
export function joinPartition(
  keys: Map<string, KeyEvents>,
  withinMs: number | undefined,
  onUnmatchedLeft?: (key: string, event: JoinEvent) => void,
): JoinPartitionResult {
  const bounds = offsetBounds(withinMs);
  const result = emptyJoinResult(withinMs);
  const matched: JoinMatchedExample[] = [];
  const leftOnly: JoinOnlyExample[] = [];
  const rightOnly: JoinOnlyExample[] = [];
  const scratch = { left: new Float64Array(64), right: new Float64Array(64) };
  for (const [key, { left, right }] of keys) {
    if (left.length > 1) left.sort(byPlace);
    if (right.length > 1) right.sort(byPlace);
    const leftTimes = sortedTimes(left, scratch, 'left');
    const rightTimes = sortedTimes(right, scratch, 'right');
    // Per event, whether it is in a pair.
    const leftMatched = left.map((event) =>
      withinMs === undefined ? right.length > 0 : event.time !== null && inRange(rightTimes, event.time, withinMs) > 0,
    );
    const rightMatched = right.map((event) =>
      withinMs === undefined ? left.length > 0 : event.time !== null && inRange(leftTimes, event.time, withinMs) > 0,
    );
    let pairs = 0;
    if (withinMs === undefined) {
      pairs = left.length * right.length;
      result.untimedPairs += pairs - leftTimes.length * rightTimes.length;
    } else {
      for (const time of leftTimes) pairs += inRange(rightTimes, time, withinMs);
    }
    // The offsets' histogram: per left time, the right times within each bound, less those within the one before.
    for (const time of leftTimes) {
      let before = 0;
      bounds.forEach((bound, k) => {
        const within = inRange(rightTimes, time, bound);
        result.offsets[k]! += within - before;
        before = within;
      });
      if (withinMs === undefined) result.offsets[bounds.length]! += rightTimes.length - before;
    }
    result.pairs += pairs;
    const leftHit = tally(result.left, left.length, leftMatched);
    const rightHit = tally(result.right, right.length, rightMatched);
    if (pairs > 0) {
      result.matchedKeys++;
      const first = left[leftMatched.indexOf(true)]!;
      const partner = right.find(
        (event) => withinMs === undefined || (event.time !== null && Math.abs(event.time - first.time!) <= withinMs),
      )!;
      keepSmallest(matched, {
        key,
        offsetMs: first.time !== null && partner.time !== null ? Math.abs(partner.time - first.time) : null,
        left: first,
        right: partner,
      });
    }
    if (onUnmatchedLeft) left.forEach((event, i) => leftMatched[i] === false && onUnmatchedLeft(key, event));
    if (left.length > 0 && !leftHit) keepSmallest(leftOnly, { key, events: left.length, first: left[0]! });
    if (right.length > 0 && !rightHit) keepSmallest(rightOnly, { key, events: right.length, first: right[0]! });
  }
  result.examples = { matched, leftOnly, rightOnly };
  return result;
}

/** Sums partitions' results into the run's (examples: those of the smallest keys, as in each partition). */
export function addJoinResults(into: JoinPartitionResult, from: JoinPartitionResult): void {
  for (const side of ['left', 'right'] as const) {
    into[side].events += from[side].events;
    into[side].matchedEvents += from[side].matchedEvents;
    into[side].keys += from[side].keys;
    into[side].unmatchedKeys += from[side].unmatchedKeys;
  }
  if (from.late) {
    into.late ??= { left: 0, right: 0 };
    into.late.left += from.late.left;
    into.late.right += from.late.right;
  }
  into.matchedKeys += from.matchedKeys;
  into.pairs += from.pairs;
  into.untimedPairs += from.untimedPairs;
  from.offsets.forEach((pairs, k) => (into.offsets[k] = (into.offsets[k] ?? 0) + pairs));
  into.examples = {
    matched: smallestKeys([...into.examples.matched, ...from.examples.matched]),
    leftOnly: smallestKeys([...into.examples.leftOnly, ...from.examples.leftOnly]),
    rightOnly: smallestKeys([...into.examples.rightOnly, ...from.examples.rightOnly]),
  };
}

/** No events yet: the offsets' buckets of the tolerance (one more, beyond every bound, without one). */
export function emptyJoinResult(withinMs: number | undefined): JoinPartitionResult {
  return {
    left: emptySide(),
    right: emptySide(),
    matchedKeys: 0,
    pairs: 0,
    offsets: new Array<number>(offsetBounds(withinMs).length + (withinMs === undefined ? 1 : 0)).fill(0),
    untimedPairs: 0,
    examples: { matched: [], leftOnly: [], rightOnly: [] },
  };
}

function emptySide(): JoinSideFigures {
  return { events: 0, matchedEvents: 0, keys: 0, unmatchedKeys: 0 };
}

/** Adds a key's events on one side to the side's figures; whether any of them is matched. */
function tally(figures: JoinSideFigures, events: number, matched: boolean[]): boolean {
  if (events === 0) return false;
  const hits = matched.reduce((sum, hit) => sum + (hit ? 1 : 0), 0);
  figures.events += events;
  figures.matchedEvents += hits;
  figures.keys++;
  if (hits === 0) figures.unmatchedKeys++;
  return hits > 0;
}

/** Source, then chunk, then line: the order of the events in their sources. */
function byPlace(a: JoinEventPlace, b: JoinEventPlace): number {
  return a.source - b.source || a.seq - b.seq || a.line - b.line;
}

/**
 * The events' times, sorted, in `scratch[side]` (grown as needed, reused key after key:
 * a partition has hundreds of thousands of keys, most with an event or two).
 */
function sortedTimes(
  events: readonly JoinEvent[],
  scratch: { left: Float64Array; right: Float64Array },
  side: 'left' | 'right',
): Float64Array {
  if (scratch[side].length < events.length) scratch[side] = new Float64Array(events.length * 2);
  const times = scratch[side];
  let n = 0;
  for (const event of events) if (event.time !== null) times[n++] = event.time;
  const sorted = times.subarray(0, n);
  return n > 1 ? sorted.sort() : sorted;
}

/** Adds an example to `examples` if its key is among the JOIN_EXAMPLES smallest so far (kept in order). */
function keepSmallest<T extends { key: string }>(examples: T[], example: T): void {
  if (examples.length === JOIN_EXAMPLES && !(example.key < examples[JOIN_EXAMPLES - 1]!.key)) return;
  let at = examples.length;
  while (at > 0 && example.key < examples[at - 1]!.key) at--;
  examples.splice(at, 0, example);
  if (examples.length > JOIN_EXAMPLES) examples.pop();
}

/** How many of the sorted `times` lie in [at − within, at + within]. */
function inRange(times: Float64Array, at: number, within: number): number {
  return firstAbove(times, at + within) - firstAtOrAbove(times, at - within);
}

function firstAtOrAbove(times: Float64Array, value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function firstAbove(times: Float64Array, value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The examples of the JOIN_EXAMPLES smallest keys (by their JSON text, code unit by code unit). */
function smallestKeys<T extends { key: string }>(examples: T[]): T[] {
  return examples.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, JOIN_EXAMPLES);
}
