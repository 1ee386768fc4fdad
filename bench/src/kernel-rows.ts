import { type PatternSpec, createChunkCounter } from '@logcluster/core';
import { CountingWorkspace } from '@logcluster/core/counting';
import { median } from './measure.js';

/** A file's bytes cut into line-aligned chunks of about 4 MiB, as `analyze` cuts them. */
export function chunksOf(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < data.length;) {
    let end = Math.min(data.length, start + (4 << 20));
    if (end < data.length) end = data.lastIndexOf(0x0a, end - 1) + 1;
    chunks.push(data.subarray(start, end));
    start = end;
  }
  return chunks;
}

/**
 * The counting kernel alone, as a counting thread runs it on a chunk it has read from a
 * file into its workspace: each chunk placed first (untimed: in `analyze` that copy is the
 * read), then its lines and the pattern counted (timed), with no line count given, so
 * that a literal and the lines are counted in one read. The median of `rounds` passes
 * over all chunks, ms; and the matching lines.
 */
export function countInPlace(chunks: Buffer[], spec: PatternSpec, rounds: number): { ms: number; lines: number } {
  const workspace = new CountingWorkspace();
  const count = createChunkCounter([spec], workspace);
  const times: number[] = [];
  let lines = 0;
  for (let round = 0; round < rounds; round++) {
    let ns = 0n;
    lines = 0;
    for (const chunk of chunks) {
      const placed = workspace.place(chunk);
      const started = process.hrtime.bigint();
      lines += count(placed).matches[0]!.lines;
      ns += process.hrtime.bigint() - started;
    }
    times.push(Number(ns) / 1e6);
  }
  return { ms: median(times), lines };
}
