import {
  type Shape,
  anything,
  array,
  boolean,
  count,
  integer,
  literal,
  object,
  optional,
  problemsWith,
  string,
} from './shape.js';
import { InvalidJobError } from '../errors.js';
import type { ChunkInsightSpec } from './insight-spec.js';
import type { MultilineSpec } from './multiline-spec.js';
import type { PatternSpec } from './pattern-spec.js';
import type { ChunkRecordSpec } from './record-spec.js';

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
  /**
   * With several patterns: the run counts `any`, the lines they select together. Said in
   * the job so that a worker too old to count it refuses the job (an unknown field)
   * rather than leave `any` silently short.
   */
  any?: true;
  /** What to find beyond counts (windows, templates), when the run asks. */
  insight?: ChunkInsightSpec;
  /** What to read from the lines' fields (keys, filters, distinct values), when the run asks. */
  records?: ChunkRecordSpec;
  /** How lines group into events (`--multiline`), when the run asks: the worker counts events too. */
  multiline?: MultilineSpec;
}

/**
 * Where a chunk's bytes lie when they are stored together with the other chunks of its
 * job: under one key (`RedisKeys.chunkPack`) holding the bytes of chunks `first`…`last`
 * of the source end to end, this chunk's at `offset`. Without a pack, a chunk's bytes
 * are a pack of their own (first = last = its seq, offset 0).
 */
export interface ChunkPack {
  first: number;
  last: number;
  offset: number;
}

/**
 * A chunk whose bytes are stored in Redis (in its pack), never in the job data, which
 * JSON would inflate fivefold. The coordinator counted its lines.
 */
