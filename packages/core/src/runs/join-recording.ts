import type { JoinPartitionResult } from '../contract/join-spec.js';
import { checkTransaction } from '../redis/redis-errors.js';
import type { RecordOutcome } from './chunk-records.js';
import { prepareJoinReplayScript, recordJoinPartitionScript, recordOutcome } from './run-scripts.js';
import type { RunStoreContext } from './run-store-context.js';

/*
 * A join's state in Redis beside the run's: each partition's pieces (appended by
 * recordResults-10.lua as chunks are recorded), the reduce rounds (lua/includes/settle.lua)
 * and each partition's result (lua/recordJoinPartition-3.lua).
 */

/** Pieces read from a partition's list per round trip: a bounded read, whatever the partition holds. */
const PIECES_PER_READ = 256;

/** A round of reduce jobs to add: its number, the run's partitions, and its jobs' retries. */
export interface JoinRound {
  round: number;
  partitions: number;
  attempts: number;
  backoffMs: number;
}

/** The round of reduce jobs that has begun and whose jobs nobody said they added; null if none. */
export async function joinRoundToEnqueue({ redis, keys }: RunStoreContext, runId: string): Promise<JoinRound | null> {
  const [status, round, enqueued, partitions, attempts, backoffMs] = await redis.hmget(
    keys.run(runId),
    'status',
    'joinRound',
    'joinEnqueued',
    'joinPartitions',
    'joinAttempts',
    'joinBackoffMs',
  );
  if (status !== 'running' || round === null || partitions === null) return null;
  if (Number(enqueued ?? '0') >= Number(round)) return null;
  return {
    round: Number(round),
    partitions: Number(partitions),
    attempts: Number(attempts ?? '1'),
    backoffMs: Number(backoffMs ?? '0'),
  };
}

/** Says that the round's jobs were added (each has an id of its own: adding them again adds none). */
export async function markJoinEnqueued({ redis, keys }: RunStoreContext, runId: string, round: number): Promise<void> {
  await redis.hset(keys.run(runId), 'joinEnqueued', round);
}

/** A partition's pieces (its first `count` of them, if given), in bounded reads. */
export async function* joinPieces(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
  count = Infinity,
): AsyncGenerator<Buffer[]> {
  const key = `${keys.joinPieces(runId)}${partition}`;
  for (let from = 0; from < count; from += PIECES_PER_READ) {
    const pieces = await redis.lrangeBuffer(key, from, Math.min(from + PIECES_PER_READ, count) - 1);
    if (pieces.length > 0) yield pieces;
    if (pieces.length < PIECES_PER_READ) return;
  }
}

/** How many pieces a partition's list holds now. */
export async function joinPieceCount(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
): Promise<number> {
  return redis.llen(`${keys.joinPieces(runId)}${partition}`);
}

/** Records a partition's result for a round (or that it was dead-lettered, and why), once. */
export async function recordJoinPartition(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
  round: number,
  outcome: { result: JoinPartitionResult } | { dead: string },
): Promise<RecordOutcome> {
  const reply = await recordJoinPartitionScript.run(
    redis,
    [keys.run(runId), keys.counts(runId), keys.joinResults(runId)],
    [
      partition,
      round,
      'result' in outcome ? JSON.stringify(outcome.result) : outcome.dead,
      'result' in outcome ? 0 : 1,
      keys.runEvents(runId),
      keys.joinPieces(runId),
    ],
  );
  return recordOutcome(recordJoinPartitionScript, reply);
}

/** What the join's results hash holds for the current round. */
export interface StoredJoin {
  partitions: number;
  results: JoinPartitionResult[];
  dead: { partition: number; reason: string }[];
}

/** The current round's results, from the run hash's `joinRound` and `joinPartitions` and the results hash. */
export function storedJoin(round: string | null, partitions: number, stored: Record<string, string>): StoredJoin {
  const results: JoinPartitionResult[] = [];
  const dead: StoredJoin['dead'] = [];
  for (const [partition, value] of Object.entries(stored)) {
    const tab = value.indexOf('\t');
    if (value.slice(0, tab) !== round) continue;
    const rest = value.slice(tab + 1);
    if (rest.startsWith('dead\t')) dead.push({ partition: Number(partition), reason: rest.slice(5) });
    else results.push(JSON.parse(rest) as JoinPartitionResult);
  }
  return { partitions, results, dead };
}

/** Where a partition stands in a round of its run (see `partitionStanding`). */
export type PartitionStanding = 'dead' | 'replaying' | 'counted' | 'superseded' | 'run-missing';

/**
 * Where a partition of a round stands now: `counted` (its result is recorded), `dead`
 * (dead-lettered: it can be replayed), `replaying` (no result yet: to be reduced, or taken
 * back by a replay), `superseded` (another round is current), or `run-missing`.
 */
export async function partitionStanding(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
  round: number,
): Promise<PartitionStanding> {
  const [current, result] = checkTransaction(
    await redis.multi().hget(keys.run(runId), 'joinRound').hget(keys.joinResults(runId), String(partition)).exec(),
  ) as [string | null, string | null];
  if (current === null) return 'run-missing';
  if (Number(current) !== round) return 'superseded';
  if (result === null || !result.startsWith(`${round}\t`)) return 'replaying';
  return result.startsWith(`${round}\tdead\t`) ? 'dead' : 'counted';
}

/**
 * Takes a dead-lettered partition back for a replay, if it is still dead in the run's
 * current round: its result is dropped and the run runs again until the replay records
 * it (lua/prepareJoinReplay-2.lua). False if it is not dead any more.
 */
export async function prepareJoinReplay(
  { redis, keys }: RunStoreContext,
  runId: string,
  partition: number,
  round: number,
): Promise<boolean> {
  const reply = await prepareJoinReplayScript.run(
    redis,
    [keys.run(runId), keys.joinResults(runId)],
    [partition, round],
  );
  return reply === 1;
}
