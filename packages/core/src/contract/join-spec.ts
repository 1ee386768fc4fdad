/**
 * A join across sources (`--left`, `--right`, `--join-key`, `--within`): what the
 * workers need to find each chunk's join events (map), what a reduce job is given, and
 * what it finds in its partition. The SPEC's "Joins across sources" says what a pair is.
 */
import { InvalidJobError } from '../errors.js';
import { count, integer, literal, object, optional, problemsWith, string } from './shape.js';
import type { WhereClause } from './where-clause.js';

/** One side: the field holding its key, and what selects its lines beyond the run's `--where`. */
export interface JoinSide {
  key: string;
  where?: WhereClause[];
}

/** What the workers need of a join to find a chunk's events (in each chunk job). */
export interface ChunkJoinSpec {
  left: JoinSide;
  right: JoinSide;
  /**
   * The run's sources are ordered left only, both sides, right only: sources before
   * `leftEnd` are on the left, sources from `rightStart` on the right.
   */
  leftEnd: number;
  rightStart: number;
  /**
   * A followed run's chunk job (a job of one source, which may have been found after the
   * run began): the sides of its source, in place of `leftEnd`/`rightStart`.
   */
  sides?: number;
  /** Events go to partition hash(key) mod `partitions`, each reduced on its own. */
  partitions: number;
}

/** What the run keeps (its definition): the chunk spec, the tolerance, and the sides' paths as given. */
export interface RunJoinSpec extends ChunkJoinSpec {
  /** `--within` in ms, and as given; absent: equal keys alone make a pair. */
  withinMs?: number;
  within?: string;
  /**
   * A followed join (`submit --follow`): how far behind its side's newest time an event
   * may come (`--lateness`, ms) and still be joined with every partner; events further
   * behind are counted late. With it, closed keys are joined and dropped as the run goes.
   */
  latenessMs?: number;
  lateness?: string;
}

/** The side bits of a source: 1 left, 2 right, 3 both. */
export const LEFT = 1;
export const RIGHT = 2;

export function sidesOf(spec: Pick<ChunkJoinSpec, 'leftEnd' | 'rightStart' | 'sides'>, source: number): number {
  return spec.sides ?? (source < spec.leftEnd ? LEFT : 0) | (source >= spec.rightStart ? RIGHT : 0);
}

export function chunkJoinSpec(spec: RunJoinSpec): ChunkJoinSpec {
  const { withinMs: _withinMs, within: _within, latenessMs: _latenessMs, lateness: _lateness, ...chunk } = spec;
  return chunk;
}

/**
 * A chunk's join events, per partition: `[partition, text]`, the text one event per
 * line, `side \t line \t time \t key` (side 1 or 2, the line 1-based in the chunk, the
 * time in ms or empty, the key as JSON text, so without tabs or line breaks).
 */
export interface ChunkJoinFindings {
  events: number;
  pieces: [partition: number, text: string][];
  /** The chunk's sides, and the newest time of its selected lines (ms; absent if none had one): a followed join's watermark. */
  sides: number;
  latest?: number;
}

/** Where an event is: its source, its chunk, the chunk's first line if known, its line in the chunk. */
export interface JoinEventPlace {
  source: number;
  seq: number;
  firstLine: number | null;
  line: number;
}

/** One side's figures within a partition (or, summed, the run). */
export interface JoinSideFigures {
  events: number;
  matchedEvents: number;
  keys: number;
  unmatchedKeys: number;
}

export interface JoinMatchedExample {
  key: string;
  offsetMs: number | null;
  left: JoinEventPlace & { time: number | null };
  right: JoinEventPlace & { time: number | null };
}

export interface JoinOnlyExample {
  key: string;
  events: number;
  first: JoinEventPlace & { time: number | null };
}

/** Examples kept per kind, in each partition and in the report: those of the smallest keys. */
export const JOIN_EXAMPLES = 5;

/**
 * What the reduce of one partition found. `offsets` counts pairs per bucket of
 * `offsetBounds` (the last bucket, beyond every bound, when there is no tolerance);
 * `untimedPairs` are pairs (without a tolerance) of which an event has no timestamp.
 */
export interface JoinPartitionResult {
  left: JoinSideFigures;
  right: JoinSideFigures;
  matchedKeys: number;
  pairs: number;
  offsets: number[];
  untimedPairs: number;
  examples: { matched: JoinMatchedExample[]; leftOnly: JoinOnlyExample[]; rightOnly: JoinOnlyExample[] };
  /**
   * A followed join: events that came after their side's watermark had passed them by more
   * than `--lateness` (partners of theirs may have been dropped, and pairs missed).
   */
  late?: { left: number; right: number };
}

/**
 * The job that reduces one partition of one round of a run (`JOIN_JOB` on the chunk
 * queue); in a followed join, with `tick` (and round 0), the job that joins and drops the
 * partition's closed keys as the run goes (`JoinTick`).
 */
export interface JoinJobData {
  v: 1;
  runId: string;
  round: number;
  partition: number;
  tick?: number;
}

const joinJobShape = object({
  v: literal(1),
  runId: string({ pattern: /^r-[0-9a-z]+-[0-9a-z]+$/ }),
  round: count,
  partition: count,
  tick: optional(integer({ min: 1 })),
});

/** Validates a reduce job's data read back from Redis; throws `InvalidJobError` naming what is wrong. */
export function parseJoinJob(data: unknown): JoinJobData {
  const problems = problemsWith(data, joinJobShape);
  if (problems.length > 0) throw new InvalidJobError(`invalid join job data: ${problems.join('; ')}`);
  return data as JoinJobData;
}

/** The name of reduce jobs on the chunk queue (chunk jobs are named `chunks`). */
export const JOIN_JOB = 'join';

/** The reduce job's id: one per partition and round, so that adding it twice adds one job. */
export function joinJobId(data: Pick<JoinJobData, 'runId' | 'round' | 'partition' | 'tick'>): string {
  if (data.tick !== undefined) return `${data.runId}.jointick.${data.tick}.${data.partition}`;
  return `${data.runId}.join.${data.round}.${data.partition}`;
}

/**
 * The upper bounds (ms, inclusive) of the buckets of time offsets: 1-2-5 steps from 1 ms
 * below the tolerance, then the tolerance itself; without one, up to a day, and a last
 * bucket beyond (its bound `null` in the report).
 */
export function offsetBounds(withinMs: number | undefined): number[] {
  const steps: number[] = [];
  const top = withinMs ?? 86_400_000;
  for (let scale = 1; scale < top; scale *= 10)
    for (const step of [1, 2, 5]) if (step * scale < top) steps.push(step * scale);
  steps.push(top);
  return steps;
}
