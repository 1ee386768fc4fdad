/*
 * One core row of the per-key tables (structured-rows.ts), run in a thread of its own: the
 * record pass as a counting thread runs it (each 4 MiB chunk placed in the kernel's
 * workspace, counted, then read by the pass), once to warm the JIT up (not timed: a
 * counting thread serves a run for long), then `rounds` times. A thread of its own, as a
 * counting thread that serves one run: rows run one after the other in one thread would
 * each find the JIT's type feedback of the rows before (the pass and the reader are shared
 * code), which costs the later rows 10–20% (docs/benchmarks.md).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type ChunkRecordSpec, type PatternSpec, createChunkCounter } from '@logcluster/core';
import { CountingWorkspace, createRecordPass } from '@logcluster/core/counting';

export interface PassRowData {
  file: string;
  spec: ChunkRecordSpec;
  patterns: PatternSpec[];
  rounds: number;
}

/** What the thread posts: the time of each round, and the last round's sums. */
export interface PassRowResult {
  times: number[];
  lines: number;
  selected: number;
  matching: number;
  keyed: number;
  keys: Map<string, number>;
}

function chunksOf(data: Buffer, size = 4 << 20): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < data.length;) {
    let end = Math.min(data.length, start + size);
    if (end < data.length) end = data.lastIndexOf(0x0a, end - 1) + 1;
    chunks.push(data.subarray(start, end));
    start = end;
  }
  return chunks;
}

const { file, spec, patterns, rounds } = workerData as PassRowData;
const workspace = new CountingWorkspace();
const count = createChunkCounter(patterns, workspace);
const pass = createRecordPass(spec, patterns, createChunkCounter(patterns), workspace);
const chunks = chunksOf(readFileSync(file));
const result: PassRowResult = { times: [], lines: 0, selected: 0, matching: 0, keyed: 0, keys: new Map() };
for (let round = -1; round < rounds; round++) {
  const sums = { lines: 0, selected: 0, matching: 0, keyed: 0, keys: new Map<string, number>() };
  const started = process.hrtime.bigint();
  for (const chunk of chunks) {
    const placed = workspace.place(chunk);
    const counts = pass(placed, count(placed));
    sums.lines += counts.lines;
    sums.selected += counts.records!.selected;
    sums.matching += counts.matches[0]!.lines;
    for (const [key, figures] of counts.records!.groups ?? []) {
      sums.keyed += figures[0]!;
      sums.keys.set(key, (sums.keys.get(key) ?? 0) + figures[0]!);
    }
  }
  if (round >= 0) result.times.push(Number(process.hrtime.bigint() - started) / 1e6);
  Object.assign(result, sums);
}
parentPort!.postMessage(result);
