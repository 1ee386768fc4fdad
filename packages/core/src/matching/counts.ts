import type { ChunkInsight, ChunkRecordFindings } from '../contract/chunk-findings.js';
import type { ChunkJoinFindings } from '../contract/join-spec.js';

/** Matches of one pattern: lines that match (grep -c) and non-overlapping matches (grep -o | wc -l). */
export interface PatternCount {
  lines: number;
  occurrences: number;
  /** In a report of a run with `--multiline`: events with a matching line (see EventCounts). */
  events?: number;
}

/** What counting one chunk yields; `matches` is in the order of the run's patterns. */
export interface ChunkCounts {
  bytes: number;
  lines: number;
  matches: PatternCount[];
  /**
   * With several patterns: the lines that match at least one of them (with -v, none of
   * them), what grep -c -e … -e … prints. Absent with one pattern.
   */
  any?: number;
  /** Windows and message templates, when the run asks for them. */
  insight?: ChunkInsight;
  /** What the lines' fields gave, when the run has a record spec; `matches` and `any` then count the selected lines only. */
  records?: ChunkRecordFindings;
  /** With `--multiline`: the events that start in the chunk (see event-counts.ts). */
  events?: EventCounts;
  /** In a join (`--left`, `--right`), for a chunk of either side: its join events (records/join-events.ts). */
  join?: ChunkJoinFindings;
}

/** The events (`--multiline`) that start in a chunk. */
export interface EventCounts {
  events: number;
  /** In a run with a record spec: the events whose first line is selected (`matches` and `any` are then theirs). */
  selected?: number;
  /** Per pattern, in the run's order: events with a line it matches (with -v: with no such line). */
  matches: number[];
  /** With several patterns: events with a line any of them matches (with -v: with no line any matches). */
  any?: number;
}

export function emptyPatternCount(): PatternCount {
  return { lines: 0, occurrences: 0 };
}

/** Adds `from` into `into`, pattern by pattern. */
export function addPatternCounts(into: PatternCount[], from: readonly PatternCount[]): void {
  from.forEach((count, i) => {
    const target = (into[i] ??= emptyPatternCount());
    target.lines += count.lines;
    target.occurrences += count.occurrences;
  });
}
