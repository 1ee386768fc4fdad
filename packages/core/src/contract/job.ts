import { z } from 'zod';
import { InvalidJobError } from '../errors.js';
import type { PatternSpec } from '../matching/pattern.js';

interface ChunkJobCommon {
  /** Contract version, so that a worker can refuse jobs it does not understand. */
  v: 1;
  runId: string;
  /** Index of the source in the run's `sources`. */
  source: number;
  /** Position of the chunk in its source, from 0. */
  seq: number;
  /** Where the chunk starts in its (uncompressed) source; it starts a line. */
  byteOffset: number;
  /** Its length; it ends just after a `\n`, or at the end of the source. */
  byteLength: number;
  patterns: PatternSpec[];
}

/**
 * A chunk whose bytes are stored in Redis under their own key (`RedisKeys.chunk`), never
 * in the job data, which JSON would inflate fivefold. The coordinator counted its lines.
 */
export interface StoredChunkJob extends ChunkJobCommon {
  firstLine: number;
  lineCount: number;
}

/**
 * A chunk that workers read themselves from a file on storage they share with the
 * coordinator (`--shared-root`): a path relative to that root and a byte range. Nobody
 * counted its lines before: the worker does.
 */
export interface FileChunkJob extends ChunkJobCommon {
  path: string;
}

/** The data of one chunk job. */
export type ChunkJobData = StoredChunkJob | FileChunkJob;

export function isFileChunk(job: ChunkJobData): job is FileChunkJob {
  return 'path' in job;
}

export const RUN_ID_PATTERN = /^r-[0-9a-z]+-[0-9a-z]+$/;

const count = z.number().int().nonnegative();

const patternSpecSchema = z.object({
  pattern: z.string(),
  regex: z.boolean(),
  ignoreCase: z.boolean(),
});

const common = {
  v: z.literal(1),
  runId: z.string().regex(RUN_ID_PATTERN),
  source: count,
  seq: count,
  byteOffset: count,
  byteLength: count,
  patterns: z.array(patternSpecSchema).min(1),
};

const storedChunkSchema = z.object({ ...common, firstLine: z.number().int().positive(), lineCount: count }).strict();

const fileChunkSchema = z
  .object({
    ...common,
    // Relative, with no way up: a worker joins it to its own --shared-root.
    path: z
      .string()
      .min(1)
      .refine((path) => !path.startsWith('/') && !path.split('/').includes('..') && !path.includes('\0'), 'must be a relative path inside the shared root'),
  })
  .strict();

/** Validates job data read back from Redis; throws `InvalidJobError` naming what is wrong. */
export function parseChunkJob(data: unknown): ChunkJobData {
  const schema = typeof data === 'object' && data !== null && 'path' in data ? fileChunkSchema : storedChunkSchema;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new InvalidJobError(`invalid chunk job data: ${problems}`);
  }
  return parsed.data;
}

/** The chunk's id within its run, `<source>.<seq>`. */
export function chunkId(job: Pick<ChunkJobData, 'source' | 'seq'>): string {
  return `${job.source}.${job.seq}`;
}

/** The BullMQ job id: one per chunk, so enqueueing the same chunk twice adds one job. */
export function chunkJobId(job: Pick<ChunkJobData, 'runId' | 'source' | 'seq'>): string {
  return `${job.runId}.${job.source}.${job.seq}`;
}

/** The job id of a replay of a dead-lettered chunk: one per dead-letter generation. */
export function replayJobId(job: Pick<ChunkJobData, 'runId' | 'source' | 'seq'>, generation: number): string {
  return `${chunkJobId(job)}.r${generation}`;
}

export function isReplayJobId(id: string): boolean {
  return /\.r\d+$/.test(id);
}
