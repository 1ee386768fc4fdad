/**
 * A followed join's step as the run goes (a *tick*): a partition's open events and those
 * recorded since, split by the sides' watermarks into keys that are closed — every event
 * of theirs so far behind the other side's watermark that no partner can still come —
 * and keys that stay open. Closed keys are joined (partition-join.ts) and dropped; open
 * ones are written back as pieces. So a partition holds only the events of its open keys,
 * however long the run follows. A left event closed without a pair is reported, for the
 * coordinator to log.
 */
import { type JoinEventPlace, type JoinPartitionResult, LEFT, RIGHT } from '../contract/join-spec.js';
import { type JoinEvent, type KeyEvents, joinPartition, readJoinPieces } from './partition-join.js';

/**
 * Where a tick closes and what it counts late, in ms: a left event closes below
 * `leftClose` (the right watermark less lateness and tolerance), a right one below
 * `rightClose`; an event read since the last tick is late below its side's `…Late` (what
 * that tick may have dropped of its partners). Infinity closes everything (the end).
 */
export interface JoinTickBounds {
  leftClose: number;
  rightClose: number;
  leftLate: number;
  rightLate: number;
}

/** A left event that closed in no pair: where it is, its time, its key (JSON text). */
export interface UnmatchedLeftEvent extends JoinEventPlace {
  time: number | null;
  key: string;
}

/** Left events reported unmatched per partition and tick; the others are counted in `unmatchedMore`. */
export const UNMATCHED_PER_TICK = 100;

/** Text of open events per piece written back (pieces are read 256 at a time). */
const OPEN_PIECE_CHARS = 256 * 1024;

export interface JoinTickOutcome {
  /** What the keys closed now give (their events dropped from the partition). */
  closed: JoinPartitionResult;
  /** The open keys' events, as pieces (partition-join.ts reads them as any). */
  open: string[];
  openEvents: number;
  late: { left: number; right: number };
  unmatched: UnmatchedLeftEvent[];
  unmatchedMore: number;
}

/**
 * One tick of a partition: `pieces` end to end, the first `openPieces` of them its open
 * events (written by the last tick), the rest recorded since.
 */
export function joinTick(
  pieces: readonly string[],
  openPieces: number,
  withinMs: number,
  bounds: JoinTickBounds,
): JoinTickOutcome {
  const keys = readJoinPieces(pieces.slice(0, openPieces));
  const late = { left: 0, right: 0 };
  readJoinPieces(pieces.slice(openPieces), keys, (side, time) => {
    if (time === null) return;
    if (side === LEFT ? time < bounds.leftLate : time < bounds.rightLate) late[side === LEFT ? 'left' : 'right']++;
  });
  const closed = new Map<string, KeyEvents>();
  const open: KeyEvents[] = [];
  const openKeys: string[] = [];
  for (const [key, events] of keys) {
    // An event without a time pairs with none (a tolerance needs times): it closes at once.
    const isOpen =
      events.left.some((event) => event.time !== null && event.time >= bounds.leftClose) ||
      events.right.some((event) => event.time !== null && event.time >= bounds.rightClose);
    if (isOpen) {
      open.push(events);
      openKeys.push(key);
    } else closed.set(key, events);
  }
  const unmatched: UnmatchedLeftEvent[] = [];
  let unmatchedMore = 0;
  const result = joinPartition(closed, withinMs, (key, event) => {
    if (unmatched.length < UNMATCHED_PER_TICK) unmatched.push({ ...event, key });
    else unmatchedMore++;
  });
  const written = openPiecesOf(openKeys, open);
  return { closed: result, open: written.pieces, openEvents: written.events, late, unmatched, unmatchedMore };
}

/** The open keys' events as pieces: grouped by chunk (each piece's header names one), at most OPEN_PIECE_CHARS each. */
function openPiecesOf(keys: readonly string[], events: readonly KeyEvents[]): { pieces: string[]; events: number } {
  const byChunk = new Map<string, string[]>();
  let count = 0;
  events.forEach((entry, k) => {
    const add = (side: number, event: JoinEvent) => {
      const header = `${event.source}.${event.seq}\t${event.firstLine ?? ''}\n`;
      let lines = byChunk.get(header);
      if (!lines) byChunk.set(header, (lines = []));
      lines.push(`${side}\t${event.line}\t${event.time ?? ''}\t${keys[k]!}\n`);
      count++;
    };
    for (const event of entry.left) add(LEFT, event);
    for (const event of entry.right) add(RIGHT, event);
  });
  const pieces: string[] = [];
  for (const [header, lines] of byChunk) {
    let piece = header;
    for (const line of lines) {
      if (piece.length + line.length > OPEN_PIECE_CHARS && piece.length > header.length) {
        pieces.push(piece);
        piece = header;
      }
      piece += line;
    }
    pieces.push(piece);
  }
  return { pieces, events: count };
}
