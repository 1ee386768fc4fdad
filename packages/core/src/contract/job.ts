import { z } from 'zod';
import { InvalidJobError } from '../errors.js';
import type { PatternSpec } from '../matching/pattern.js';

/**
 * The data of one chunk job. It carries a reference to the chunk's bytes (stored under
 * their own Redis key, see `RedisKeys.chunk`) and what is needed to count and check
 * them; never the bytes themselves, which JSON would inflate fivefold.
 */
export interface ChunkJobData {
  /** Contract version, so that a worker can refuse jobs it does not understand. */
  v: 1;
  runId: string;
  /** Index of the source in the run's `sources`. */
  source: number;
  /** Position of the chunk in its source, from 0. */
  seq: number;
  byteOffset: number;
  byteLength: number;
  firstLine: number;
  lineCount: number;
  patterns: PatternSpec[];
}

export const RUN_ID_PATTERN = /^r-[0-9a-z]+-[0-9a-z]+$/;

const count = z.number().int().nonnegative();

const patternSpecSchema = z.object({
  pattern: z.string(),
  regex: z.boolean(),
  ignoreCase: z.boolean(),
});

const chunkJobSchema = z
  .object({
    v: z.literal(1),
    runId: z.string().regex(RUN_ID_PATTERN),
    source: count,
    seq: count,
    byteOffset: count,
    byteLength: count,
    firstLine: z.number().int().positive(),
    lineCount: count,
    patterns: z.array(patternSpecSchema).min(1),
  })
  .strict();

/** Validates job data read back from Redis; throws `InvalidJobError` naming what is wrong. */
export function parseChunkJob(data: unknown): ChunkJobData {
  const parsed = chunkJobSchema.safeParse(data);
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
