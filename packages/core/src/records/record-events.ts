import type { PatternSpec } from '../contract/pattern-spec.js';
import type { LineSelection } from '../insight/line-selection.js';
import type { ChunkCounts } from '../matching/counts.js';
import type { EventMarks } from '../matching/event-counts.js';

/**
 * `--multiline` in a run with a record spec: an event is selected when its first line is
 * (`--where`, `--since`/`--until`, `--schema`), and with `--by` it counts under that
 * line's key. The chunk's events (`counts.events`, of every line, as the event counter
 * found them with `marks`) keep `events` (every event, as `lines` is every line) and get
 * `selected`; each pattern's `matches` (and `any`) become those of the selected events;
 * each key's row of `records.groups` gains `[events, then per pattern the events it
 * matches]` after its line counters. The events' matches are of all their lines: a
 * trace's frames are no records, but what they hold is the event's.
 */
export function selectEvents(
  counts: ChunkCounts,
  marks: EventMarks,
  selection: LineSelection,
  patterns: readonly PatternSpec[],
): void {
  const events = counts.events!;
  const patternCount = patterns.length;
  const invert = patterns.some((pattern) => pattern.invert === true);
  const matches = new Array<number>(patternCount).fill(0);
  let any = 0;
  let selected = 0;
  const groups = counts.records?.groups;
  // Each key's row, its event counters after its 1 + 2 × patterns line counters.
  const base = 1 + 2 * patternCount;
  const rows = groups && selection.keys ? new Map(groups) : undefined;
  for (const [, figures] of groups ?? []) for (let c = 0; c <= patternCount; c++) figures.push(0);
  for (let e = 0; e < marks.lines.length; e++) {
    const line = marks.lines[e]! - 1;
    if (selection.selected[line] !== 1) continue;
    selected++;
    const row = rows?.get(selection.keys![line]!);
    if (row) row[base]!++;
    // With -v, an event counts for `any` when it matches none of the patterns: every flag says "none" then.
    let anyHit = invert;
    for (let p = 0; p < patternCount; p++) {
      const hit = marks.matched[e * patternCount + p] === 1;
      if (hit) {
        matches[p]!++;
        if (row) row[base + 1 + p]!++;
      }
      anyHit = invert ? anyHit && hit : anyHit || hit;
    }
    if (anyHit) any++;
  }
  events.selected = selected;
  events.matches = matches;
  if (events.any !== undefined) events.any = any;
}
