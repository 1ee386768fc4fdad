import type { ChunkInsight, ChunkLead, WindowCount, WindowKeyCount } from '../contract/chunk-findings.js';
import type { ChunkInsightSpec } from '../contract/insight-spec.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import type { EventMarks } from '../matching/event-counts.js';
import type { ChunkCounter } from '../matching/matcher.js';
import type { LineSelection } from './line-selection.js';
import { TemplateTallies } from './message-template.js';
import { createTimestampParser } from './timestamps.js';

/** Longest line decoded for its template; the rest of a longer line plays no part in it. */
const MAX_DECODED_LINE = 4096;
/** Bytes at the start of a line searched for its timestamp (the parser looks at 200 characters of them). */
const TIMESTAMP_BYTES = 200;
/** Characters of a line shown as an example of lines without a timestamp. */
export const EXAMPLE_LENGTH = 200;

/**
 * Finds a chunk's insight: its windows and the templates of its matching lines.
 * `chunkMatches` are the chunk's matching lines per pattern (a pattern without any is not
 * looked for). With a `selection` (a run with a record spec, filled by the records pass),
 * only the selected lines count, in windows, templates and per-window keys; a selected
 * line without a timestamp still takes its window from the last line before it that has
 * one, selected or not, as every line does without a selection (so those lines are read
 * for their timestamp when, and only when, a selected line needs it). With `events` (a
 * `--multiline` run; the event counter marked where the chunk's events start and what
 * they match), the windows also count events, each in the window of its first line, and
 * the templates are of matching events' first lines, one per event.
 */
export type InsightFinder = (
  bytes: Uint8Array,
  firstLine: number | null,
  lines: number,
  chunkMatches: readonly number[],
  selection?: LineSelection,
  events?: EventMarks,
) => ChunkInsight;

/**
 * Builds what finds a chunk's insight. `counter` is the run's own counter, asked line by
 * line, so that a line matches here exactly when it matches in the counts.
 */
