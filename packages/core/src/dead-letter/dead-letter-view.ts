import type { ChunkState } from '../runs/chunk-records.js';
import type { DeadLetterItem } from './dead-letter-queue.js';

/** Where a dead-lettered chunk is now, as far as its run knows. */
export type DeadLetterState =
  /** Still dead: can be replayed while its bytes are kept. */
  | 'dead'
  /** Counted since (a replay, or a delivery that raced the dead-lettering): the entry is stale. */
  | 'counted'
  /** Taken back by a replay that has not finished yet. */
  | 'replaying'
  /** Dead-lettered again later: a newer entry records that. */
  | 'superseded'
  /** Job data that did not keep the contract: nothing to replay. */
  | 'invalid-job'
  /** A chunk its run did not know when it failed (a run gone, or lost in a Redis restart). */
  | 'orphan'
  /** Its run no longer exists. */
  | 'run-missing';

/** A dead-letter entry as `dlq list` and `dlq show` present it: what failed, where, why, and where it is now. */
export interface DeadLetterView {
  id: string;
  runId: string | null;
  /** For a join's reduce (no chunk): its partition. */
  partition: number | null;
  source: string | null;
  firstLine: number | null;
  lastLine: number | null;
  byteOffset: number | null;
  byteLength: number | null;
  generation: number | null;
  state: DeadLetterState;
  /** Whether the chunk's bytes are still in Redis (needed to replay it). */
  bytesKept: boolean;
  reason: string;
  error: { message: string; code: string; stack?: string };
  attemptsMade: number;
  worker: string;
  jobId: string;
  enqueuedAt: string;
  failedAt: string;
  /** The failed job's data as it was; in `show` only. */
  job?: unknown;
}

/** What the run knows now of an entry's chunk. */
export interface DeadChunkNow {
  /** The name of the chunk's source, from the run's definition; null if the run is gone. */
  sourceName: string | null;
  runExists: boolean;
  state: ChunkState;
  /** The chunk's latest dead-letter generation. */
  generation: number;
  bytesKept: boolean;
}

/**
 * An entry's view. `now` is what its run knows of its chunk (none for an entry without
 * one); `jobKeptContract` tells an orphan from job data that broke the contract;
 * `joinNow`, for a join's partition, where it stands now (runs/join-recording.ts).
 */
export function deadLetterView(
  item: DeadLetterItem,
  jobKeptContract: boolean,
  now: DeadChunkNow | null,
  joinNow?: DeadLetterState,
): DeadLetterView {
  const { entry } = item;
  const chunk = entry.chunk;
  const join = entry.join;
  const lastLine =
    chunk?.firstLine != null && chunk.lineCount !== null ? chunk.firstLine + Math.max(chunk.lineCount, 1) - 1 : null;
  return {
    id: item.id,
    runId: chunk?.runId ?? join?.runId ?? null,
    partition: join?.partition ?? null,
    source: now?.sourceName ?? null,
    firstLine: chunk?.firstLine ?? null,
    lastLine,
    byteOffset: chunk?.byteOffset ?? null,
    byteLength: chunk?.byteLength ?? null,
    generation: chunk?.generation ?? null,
    state:
      join && joinNow
        ? joinNow
        : chunk && now
          ? stateOf(chunk.generation, now)
          : jobKeptContract
            ? 'orphan'
            : 'invalid-job',
    // A partial join keeps its partitions' events for its retention (they are in Redis while the run is).
    bytesKept: join ? joinNow !== 'run-missing' : (now?.bytesKept ?? false),
    reason: `${entry.error.code}: ${entry.error.message}`,
    error: entry.error,
    attemptsMade: entry.attemptsMade,
    worker: entry.worker,
    jobId: entry.jobId,
    enqueuedAt: new Date(entry.enqueuedAt).toISOString(),
    failedAt: new Date(entry.failedAt).toISOString(),
  };
}

function stateOf(generation: number, now: DeadChunkNow): DeadLetterState {
  if (!now.runExists) return 'run-missing';
  if (now.state === 'done') return 'counted';
  if (now.generation > generation) return 'superseded';
  return now.state === 'replaying' ? 'replaying' : 'dead';
}
