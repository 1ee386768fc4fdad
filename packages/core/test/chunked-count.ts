import {
  type PatternCount,
  type PatternSpec,
  addPatternCounts,
  chunkStream,
  createChunkCounter,
} from '../src/index.js';
import type { CountingWorkspace } from '../src/matching/counting-workspace.js';

/**
 * The patterns counted in `data` chunk by chunk, and added up, as a run does; with a
 * workspace, each chunk placed in it (at an odd offset) as a counting thread places it,
 * for the SIMD kernel.
 */
export async function countInChunks(
  data: Buffer,
  specs: readonly PatternSpec[],
  chunkSize: number,
  workspace?: CountingWorkspace,
): Promise<{ lines: number; matches: PatternCount[]; any: number }> {
  const counter = createChunkCounter(specs, workspace);
  const totals: PatternCount[] = [];
  let lines = 0;
  let any = 0;
  for await (const chunk of chunkStream([data], { chunkSize, maxLineSize: 1 << 20, sourceName: 'fuzz' })) {
    let bytes = chunk.bytes;
    if (workspace) {
      bytes = workspace.reserve(chunk.bytes.length + 3).subarray(3);
      bytes.set(chunk.bytes);
    }
    const result = counter(bytes);
    lines += result.lines;
    any += result.any ?? 0;
    addPatternCounts(totals, result.matches);
  }
  return { lines, matches: specs.map((_, i) => totals[i] ?? { lines: 0, occurrences: 0 }), any };
}
