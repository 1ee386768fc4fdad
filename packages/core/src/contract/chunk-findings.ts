/**
 * Lines and matching lines (per pattern, in the run's order) of one time window within a
 * chunk; with a record spec, of its selected lines only. With `--by`, `keys`: the window's
 * count per key.
 */
export type WindowCount = [start: number, lines: number, matches: number[], keys?: WindowKeyCount[]];

/**
 * One key's count within a window of a chunk: `[key, lines, then per pattern its matching
 * lines]`, where `key` is an index into the chunk's `windows.keys`.
 */
export type WindowKeyCount = number[];

/**
 * Lines before a chunk's first timestamp: they belong to the window of the line before the
 * chunk. When no line of the chunk has a timestamp, `example` is its first line (at most
 * `EXAMPLE_LENGTH` characters, in insight/chunk-insight.ts), which the report shows if no line of the run had one.
 */
export interface ChunkLead {
  lines: number;
  matches: number[];
  example?: string;
  /** With `--by`: their count per key, as in WindowCount. */
  keys?: WindowKeyCount[];
}

/**
 * What a worker finds in one chunk beyond its counts, kept per chunk and merged by the
 * report in line order (so that it is exact however chunks are split, retried or
 * counted out of order). Line numbers are 1-based within the chunk. In a run with a
 * record spec, windows and templates are those of the chunk's selected lines only (as its
 * counts are).
 */
export interface ChunkInsight {
  /** The chunk's first line in its source, when the job says (null: worked out from the chunks before it). */
  firstLine: number | null;
  lines: number;
  windows?: {
    lead: ChunkLead;
    buckets: WindowCount[];
    /** The window of the chunk's last line with a timestamp (where the next chunk's lead goes); null if none. */
    last: number | null;
    /** Lines whose timestamp had no year, per year given them (syslog's rule); absent when none. */
    yearAssumed?: [year: number, lines: number][];
    /**
     * With `--by`: the keys (JSON texts, as in ChunkRecordFindings.groups) that the
     * windows' `keys` and the lead's refer to by index. Every window's count of every key
     * is kept, so that the report's top keys per window are exact: at most one entry per
     * selected line of the chunk, so the chunk's insight stays within a small multiple
     * of its bytes (and so does the run's insight hash in Redis, and the report's memory
     * while it merges them).
     */
    keys?: string[];
    /**
     * With `--multiline`: the chunk's events per window (each in the window of its first
     * line), `[events, then per pattern the events it matches]`; `lead` those before the
     * chunk's first timestamp, which go where its lines go.
     */
    events?: { lead: number[]; buckets: [start: number, counts: number[]][] };
  };
  /** Per pattern: templates of its matching lines, and lines beyond the template bound. */
  templates?: { tallies: [string, TemplateTally][]; overflow: number }[];
  /**
   * The chunk's rejected lines by reason (ChunkRecordFindings.rejects), kept here by the
   * run so that the report places their examples in line order as it places templates.
   */
  rejects?: ChunkRejects[];
}

/** One template's tally within some lines. `firstLine`/`lastLine` are line numbers as the caller gives them. */
export interface TemplateTally {
  count: number;
  example: string;
  firstLine: number;
  lastLine: number;
}

/** Lines of a chunk rejected for one reason, with the first few of them (line numbers within the chunk). */
export interface ChunkRejects {
  reason: string;
  lines: number;
  examples: number[];
}

/** Examples kept per reject reason in a chunk, and in the report. */
export const REJECT_EXAMPLES = 3;

/** Distinct values of one `--count-distinct` field among a chunk's selected lines. */
export interface ChunkDistinct {
  total: string[];
  /** With `--by`: per key (as in `groups`). */
  byKey?: [key: string, values: string[]][];
}

/**
 * What the fields of a chunk's lines gave, in runs with a record spec. The chunk's
 * `matches` (and `any`) then count its selected lines only; its `lines` stay every line.
 * lines = selected + filtered + the rejects' lines.
 */
export interface ChunkRecordFindings {
  /** Lines that passed `--where`, `--since`/`--until` and `--schema`. */
  selected: number;
  /** Lines that `--where` or `--since`/`--until` left out. */
  filtered: number;
  /** Lines rejected, by reason: not a record of the format (with `--schema`), failing the schema, a field that is an object, a key too long. */
  rejects: ChunkRejects[];
  /**
   * With `--by`: per key (the JSON text of its values in `by`'s order, null for a missing
   * field: `["404"]`, `["api",null]`), `[lines, then per pattern: lines, occurrences]` of
   * its selected lines.
   */
  groups?: [key: string, counts: number[]][];
  /**
   * With `--notify-over`: per key of `groups` (in its order), the line (1-based within the
   * chunk) of its last selected line, where a key that passed the threshold in this chunk
   * had passed it for sure. Absent in runs without `--notify-over`.
   */
  lastLines?: number[];
  /** With `--count-distinct`: per field, in the spec's order. */
  distinct?: ChunkDistinct[];
}
