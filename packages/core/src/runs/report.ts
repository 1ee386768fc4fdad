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
  /** With `--multiline`: the events that start in the source (each pattern's `events` are those it matches). */
  events?: number;
  /** With several patterns: the lines that match at least one (with -v: none), as grep -c -e … -e … counts them; with `--multiline`, the events too. */
  any?: { lines: number; events?: number };
  /** In a run with a record spec: lines selected, filtered out (`--where`, `--since`/`--until`) and rejected; they add up to `lines`. */
  selectedLines?: number;
  /** In a run with a record spec and `--multiline`: the events whose first line is selected. */
  selectedEvents?: number;
  filteredLines?: number;
  rejectedLines?: number;
  deadLettered: DeadLetteredRange[];
}

/** A `--count-distinct` field's count of distinct values: exact up to its bound (record-spec.ts), else an estimate. */
export interface DistinctCount {
  count: number;
  exact: boolean;
}

/** Per `--count-distinct` field, by its name. */
export type DistinctCounts = Record<string, DistinctCount>;

/** One row of the per-key table: a key (the values of `by`'s fields, null for a missing one) and its exact counts. */
export interface GroupRow {
  key: (string | null)[];
  lines: number;
  /** With `--multiline`: the selected events whose first line has this key (each pattern's `events`: those it matches). */
  events?: number;
  matches: MatchCounts;
  distinct?: DistinctCounts;
}

/**
 * `groups` (`--by`): the table's keys (at most `--max-keys`, each exact), sorted by lines
 * descending then by key (their JSON text); the keys past the bound add up in `others`
 * (exact sums; `others.keys` is an estimate). `distinctKeys` = the table's keys +
 * `others.keys`, exact only when `others` is empty.
 */
export interface GroupsReport {
  by: string[];
  distinctKeys: number;
  distinctKeysExact: boolean;
  keys: GroupRow[];
  others: { keys: number; lines: number; events?: number; matches: MatchCounts; distinct?: DistinctCounts };
}

/** Where a rejected line is: its source's name and line (null while the lines before its chunk are not all counted). */
export interface LineRef {
  source: string;
  line: number | null;
}

/** `rejected`: lines rejected, per reason (most lines first) with the first few in line order. */
export interface RejectedReport {
  lines: number;
  reasons: { reason: string; lines: number; examples: LineRef[] }[];
}

/**
 * A key of the table whose lines passed `--notify-over` n (more than n lines), once per
 * key. Only keys in the table cross: a key in `others` has no count of its own. Rows grow
 * a chunk at a time, so the crossing is seen at the chunk that took the key past n.
 */
export interface CrossingReport {
  key: (string | null)[];
  /** The key's lines right after that chunk: more than n (by how much depends on where chunks were cut). */
  count: number;
  /** When the crossing was recorded (ISO 8601, by Redis's clock). */
  at: string;
  source: string;
  /**
   * The key's last selected line in that chunk (1-based in its source): up to and
   * including it, the key has more than n lines. null while the lines before the chunk
   * are not all counted (a chunk read from shared storage, after one not yet counted).
   */
  line: number | null;
}

/** One side of a join: its events (selected lines with the key), those in a pair, its keys, those with no event in a pair. */
export interface JoinSideReport {
  events: number;
  matchedEvents: number;
  unmatchedEvents: number;
  keys: number;
  unmatchedKeys: number;
}

/** Where a join event is: its source, its line (null while the lines before its chunk are not all counted), its time. */
export interface JoinEventRef {
  source: string;
  line: number | null;
  /** ISO 8601, or null for a line without a timestamp. */
  time: string | null;
}

/**
 * A join across sources (`--left`, `--right`): see the SPEC's "Joins across sources". Its
 * figures are those of the partitions reduced (all of them once the run has ended, less
 * any dead-lettered: `partitions`).
 */
export interface JoinReport {
  key: [left: string, right: string];
  within: string | null;
  left: JoinSideReport;
  right: JoinSideReport;
  matchedKeys: number;
  pairs: number;
  /** Pairs by |right − left|: each bucket those above the bound before and at most `upToMs` (null: beyond every bound). */
  offsets: { upToMs: number | null; pairs: number }[];
  /** Without `--within`: pairs of which an event has no timestamp (in no bucket of `offsets`). */
  untimedPairs?: number;
  /** Those of the keys first in order (their JSON text, code unit by code unit), up to 5 per kind. */
  examples: {
    matched: { key: string; offsetMs: number | null; left: JoinEventRef; right: JoinEventRef }[];
    leftOnly: { key: string; events: number; first: JoinEventRef }[];
    rightOnly: { key: string; events: number; first: JoinEventRef }[];
  };
  partitions: { total: number; reduced: number; deadLettered: number };
  /**
   * A followed join (`submit --follow`): `--lateness`, and the events that came later than
   * that behind their side's newest time (partners of theirs may have been dropped before
   * they came: their pairs may be missing).
   */
  lateness?: string;
  late?: { left: number; right: number };
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
    /** With `--multiline`: the events (each pattern's `events` are those it matches). */
    events?: number;
    /** With several patterns: the lines that match at least one (with -v: none); with `--multiline`, the events too. */
    any?: { lines: number; events?: number };
    /** In a run with a record spec: lines = selectedLines + filteredLines + rejectedLines. */
    selectedLines?: number;
    /** With `--multiline` too: the events whose first line is selected (each pattern's `events` are among them). */
    selectedEvents?: number;
    filteredLines?: number;
    rejectedLines?: number;
    /** `--count-distinct`: per field, its distinct values among the selected lines. */
    distinct?: DistinctCounts;
  };
  sources: SourceReport[];
  /** The per-key table (`--by`). */
  groups?: GroupsReport;
  /** Rejected lines, in a run with a record spec. */
  rejected?: RejectedReport;
  /** `--notify-over`: the keys that passed it, by `at` then key (their JSON text). */
  crossings?: CrossingReport[];
  /** A join across sources (`--left`, `--right`). */
  join?: JoinReport;
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
