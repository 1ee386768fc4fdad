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

const place = {
  source: count,
  seq: count,
  byteOffset: count,
  byteLength: count,
};

const storedRef = { ...place, firstLine: z.number().int().positive(), lineCount: count };

const fileRef = {
  ...place,
  // Relative, with no way up: a worker joins it to its own --shared-root.
  path: z
    .string()
    .min(1)
    .refine((path) => !path.startsWith('/') && !path.split('/').includes('..') && !path.includes('\0'), 'must be a relative path inside the shared root'),
};

const run = { v: z.literal(1), runId: z.string().regex(RUN_ID_PATTERN), patterns: z.array(patternSpecSchema).min(1) };

const storedChunkSchema = z.object({ ...run, ...storedRef }).strict();
const fileChunkSchema = z.object({ ...run, ...fileRef }).strict();
const storedRefSchema = z.object(storedRef).strict();
const fileRefSchema = z.object(fileRef).strict();

/** Most chunks one job carries. */
export const MAX_CHUNKS_PER_JOB = 64;

const batchSchema = z.object({ ...run, chunks: z.array(z.unknown()).min(1).max(MAX_CHUNKS_PER_JOB) }).strict();

/** A chunk inside a batch: the chunk's data without what the batch holds once for all its chunks. */
export type ChunkRef = Omit<StoredChunkJob, 'v' | 'runId' | 'patterns'> | Omit<FileChunkJob, 'v' | 'runId' | 'patterns'>;

/**
 * The data of one queue job: one or more consecutive chunks of one source of a run.
 * Small chunks travel several to a job so that the queue's cost per job, which is fixed,
 * is shared; each chunk is still counted, recorded and dead-lettered on its own.
 */
export interface ChunkBatchJobData {
  v: 1;
  runId: string;
  patterns: PatternSpec[];
  chunks: ChunkRef[];
}

const hasPath = (data: unknown) => typeof data === 'object' && data !== null && 'path' in data;

function problemsOf(error: z.ZodError, at: string): string {
  return error.issues.map((issue) => `${[at, ...issue.path].filter((part) => part !== '').join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** Validates one chunk's job data (as a dead-letter entry keeps it); throws `InvalidJobError`. */
export function parseChunkJob(data: unknown): ChunkJobData {
  const parsed = (hasPath(data) ? fileChunkSchema : storedChunkSchema).safeParse(data);
  if (!parsed.success) throw new InvalidJobError(`invalid chunk job data: ${problemsOf(parsed.error, '')}`);
  return parsed.data;
}

/**
 * Validates a job read back from Redis and returns its chunks, each with the run's data;
 * throws `InvalidJobError` naming what is wrong.
 */
export function parseChunkBatch(data: unknown): ChunkJobData[] {
  const parsed = batchSchema.safeParse(data);
  if (!parsed.success) throw new InvalidJobError(`invalid chunk job data: ${problemsOf(parsed.error, '')}`);
  const { v, runId, patterns } = parsed.data;
  return parsed.data.chunks.map((ref, i) => {
    const chunk = (hasPath(ref) ? fileRefSchema : storedRefSchema).safeParse(ref);
    if (!chunk.success) throw new InvalidJobError(`invalid chunk job data: ${problemsOf(chunk.error, `chunks.${i}`)}`);
    return { v, runId, patterns, ...chunk.data };
  });
}

/** Packs chunks of one run (same patterns) into the data of one job. */
export function batchJobData(chunks: readonly ChunkJobData[]): ChunkBatchJobData {
  const [first] = chunks;
  if (!first) throw new Error('a job needs at least one chunk');
  return { v: 1, runId: first.runId, patterns: first.patterns, chunks: chunks.map(({ v: _v, runId: _r, patterns: _p, ...ref }) => ref) };
}

/**
 * A job's id: a single chunk's own id, or `<run>.<source>.<first>-<last>` for
 * consecutive chunks of one source. The same chunks enqueued twice make one job.
 */
export function batchJobId(chunks: readonly Pick<ChunkJobData, 'runId' | 'source' | 'seq'>[]): string {
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  return chunks.length === 1 ? chunkJobId(first) : `${first.runId}.${first.source}.${first.seq}-${last.seq}`;
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
