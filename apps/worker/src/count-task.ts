/*
 * The piscina task: counts one chunk on a worker thread. It stays pure and small; it
 * loads only the counting kernel, and caches compiled patterns per pattern set.
 */
import { type ChunkCounter, type ChunkCounts, type PatternSpec, createChunkCounter } from '@logcluster/core/counting';

export interface CountTask {
  /** The chunk's bytes, transferred (not copied) from the main thread. */
  bytes: ArrayBuffer;
  patterns: PatternSpec[];
}

const MAX_CACHED_PATTERN_SETS = 32;
const counters = new Map<string, ChunkCounter>();

export default function countChunk({ bytes, patterns }: CountTask): ChunkCounts {
  const key = JSON.stringify(patterns);
  let counter = counters.get(key);
  if (counter === undefined) {
    if (counters.size >= MAX_CACHED_PATTERN_SETS) counters.clear();
    counter = createChunkCounter(patterns);
    counters.set(key, counter);
  }
  return counter(new Uint8Array(bytes));
}
