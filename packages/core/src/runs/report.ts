import type { PatternCount } from '../matching/counts.js';
import type { InsightReport } from '../insight/insight-report.js';
import type { PatternSpec } from '../contract/pattern-spec.js';

export type RunStatus = 'running' | 'completed' | 'partial' | 'failed';

/** Per pattern text, as given. */
export type MatchCounts = Record<string, PatternCount>;

/**
 * A range of a source that was not counted because its chunk was dead-lettered. For a
 * chunk read from shared storage that could not be read at all, its lines are unknown
 * (null); the byte range is always exact.
 */
export interface DeadLetteredRange {
  firstLine: number | null;
  lineCount: number | null;
  byteOffset: number;
  byteLength: number;
  reason: string;
}

export interface SourceReport {
  /** The path as given, or `-` for standard input. */
  name: string;
  bytes: number;
  lines: number;
  chunks: number;
  matches: MatchCounts;
  /** With several patterns: the lines that match at least one (with -v: none), as grep -c -e … -e … counts them. */
  any?: { lines: number };
  deadLettered: DeadLetteredRange[];
}

/**
 * The JSON report of the contract (`--json`), with what `--window` and `--top` found.
 * Fields may be added, never renamed.
 */
export interface RunReport extends InsightReport {
  runId: string;
  status: RunStatus;
  patterns: PatternSpec[];
  totals: {
    bytes: number;
    lines: number;
    chunks: number;
    chunksDone: number;
    chunksDeadLettered: number;
    matches: MatchCounts;
    /** With several patterns: the lines that match at least one (with -v: none). */
    any?: { lines: number };
  };
  sources: SourceReport[];
  /** Worker id → chunks it counted. */
  workers: Record<string, number>;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number;
  /** Why the run failed, when `status` is `failed`. */
  error?: string;
}

/** What `status` shows: where a run is, without the per-source breakdown. */
export interface RunProgress {
  runId: string;
  status: RunStatus;
  /** What the run counts, as in the report: `runs` shows it, so that runs can be told apart. */
  patterns: PatternSpec[];
  /** False while the coordinator is still reading input and enqueueing chunks. */
  allEnqueued: boolean;
  chunks: number;
  chunksDone: number;
  chunksDeadLettered: number;
  bytes: number;
  /** Of `bytes`, those of chunks counted or dead-lettered: how far the workers got. */
  bytesSettled: number;
  lines: number;
  sources: string[];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number;
  error?: string;
}
