/*
 * The piscina task: counts one chunk on a worker thread. It stays pure and small; it
 * loads only the counting kernel, and caches compiled patterns per pattern set.
 */
import { readSync } from 'node:fs';
import { type ChunkCounter, type ChunkCounts, NewlineWorkspace, type PatternSpec, createChunkCounter } from '@logcluster/core/counting';

export type CountTask =
  | {
      kind: 'bytes';
      /** The chunk's bytes, transferred (not copied) from the main thread. */
      bytes: ArrayBuffer;
      /** Counted by the coordinator when it cut the chunk. */
      lines: number;
      patterns: PatternSpec[];
    }
  | {
      kind: 'file';
      /** An open descriptor of the file (threads share the process's descriptors). */
      fd: number;
      offset: number;
      length: number;
      fileSize: number;
      patterns: PatternSpec[];
    };

export type CountResult = { counts: ChunkCounts } | { misaligned: string };

const MAX_CACHED_PATTERN_SETS = 32;
const counters = new Map<string, ChunkCounter>();
/** This thread's read buffer, reused from chunk to chunk, where its newlines are counted with SIMD. */
let workspace: NewlineWorkspace | undefined;

export default function countChunk(task: CountTask): CountResult {
  const counter = counterFor(task.patterns);
  if (task.kind === 'bytes') return { counts: counter(new Uint8Array(task.bytes), task.lines) };
  // One byte before the range too: it must be the `\n` that ends the previous line.
  const from = task.offset > 0 ? task.offset - 1 : 0;
  const size = task.offset + task.length - from;
  workspace ??= new NewlineWorkspace();
  const scratch = workspace.reserve(size);
  let filled = 0;
  while (filled < size) {
    const read = readSync(task.fd, scratch, filled, size - filled, from + filled);
    if (read === 0) return { misaligned: `the file ends before byte ${task.offset + task.length}: it changed since it was submitted` };
    filled += read;
  }
  if (task.offset > 0 && scratch[0] !== 0x0a) return { misaligned: `byte ${task.offset} no longer starts a line: the file changed since it was submitted` };
  const end = task.offset + task.length;
  if (end < task.fileSize && scratch[size - 1] !== 0x0a) return { misaligned: `byte ${end} no longer ends a line: the file changed since it was submitted` };
  const start = task.offset - from;
  const lines = workspace.countNewlines(start, task.length) + (task.length > 0 && scratch[size - 1] !== 0x0a ? 1 : 0);
  return { counts: counter(scratch.subarray(start, size), lines) };
}

function counterFor(patterns: PatternSpec[]): ChunkCounter {
  const key = JSON.stringify(patterns);
  let counter = counters.get(key);
  if (counter === undefined) {
    if (counters.size >= MAX_CACHED_PATTERN_SETS) counters.clear();
    counter = createChunkCounter(patterns);
    counters.set(key, counter);
  }
  return counter;
}
