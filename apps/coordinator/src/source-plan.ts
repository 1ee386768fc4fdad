import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { ChunkJobData, RunDefinition } from '@logcluster/core';
import { UsageError, chunkInsightSpec, chunkRecordSpec } from '@logcluster/core';
import type { ChunkPlace } from './enqueued-chunks.js';
import type { Input } from './inputs.js';

/**
 * How a source's chunks reach the workers: their bytes stored in Redis, or a path on
 * storage the workers share (relative to the shared root), which they read themselves.
 */
export type SourcePlan = { kind: 'stored' } | { kind: 'file'; path: string };

/**
 * Plans each input. With a shared root, every plain (uncompressed, regular) file must lie
 * under it, or the submission is refused before anything is enqueued; standard input and
 * gzip files always go through Redis.
 */
export async function planSources(inputs: readonly Input[], sharedRoot: string | undefined): Promise<SourcePlan[]> {
  if (sharedRoot === undefined) return inputs.map(() => ({ kind: 'stored' }));
  if (!isAbsolute(sharedRoot)) throw new UsageError(`--shared-root must be an absolute path (got "${sharedRoot}")`);
  const root = await realpath(sharedRoot).catch(() => {
    throw new UsageError(`--shared-root ${sharedRoot}: no such directory`);
  });
  return inputs.map((input) => {
    if (!input.plainFile) return { kind: 'stored' };
    const path = relative(root, input.plainFile.realPath);
    if (path === '' || path.startsWith(`..${sep}`) || path === '..' || isAbsolute(path)) {
      throw new UsageError(`${input.name} is outside --shared-root ${sharedRoot}: workers could not read it`);
    }
    return { kind: 'file', path: path.split(sep).join('/') };
  });
}

/** The job of one chunk of a source, per its plan. */
export function chunkJob(
  runId: string,
  source: number,
  plan: SourcePlan,
  place: ChunkPlace,
  { patterns, insight, records, multiline }: Pick<RunDefinition, 'patterns' | 'insight' | 'records' | 'multiline'>,
  joinSides?: number,
): ChunkJobData {
  const chunkRecords = records ? chunkRecordSpec(records) : undefined;
  // A followed join's job names its source's sides (the source may have been found since the run began).
  if (chunkRecords?.join && joinSides !== undefined) chunkRecords.join = { ...chunkRecords.join, sides: joinSides };
  const common = {
    v: 1 as const,
    runId,
    source,
    seq: place.seq,
    byteOffset: place.byteOffset,
    byteLength: place.byteLength,
    patterns,
    ...(patterns.length > 1 ? { any: true as const } : {}),
    ...(insight ? { insight: chunkInsightSpec(insight) } : {}),
    ...(chunkRecords ? { records: chunkRecords } : {}),
    ...(multiline ? { multiline } : {}),
  };
  return plan.kind === 'file'
    ? { ...common, path: plan.path }
    : { ...common, firstLine: place.firstLine, lineCount: place.lineCount };
}
