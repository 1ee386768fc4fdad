/*
 * One core row of the per-key tables (structured-rows.ts), run as a process of its own
 * (`node record-pass-row.js '<PassRowData as JSON>'`, the result printed as JSON): the
 * record pass as a counting thread runs it (each 4 MiB chunk placed in the kernel's
 * workspace, counted, then read by the pass), once to warm the JIT up (not timed: a
 * counting thread serves a run for long), then `rounds` times.
 *
 * A process of its own, as a worker's counting thread that serves one run: rows run one
 * after the other in one thread each found the JIT's type feedback of the rows before
 * (the pass and the reader are shared code), which cost the later rows 10–20%; and a
 * thread of the bench's process shared V8's helper threads with its heap of a GiB and
 * more, collected while the row ran (docs/benchmarks.md).
 */
import { readFileSync } from 'node:fs';
import { type ChunkRecordSpec, type PatternSpec, createChunkCounter } from '@logcluster/core';
import { CountingWorkspace, createRecordPass } from '@logcluster/core/counting';

export interface PassRowData {
  file: string;
  spec: ChunkRecordSpec;
  patterns: PatternSpec[];
  rounds: number;
}

/** What the row prints: the time of each round, and the last round's sums (keys as [key, lines]). */
export interface PassRowResult {
  times: number[];
  lines: number;
  selected: number;
  matching: number;
  keyed: number;
  keys: [string, number][];
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

const { file, spec, patterns, rounds } = JSON.parse(process.argv[2]!) as PassRowData;
const workspace = new CountingWorkspace();
const count = createChunkCounter(patterns, workspace);
const pass = createRecordPass(spec, patterns, createChunkCounter(patterns), workspace);
const chunks = chunksOf(readFileSync(file));
const result: PassRowResult = { times: [], lines: 0, selected: 0, matching: 0, keyed: 0, keys: [] };
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
  Object.assign(result, { ...sums, keys: [...sums.keys] });
}
process.stdout.write(JSON.stringify(result));
