/**
 * Which lines of a chunk a run with a record spec selects (`--where`, `--since`/`--until`,
 * `--schema`), which patterns each matched and its `--by` key, as the records pass found
 * them: the insight finder then counts windows and templates of those lines only, without
 * reading their fields again.
 *
 * One per thread, refilled chunk after chunk: its arrays grow to the largest chunk seen
 * and stay. Memory: lines × (1 + patterns) bytes, and with `--by` one reference per line
 * (the key texts themselves are the pass's).
 */
export class LineSelection {
  /** Lines of the chunk last filled. */
  lines = 0;
  /** Patterns of the run. */
  patterns = 0;
  /** Per line (0-based within the chunk): 1 when it is selected. */
  selected = new Uint8Array(0);
  /**
   * Whether `hits` holds the matches of the selected lines. When false (the pass did not
   * match lines one by one), the finder matches each selected line itself.
   */
  matched = false;
  /** Per selected line and pattern, at `line × patterns + pattern`: 1 when the line counts as matching it. */
  hits = new Uint8Array(0);
  /** With `--by`: per selected line, its key (the JSON text of ChunkRecordFindings.groups); null without `--by`. */
  keys: string[] | null = null;
  /**
   * With a container envelope (`--format docker…`, `cri…`): per line, selected or not, the
   * time of its envelope (NaN when it has none), which the finder then takes as the line's
   * time, as `--since`/`--until` do; null otherwise (the finder reads the line's text).
   */
  times: Float64Array | null = null;

  /** Makes ready for a chunk of `lines` lines, none selected yet. */
  reset(lines: number, patterns: number, withKeys: boolean, withTimes = false): void {
    this.lines = lines;
    this.patterns = patterns;
    this.matched = false;
    if (this.selected.length < lines) this.selected = new Uint8Array(grown(this.selected.length, lines));
    else this.selected.fill(0, 0, lines);
    const cells = lines * patterns;
    if (this.hits.length < cells) this.hits = new Uint8Array(grown(this.hits.length, cells));
    else this.hits.fill(0, 0, cells);
    if (withKeys) {
      this.keys ??= [];
      if (this.keys.length < lines) this.keys.length = lines;
    } else this.keys = null;
    if (withTimes) {
      if (this.times === null || this.times.length < lines)
        this.times = new Float64Array(grown(this.times?.length ?? 0, lines));
      this.times.fill(Number.NaN, 0, lines);
    } else this.times = null;
  }
}

/** At least `needed`, and at least 1.5 × what was there: a few growths reach the largest chunk. */
function grown(had: number, needed: number): number {
  return Math.max(needed, Math.ceil(had * 1.5));
}
