import { type ChunkJobData, type ChunkPack, packOf } from '../contract/job.js';
import type { RedisKeys } from '../redis/keys.js';

/** Where a chunk is: not enqueued (null), waiting to be counted, counted, dead-lettered, or being replayed. */
export type ChunkState = 'queued' | 'done' | 'dead' | 'replaying' | null;

/**
 * `recorded` now, `duplicate` (settled before), the run is gone, the run does not know
 * the chunk (Redis lost it in a restart; its coordinator enqueues it again), or the run
 * failed (its remaining chunks are dropped as workers reach them).
 */
export type RecordOutcome = 'recorded' | 'duplicate' | 'run-missing' | 'chunk-unknown' | 'run-failed';

export interface RecordResult {
  outcome: RecordOutcome;
  /**
   * When the chunk had been dead-lettered and is counted now: the dead-letter
   * generation it leaves, whose dead-letter entry is stale from now on; otherwise 0.
   */
  revivedGeneration: number;
}

export interface DeadLetterRecord {
  outcome: RecordOutcome;
  /** The chunk's dead-letter generation: one per time it was dead-lettered; 0 if it was counted. */
  generation: number;
}

export type ReplayReadiness = 'ready' | 'not-dead' | 'bytes-gone';

/** What names a chunk's pack: its run, source and seq, and the pack its job data names, if any. */
type PackedChunk = Pick<ChunkJobData, 'runId' | 'source' | 'seq'> & { pack?: ChunkPack | undefined };

/** The key of the pack that holds a stored chunk's bytes. */
export function packKey(keys: RedisKeys, job: PackedChunk): string {
  const { first, last } = packOf(job);
  return keys.chunkPack(job.runId, job.source, first, last);
}

/** What names a stored chunk's bytes: its pack, and (for a range of a pack) its length. */
export type StoredChunkRef = PackedChunk & Pick<ChunkJobData, 'byteLength'>;

/** Where a chunk lies in its source; `lineCount` is null when the workers are to count its lines. */
export interface ChunkPlacement {
  seq: number;
  byteOffset: number;
  byteLength: number;
  lineCount: number | null;
}

/** A chunk state as the chunk-state hash holds it. */
export function asState(value: string | null): ChunkState {
  return value === 'queued' || value === 'done' || value === 'dead' || value === 'replaying' ? value : null;
}
