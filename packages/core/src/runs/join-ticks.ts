import type { JoinPartitionResult } from '../contract/join-spec.js';
import type { JoinTickBounds, UnmatchedLeftEvent } from '../joins/join-tick.js';
import { emptyJoinResult } from '../joins/partition-join.js';
import type { RecordOutcome } from './chunk-records.js';
import { applyJoinTickScript, recordOutcome, startJoinTickScript } from './run-scripts.js';
import type { RunStoreContext } from './run-store-context.js';

/*
 * A followed join's ticks (joins/join-tick.ts): the coordinator starts one when the sides'
 * watermarks have moved (lua/startJoinTick-3.lua); a job per partition joins and drops
 * its closed keys and records what they gave (lua/applyJoinTick-3.lua), in the closed
 * keys hash (RedisKeys.joinClosed), which the final round adds to what it joins.
 */

/** What a partition's closed keys gave so far, kept in the closed keys hash. */
export interface JoinTickState {
  /** Summed over the ticks; `late` counted too. */
  result: JoinPartitionResult;
  /** The bounds of the partition's last tick (what it may have dropped). */
  leftClose: number;
  rightClose: number;
  /** Events the partition holds open. */
  openEvents: number;
}

/** The bounds of a partition that no tick closed anything in (a number: the state is JSON). */
export const NOTHING_CLOSED = -Number.MAX_SAFE_INTEGER;

/** A partition as its last tick left it: the tick (0: none), how many pieces at its list's head are its open events, the state. */
export interface ClosedPartition {
  tick: number;
  openPieces: number;
  state: JoinTickState | null;
}

/** The tick a partition's job is to do: its bounds, and whether it is still the run's current one. */
export interface CurrentTick {
  tick: number;
  leftClose: number;
  rightClose: number;
  partitions: number;
  attempts: number;
  backoffMs: number;
}

/**
 * A followed join's source, with its sides (startJoinTick-3.lua: while it has a chunk not
 * settled and none of its chunks with a time settled, its sides' watermarks wait for it).
 */
export async function addJoinSource(
  { redis, keys }: RunStoreContext,
  runId: string,
  source: number,
  sides: number,
): Promise<void> {
  await redis.hset(keys.joinMarks(runId), `s:${source}`, sides);
}

/** Starts the run's next tick if the watermarks moved and the last one is over; its number, or 0. */
export async function startJoinTick(
  { redis, keys }: RunStoreContext,
  runId: string,
  withinMs: number,
  latenessMs: number,
): Promise<number> {
  const reply = await startJoinTickScript.run(
    redis,
    [keys.run(runId), keys.chunkStates(runId), keys.joinMarks(runId)],
    [withinMs, latenessMs],
  );
  return Number(reply);
}

/** The run's current tick, while it may still be recorded (the run is running and the final round has not begun); else null. */
export async function currentJoinTick({ redis, keys }: RunStoreContext, runId: string): Promise<CurrentTick | null> {
  const [status, round, tick, leftClose, rightClose, partitions, attempts, backoffMs] = await redis.hmget(
    keys.run(runId),
    'status',
    'joinRound',
    'joinTick',
    'joinLeftClose',
    'joinRightClose',
    'joinPartitions',
    'joinAttempts',
    'joinBackoffMs',
  );
  if (status !== 'running' || (round !== null && round !== '0') || tick === null || partitions === null) return null;
  return {
    tick: Number(tick),
    leftClose: Number(leftClose),
    rightClose: Number(rightClose),
    partitions: Number(partitions),
    attempts: Number(attempts ?? '1'),
    backoffMs: Number(backoffMs ?? '0'),
  };
}

/** How far the current tick is: partitions recorded of all. */
export async function joinTickApplied({ redis, keys }: RunStoreContext, runId: string): Promise<number> {
  return Number((await redis.hget(keys.run(runId), 'joinTickApplied')) ?? '0');
}

/** A partition as its last tick left it. */
export async function closedPartition(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
): Promise<ClosedPartition> {
  return parseClosed(await redis.hget(keys.joinClosed(runId), String(partition)));
}

