/** One pattern as the user gave it; also its shape in the JSON report. */
export interface PatternSpec {
  /** The text as given; it keys `matches` in the report. */
  pattern: string;
  /** A JavaScript regular expression rather than literal text. */
  regex: boolean;
  ignoreCase: boolean;
  /** grep -w: only matches that are whole words count (see `line-regex.ts`). Absent: false. */
  wholeWord?: boolean;
  /** grep -x: only a match of the whole line counts; -x wins over -w, as in grep. Absent: false. */
  wholeLine?: boolean;
  /**
   * grep -v: `lines` counts the lines that do NOT match, and `occurrences` is 0 (grep -v -o
   * prints nothing). Absent: false. The same for every pattern of a run.
   */
  invert?: boolean;
}
