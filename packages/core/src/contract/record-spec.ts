/**
 * What a run asks of the fields of each line (`--format`, `--extract`, `--by`, `--where`,
 * `--since`/`--until`, `--count-distinct`, `--schema`, `--in`), as its jobs carry it to
 * the workers. Absent when none of these was given: lines are then only counted.
 */
import { type ChunkJoinSpec, type RunJoinSpec, chunkJoinSpec } from './join-spec.js';

/** How a line's message is written. */
export type BodyFormat = 'text' | 'json' | 'logfmt';

/** A container runtime's wrapping of each line: Docker's json-file, or the CRI's `<time> <stream> <P|F> <message>`. */
export type Envelope = 'docker' | 'cri';

/** `--format`: `json`, `docker` (= docker+text), `cri+logfmt`, … */
export interface RecordFormat {
  envelope?: Envelope;
  body: BodyFormat;
}

export type { WhereClause, WhereOp } from './where-clause.js';
import type { WhereClause } from './where-clause.js';

/** What the workers need. */
export interface ChunkRecordSpec {
  format: RecordFormat;
  /** `--extract`: regular expressions (JavaScript syntax) whose named groups are fields of a text line. */
  extract?: string[];
  /** `--in`: the patterns match this field's value instead of the raw line. */
  in?: string;
  /** `--by`: the fields whose values make a line's key. */
  by?: string[];
  /** `--where`: all must hold for a line to be selected. */
  where?: WhereClause[];
  /** `--since` (inclusive) and `--until` (exclusive), ms since the epoch, read from each line's own timestamp. */
  since?: number;
  until?: number;
  /** `--time-format` for the timestamps of `--since`/`--until`. */
  timeFormat?: string;
  /** `--count-distinct`: fields whose distinct values are counted, per key and in total. */
  countDistinct?: string[];
  /** `--schema`: a JSON Schema each record must satisfy, else the line is rejected. */
  schema?: unknown;
  /**
   * `--notify-over` (with `by`): a key whose lines pass it (count > n) is a crossing. The
   * workers send each key's last selected line of a chunk (ChunkRecordFindings.lastLines)
   * and pass it to the recording, which finds the crossings.
   */
  notifyOver?: number;
  /** A join across sources (`--left`, `--right`): the chunk's join events are found with its records. */
  join?: ChunkJoinSpec;
  /** When the run started (ms): relative times and yearless timestamps are read from it, the same on every worker. */
  now: number;
}

/** What the report and the recording need besides (stored with the run definition). */
export interface RunRecordSpec extends ChunkRecordSpec {
  join?: RunJoinSpec;
  /** `--max-keys`: keys past it go to the `others` row. */
  maxKeys: number;
  /** The file `--schema` was read from, for the report. */
  schemaFile?: string;
}

export const DEFAULT_MAX_KEYS = 10_000;

/**
 * Distinct values counted exactly, per key and field, before the count becomes a
 * HyperLogLog estimate (Redis's PFADD/PFCOUNT, standard error 0.81 %). Chosen so that
 * the exact set at its largest (200 short values, about 9 KB) stays below what a
 * HyperLogLog takes at its largest (12 KB, dense): a key costs at most about 12 KB per
 * field, 120 MB for a full table of 10,000 keys, whatever the cardinality.
 */
export const EXACT_DISTINCT_PER_KEY = 200;
/** The same bound for the run's totals (and the `others` row). */
export const EXACT_DISTINCT_TOTAL = 100_000;

/** Longest key (its JSON text, in UTF-8 bytes) a line may have; a line with a longer one is rejected. */
export const MAX_KEY_BYTES = 4096;

/** The part of a run's record spec the workers need. */
export function chunkRecordSpec(spec: RunRecordSpec): ChunkRecordSpec {
  const { maxKeys: _maxKeys, schemaFile: _schemaFile, join, ...chunk } = spec;
  return join ? { ...chunk, join: chunkJoinSpec(join) } : chunk;
}