/** Every partition as its last tick left it (what a followed run's live figures add up). */
export async function closedPartitions({ redis, keys }: RunStoreContext, runId: string): Promise<ClosedPartition[]> {
  return Object.values(await redis.hgetall(keys.joinClosed(runId))).map(parseClosed);
}

function parseClosed(value: string | null): ClosedPartition {
  if (value === null) return { tick: 0, openPieces: 0, state: null };
  const first = value.indexOf('\t');
  const second = value.indexOf('\t', first + 1);
  return {
    tick: Number(value.slice(0, first)),
    openPieces: Number(value.slice(first + 1, second)),
    state: JSON.parse(value.slice(second + 1)) as JoinTickState,
  };
}

/** The bounds of a partition's tick: where it closes, and what is late given what its last tick dropped. */
export function tickBounds(
  closed: ClosedPartition,
  withinMs: number,
  close: { leftClose: number; rightClose: number },
): JoinTickBounds {
  const before = closed.state;
  return {
    leftClose: close.leftClose,
    rightClose: close.rightClose,
    // A left event lower than the right events dropped by more than the tolerance lost no partner.
    leftLate: before ? before.rightClose + withinMs : NOTHING_CLOSED,
    rightLate: before ? before.leftClose + withinMs : NOTHING_CLOSED,
  };
}

/** What a tick found in a partition, to record. */
export interface JoinTickRecord {
  /** The pieces it read from the list's head. */
  read: number;
  state: JoinTickState;
  open: string[];
  /** The left events it closed unmatched; `more`: how many more it did not list. */
  unmatched: (UnmatchedLeftEvent | { more: number })[];
}

/** Records a partition's tick once (lua/applyJoinTick-3.lua); `before` is how the partition was when read. */
export async function applyJoinTick(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
  tick: number,
  before: ClosedPartition,
  record: JoinTickRecord,
): Promise<RecordOutcome> {
  const reply = await applyJoinTickScript.run(
    redis,
    [keys.run(runId), `${keys.joinPieces(runId)}${partition}`, keys.joinClosed(runId)],
    [
      partition,
      tick,
      before.tick,
      record.read,
      JSON.stringify(record.state),
      keys.joinUnmatched(runId),
      // The open events at the list's head after it: those written now, or, if it read nothing, those before.
      record.open.length + (record.read === 0 ? before.openPieces : 0),
      record.unmatched.length,
      ...record.unmatched.map((event) => JSON.stringify(event)),
      ...record.open,
    ],
  );
  return recordOutcome(applyJoinTickScript, reply);
}

/**
 * A tick that failed for good in a partition: recorded as one that changed nothing (the
 * partition's events stay, to be joined by a later tick or the final round), so that
 * the ticks go on.
 */
export async function skipJoinTick(
  context: RunStoreContext,
  runId: string,
  partition: number,
  tick: number,
  withinMs: number | undefined,
): Promise<RecordOutcome> {
  const before = await closedPartition(context, runId, partition);
  if (before.tick >= tick) return 'duplicate';
  const state: JoinTickState = before.state ?? {
    result: emptyJoinResult(withinMs),
    leftClose: NOTHING_CLOSED,
    rightClose: NOTHING_CLOSED,
    openEvents: 0,
  };
  return applyJoinTick(context, runId, partition, tick, before, { read: 0, state, open: [], unmatched: [] });
}

/** Left events closed unmatched after stream entry `after` ('0-0' for all), with the last entry's id. */
export async function unmatchedSince(
  { redis, keys }: RunStoreContext,
  runId: string,
  after: string,
): Promise<{ last: string; events: (UnmatchedLeftEvent | { more: number })[] }> {
  const entries = await redis.xrange(keys.joinUnmatched(runId), `(${after}`, '+', 'COUNT', 1000);
  return {
    last: entries.length > 0 ? entries[entries.length - 1]![0] : after,
    events: entries.map(([, fields]) => JSON.parse(fields[1]!) as UnmatchedLeftEvent | { more: number }),
  };
}