export function createInsightFinder(
  spec: ChunkInsightSpec,
  patterns: readonly PatternSpec[],
  counter: ChunkCounter,
): InsightFinder {
  const patternCount = patterns.length;
  // A plain literal is looked for once through the chunk (a line matches when the next
  // occurrence lies in it); the counter, line by line, answers for every other pattern.
  const needles = patterns.map((p) =>
    !p.regex && !p.ignoreCase && !p.wholeWord && !p.wholeLine && !p.invert && p.pattern !== ''
      ? Buffer.from(p.pattern, 'utf8')
      : null,
  );
  // Years given to timestamps without one, in the chunk being read: the parser is made once, for every chunk.
  let yearAssumed = new Map<number, number>();
  // Off while lines that are not selected are read for their time: only counted lines count here.
  let countYears = true;
  const onYearAssumed = (year: number) => {
    if (countYears) yearAssumed.set(year, (yearAssumed.get(year) ?? 0) + 1);
  };
  const timestampOf =
    spec.windowMs !== undefined
      ? createTimestampParser({
          ...(spec.timeFormat !== undefined ? { timeFormat: spec.timeFormat } : {}),
          now: spec.now,
          onYearAssumed,
        })
      : undefined;
  const windowMs = spec.windowMs ?? 0;
  /** The time of the last line of indexes [first, last] that has one, from the envelopes' times. */
  const envelopeTimeBefore = (times: Float64Array, first: number, last: number): number | undefined => {
    for (let line = last; line >= first; line--) if (!Number.isNaN(times[line]!)) return times[line];
    return undefined;
  };
  /** The time of the last line in [from, to) that has a timestamp (`from` and `to` begin lines, or `to` ends the chunk). */
  const timeBefore = (bytes: Buffer, from: number, to: number): number | undefined => {
    countYears = false;
    try {
      for (let lineEnd = to; lineEnd > from;) {
        const textEnd = bytes[lineEnd - 1] === 0x0a ? lineEnd - 1 : lineEnd;
        // (lastIndexOf takes a negative offset as counted from the end: never give it one.)
        const lineStart = textEnd > from ? Math.max(from, bytes.lastIndexOf(0x0a, textEnd - 1) + 1) : from;
        const at = timestampOf!(bytes.toString('latin1', lineStart, Math.min(textEnd, lineStart + TIMESTAMP_BYTES)));
        if (at !== undefined) return at;
        lineEnd = lineStart;
      }
      return undefined;
    } finally {
      countYears = true;
    }
  };
  return (input, firstLine, lines, chunkMatches, selection, events) => {
    yearAssumed = new Map();
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const chosen = selection?.selected;
    // The records pass's own matches, when it matched each selected line (as --in needs).
    const hits = selection?.matched ? selection.hits : undefined;
    const lineKeys = timestampOf ? (selection?.keys ?? undefined) : undefined;
    // Container lines: the envelope's time, as --since/--until read it, not a time in the message.
    const times = selection?.times ?? undefined;
    // Patterns with no match in the chunk need not be asked about each line.
    const patternsToAsk = hits ? [] : chunkMatches.flatMap((count, i) => (count > 0 ? [i] : []));
    const literal = patternsToAsk.filter((i) => needles[i] !== null);
    const others = patternsToAsk.filter((i) => needles[i] === null);
    const nextAt = literal.map(() => -2);
    const tallies = spec.templates ? Array.from({ length: patternCount }, () => new TemplateTallies()) : undefined;
    const buckets = new Map<number, WindowCount>();
    const lead: ChunkLead = { lines: 0, matches: new Array<number>(patternCount).fill(0) };
    let current: WindowCount | undefined;
    let lastStart: number | null = null;
    // With --by: per window (and for the lead), key → [lines, matching lines per pattern].
    const keyTables = lineKeys ? new Map<number, Map<string, number[]>>() : undefined;
    const leadKeys = lineKeys ? new Map<string, number[]>() : undefined;
    let currentKeys: Map<string, number[]> | undefined;
    let lineNumber = 0;
    // With events: the next event's index in `events`, and per window (and for the lead) [events, then per pattern the events it matches].
    let nextEvent = 0;
    const eventBuckets = events ? new Map<number, number[]>() : undefined;
    const eventLead = new Array<number>(1 + patternCount).fill(0);
    // With a selection: where the lines skipped since the last line read begin (none read for its time yet).
    let unread = 0;
    let unreadLine = 0;
    // No closures are made per line: the task bundle keeps function names, which costs
    // a property definition for every function created.
    const matched: number[] = [];
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      lineNumber++;
      const event = events && events.lines[nextEvent] === lineNumber ? nextEvent++ : -1;
      if (chosen && chosen[lineNumber - 1] === 0) {
        start = end + 1;
        continue;
      }
      matched.length = 0;
      if (hits) {
        const at = (lineNumber - 1) * patternCount;
        for (let i = 0; i < patternCount; i++) if (hits[at + i] === 1) matched.push(i);
      }
      for (let k = 0; k < literal.length; k++) {
        const i = literal[k]!;
        if (nextAt[k]! !== -1 && nextAt[k]! < start) nextAt[k] = bytes.indexOf(needles[i]!, start);
        if (nextAt[k]! !== -1 && nextAt[k]! < end) matched.push(i);
      }
      if (others.length > 0) {
        const counts = counter(bytes.subarray(start, end === bytes.length ? end : end + 1), 1, { any: false }).matches;
        for (const i of others) if (counts[i]!.lines > 0) matched.push(i);
      }
      if (timestampOf) {
        // Timestamps are ASCII and searched for near the start: the line's first bytes, read as Latin-1, are enough.
        let at: number | undefined;
        if (times) {
          at = envelopeTimeBefore(times, unreadLine, lineNumber - 1);
        } else {
          at = timestampOf(bytes.toString('latin1', start, Math.min(end, start + TIMESTAMP_BYTES)));
          if (at === undefined && unread < start) at = timeBefore(bytes, unread, start);
        }
        if (at !== undefined) {
          const windowStart = Math.floor(at / windowMs) * windowMs;
          current = buckets.get(windowStart);
          if (!current) {
            current = [windowStart, 0, new Array<number>(patternCount).fill(0)];
            buckets.set(windowStart, current);
          }
          if (keyTables) {
            currentKeys = keyTables.get(windowStart);
            if (!currentKeys) keyTables.set(windowStart, (currentKeys = new Map<string, number[]>()));
          }
          lastStart = windowStart;
        }
        if (current) current[1]++;
        else lead.lines++;
        if (event !== -1) {
          let row = current ? eventBuckets!.get(current[0]) : eventLead;
          if (!row) eventBuckets!.set(current![0], (row = new Array<number>(1 + patternCount).fill(0)));
          row[0]!++;
          for (let i = 0; i < patternCount; i++) row[1 + i]! += events!.matched[event * patternCount + i]!;
        }
        const counts = current ? current[2] : lead.matches;
        for (const i of matched) counts[i]!++;
        if (lineKeys) {
          const table = current ? currentKeys! : leadKeys!;
          const key = lineKeys[lineNumber - 1]!;
          let row = table.get(key);
          if (!row) table.set(key, (row = new Array<number>(1 + patternCount).fill(0)));
          row[0]!++;
          for (const i of matched) row[1 + i]!++;
        }
      }
      if (tallies && events) {
        // Per event: the template of its first line, for each pattern the event matches.
        const at = event * patternCount;
        let text: string | undefined;
        for (let i = 0; event !== -1 && i < patternCount; i++) {
          if (events.matched[at + i] !== 1) continue;
          text ??= bytes.toString('utf8', start, Math.min(end, start + MAX_DECODED_LINE));
          tallies[i]!.add(text, lineNumber);
        }
      } else if (tallies && matched.length > 0) {
        const text = bytes.toString('utf8', start, Math.min(end, start + MAX_DECODED_LINE));
        for (const i of matched) tallies[i]!.add(text, lineNumber);
      }
      start = end + 1;
      unread = start;
      unreadLine = lineNumber;
    }
    // The next chunk's lead goes to the window of this chunk's last line with a timestamp, selected or not.
    if (timestampOf && chosen && unread < bytes.length) {
      const at = times
        ? envelopeTimeBefore(times, unreadLine, lineNumber - 1)
        : timeBefore(bytes, unread, bytes.length);
      if (at !== undefined) lastStart = Math.floor(at / windowMs) * windowMs;
    }
    const windows: ChunkInsight['windows'] = timestampOf
      ? { lead, buckets: [...buckets.values()].sort((a, b) => a[0] - b[0]), last: lastStart }
      : undefined;
    if (windows && keyTables && leadKeys) {
      const keys = new KeyList();
      for (const bucket of windows.buckets) bucket[3] = keys.counts(keyTables.get(bucket[0])!);
      if (leadKeys.size > 0) lead.keys = keys.counts(leadKeys);
      windows.keys = keys.texts;
    }
    if (windows && eventBuckets) {
      windows.events = { lead: eventLead, buckets: [...eventBuckets.entries()].sort((a, b) => a[0] - b[0]) };
    }
    if (windows && lastStart === null && lead.lines > 0) lead.example = firstLineOf(bytes, EXAMPLE_LENGTH);
    if (windows && yearAssumed.size > 0) windows.yearAssumed = [...yearAssumed.entries()].sort((a, b) => a[0] - b[0]);
    return {
      firstLine,
      lines,
      ...(windows ? { windows } : {}),
      ...(tallies
        ? { templates: tallies.map((tally) => ({ tallies: tally.entries(), overflow: tally.overflow })) }
        : {}),
    };
  };
}

/** The first line of `bytes` decoded as UTF-8, without its `\r`, cut to `length` characters. */
function firstLineOf(bytes: Buffer, length: number): string {
  let end = bytes.indexOf(0x0a);
  if (end === -1) end = bytes.length;
  // A character takes at most 4 bytes of UTF-8.
  const text = bytes.toString('utf8', 0, Math.min(end, 4 * length)).replace(/\r$/, '');
  return text.length > length ? text.slice(0, length) : text;
}

/** The keys of a chunk's windows, each text once, and the windows' counts referring to them by index. */
class KeyList {
  readonly texts: string[] = [];
  readonly #index = new Map<string, number>();

  counts(table: Map<string, number[]>): WindowKeyCount[] {
    const out: WindowKeyCount[] = [];
    for (const [key, row] of table) {
      let index = this.#index.get(key);
      if (index === undefined) {
        index = this.texts.length;
        this.#index.set(key, index);
        this.texts.push(key);
      }
      out.push([index, ...row]);
    }
    return out;
  }
}