export interface StoredChunkJob extends ChunkJobCommon {
  firstLine: number;
  lineCount: number;
  /** Absent when the chunk is stored alone. */
  pack?: ChunkPack;
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

const patternSpecShape = object({
  pattern: string(),
  regex: boolean,
  ignoreCase: boolean,
  wholeWord: optional(boolean),
  wholeLine: optional(boolean),
  invert: optional(boolean),
});

const place = { source: count, seq: count, byteOffset: count, byteLength: count };

const storedRef = {
  ...place,
  firstLine: integer({ min: 1 }),
  lineCount: count,
  pack: optional(object({ first: count, last: count, offset: count })),
};

const fileRef = {
  ...place,
  // Relative, with no way up: a worker joins it to its own --shared-root.
  path: string({
    refine: [
      (path) => path.length > 0 && !path.startsWith('/') && !path.split('/').includes('..') && !path.includes('\0'),
      'must be a relative path inside the shared root',
    ],
  }),
};

const insightShape = object({
  windowMs: optional(integer({ min: 1 })),
  timeFormat: optional(string()),
  templates: optional(boolean),
  now: integer(),
});

const whereShape = array(
  object({
    field: string(),
    op: (value, path, problems) => {
      if (!['=', '!=', '~', '>', '>=', '<', '<=', '?'].includes(value as string))
        problems.push(`${path}: must be one of = != ~ > >= < <= ?`);
    },
    value: string(),
  }),
);

const joinSideShape = object({ key: string(), where: optional(whereShape) });

const recordsShape = object({
  format: object({
    envelope: optional((value, path, problems) => {
      if (value !== 'docker' && value !== 'cri') problems.push(`${path}: must be "docker" or "cri"`);
    }),
    body: (value, path, problems) => {
      if (value !== 'text' && value !== 'json' && value !== 'logfmt')
        problems.push(`${path}: must be "text", "json" or "logfmt"`);
    },
  }),
  extract: optional(array(string())),
  in: optional(string()),
  by: optional(array(string(), { min: 1 })),
  where: optional(whereShape),
  since: optional(integer()),
  until: optional(integer()),
  timeFormat: optional(string()),
  countDistinct: optional(array(string(), { min: 1 })),
  schema: optional(anything),
  notifyOver: optional(integer({ min: 0 })),
  join: optional(
    object({
      left: joinSideShape,
      right: joinSideShape,
      leftEnd: count,
      rightStart: count,
      sides: optional(integer({ min: 1 })),
      partitions: integer({ min: 1 }),
    }),
  ),
  now: integer(),
});

const run = {
  v: literal(1),
  runId: string({ pattern: RUN_ID_PATTERN }),
  patterns: array(patternSpecShape, { min: 1 }),
  any: optional(boolean),
  insight: optional(insightShape),
  records: optional(recordsShape),
  multiline: optional(object({ pattern: string(), starts: boolean })),
};

const storedChunkShape = object({ ...run, ...storedRef });
const fileChunkShape = object({ ...run, ...fileRef });
const storedRefShape = object(storedRef);
const fileRefShape = object(fileRef);

/** Most chunks one job carries. */
export const MAX_CHUNKS_PER_JOB = 64;

const batchShape = object({ ...run, chunks: array(anything, { min: 1, max: MAX_CHUNKS_PER_JOB }) });

/** A chunk inside a batch: the chunk's data without what the batch holds once for all its chunks. */
export type ChunkRef =
  | Omit<StoredChunkJob, 'v' | 'runId' | 'patterns' | 'any' | 'insight' | 'records' | 'multiline'>
  | Omit<FileChunkJob, 'v' | 'runId' | 'patterns' | 'any' | 'insight' | 'records' | 'multiline'>;

/**
 * The data of one queue job: one or more consecutive chunks of one source of a run.
 * Small chunks travel several to a job so that the queue's cost per job, which is fixed,
 * is shared; each chunk is still counted, recorded and dead-lettered on its own.
 */
export interface ChunkBatchJobData {
  v: 1;
  runId: string;
  patterns: PatternSpec[];
  any?: true;
  insight?: ChunkInsightSpec;
  records?: ChunkRecordSpec;
  multiline?: MultilineSpec;
  chunks: ChunkRef[];
}

const hasPath = (data: unknown) => typeof data === 'object' && data !== null && 'path' in data;

function check(value: unknown, shape: Shape, path = ''): void {
  const problems = problemsWith(value, shape, path);
  if (problems.length > 0) throw new InvalidJobError(`invalid chunk job data: ${problems.join('; ')}`);
}

/** Validates one chunk's job data (as a dead-letter entry keeps it); throws `InvalidJobError`. */
export function parseChunkJob(data: unknown): ChunkJobData {
  check(data, hasPath(data) ? fileChunkShape : storedChunkShape);
  checkPack(data as ChunkJobData);
  return data as ChunkJobData;
}

function checkPack(job: ChunkJobData, path = ''): void {
  if (isFileChunk(job) || !job.pack) return;
  const { first, last, offset } = job.pack;
  if (first > job.seq || job.seq > last || last - first >= MAX_CHUNKS_PER_JOB || offset > job.byteOffset)
    throw new InvalidJobError(
      `invalid chunk job data: ${path}pack: chunk ${job.seq} at ${job.byteOffset} cannot lie at ${offset} of the pack of chunks ${first}-${last}`,
    );
}

/**
 * Validates a job read back from Redis and returns its chunks, each with the run's data;
 * throws `InvalidJobError` naming what is wrong.
 */
export function parseChunkBatch(data: unknown): ChunkJobData[] {
  check(data, batchShape);
  const { v, runId, patterns, any, insight, records, multiline, chunks } = data as ChunkBatchJobData;
  return chunks.map((ref, i) => {
    check(ref, hasPath(ref) ? fileRefShape : storedRefShape, `chunks.${i}`);
    const job: ChunkJobData = {
      v,
      runId,
      patterns,
      ...(any ? { any } : {}),
      ...(insight ? { insight } : {}),
      ...(records ? { records } : {}),
      ...(multiline ? { multiline } : {}),
      ...ref,
    };
    checkPack(job, `chunks.${i}.`);
    return job;
  });
}

/** Packs chunks of one run (same patterns) into the data of one job. */
export function batchJobData(chunks: readonly ChunkJobData[]): ChunkBatchJobData {
  const [first] = chunks;
  if (!first) throw new Error('a job needs at least one chunk');
  return {
    v: 1,
    runId: first.runId,
    patterns: first.patterns,
    ...(first.any ? { any: first.any } : {}),
    ...(first.insight ? { insight: first.insight } : {}),
    ...(first.records ? { records: first.records } : {}),
    ...(first.multiline ? { multiline: first.multiline } : {}),
    chunks: chunks.map(
      ({ v: _v, runId: _r, patterns: _p, any: _a, insight: _i, records: _r2, multiline: _m, ...ref }) => ref,
    ),
  };
}

/** A stored chunk's pack: the one its job data names, or the chunk alone. */
export function packOf(job: Pick<StoredChunkJob, 'seq' | 'pack'>): ChunkPack {
  return job.pack ?? { first: job.seq, last: job.seq, offset: 0 };
}

/**
 * Stored chunks that travel in one job, each given their pack: the job's chunks, which
 * must be consecutive chunks of one source. A lone chunk is a pack of its own, named by
 * no field (so its job data is as it was before packs).
 */
export function packed(jobs: readonly StoredChunkJob[]): StoredChunkJob[] {
  checkPackable(jobs);
  if (jobs.length < 2) return [...jobs];
  const first = jobs[0]!;
  const pack = { first: first.seq, last: jobs[jobs.length - 1]!.seq };
  return jobs.map((job) => ({ ...job, pack: { ...pack, offset: job.byteOffset - first.byteOffset } }));
}

/** Throws unless the chunks are consecutive chunks of one source, end to end: what a pack holds. */
export function checkPackable(
  chunks: readonly { source: number; seq: number; byteOffset: number; byteLength: number }[],
): void {
  chunks.forEach((chunk, i) => {
    const before = chunks[i - 1];
    if (
      before &&
      (chunk.source !== before.source ||
        chunk.seq !== before.seq + 1 ||
        chunk.byteOffset !== before.byteOffset + before.byteLength)
    ) {
      throw new Error(
        `chunks ${before.source}.${before.seq} and ${chunk.source}.${chunk.seq} are not consecutive: they cannot share a pack`,
      );
    }
  });
}

/**
 * A job's id: a single chunk's own id, `<run>.<source>.<first>-<last>` for consecutive
 * chunks of one source, or `<run>.<source>.<first>-<source>.<last>` for chunks that run
 * on from one source into the next ones (whole small files that workers read
 * themselves). The same chunks enqueued twice make one job.
 */
export function batchJobId(chunks: readonly Pick<ChunkJobData, 'runId' | 'source' | 'seq'>[]): string {
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  if (chunks.length === 1) return chunkJobId(first);
  return first.source === last.source
    ? `${first.runId}.${first.source}.${first.seq}-${last.seq}`
    : `${first.runId}.${first.source}.${first.seq}-${last.source}.${last.seq}`;
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
