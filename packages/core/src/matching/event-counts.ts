import { isAscii } from 'node:buffer';
import { NEWLINE } from '../char-codes.js';
import type { MultilineSpec } from '../contract/multiline-spec.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import type { ChunkCounts, EventCounts } from './counts.js';
import { eventStartTest } from './event-starts.js';
import type { ChunkCounter } from './matcher.js';

/**
 * Counts the events (`--multiline`) that start in a chunk, and per pattern those with a
 * matching line. `counts` are the chunk's own (the run's counter's); `sourceStart`: the
 * chunk is the first of its source, whose first line starts an event whatever it holds.
 * The first line of any other chunk starts an event only if it is a line that does: the
 * coordinator cuts chunks where events start (core's chunker), except inside an event
 * longer than `--max-line-size` or one a followed file went on with after it was sent,
 * and those chunks start with lines that continue the event before them.
 */
export type EventCounter = (
  bytes: Uint8Array,
  counts: ChunkCounts,
  sourceStart: boolean,
  marks?: EventMarks,
) => EventCounts;

/**
 * Where the events counted in a chunk start, and which patterns each matches: what the
 * insight finder needs to count windows and message templates per event. Filled by the
 * event counter when given; one per thread, reused chunk after chunk.
 */
export class EventMarks {
  /** The line (1-based within the chunk) where each event starts, ascending. */
  readonly lines: number[] = [];
  /** Per event, per pattern (event × patterns + pattern): 1 if the event matches it, else 0. */
  readonly matched: number[] = [];

  clear(): void {
    this.lines.length = 0;
    this.matched.length = 0;
  }
}

/**
 * Builds the event counter of a run. An event matches a pattern when one of its lines
 * does (with -v: when none of them does), as the run's counter (`counter`) decides for
 * each line, so that events and lines never disagree. Lines that continue an event of
 * the chunk before belong to it and count there: here they are neither an event nor a
 * match (an event is counted once, in the chunk where it starts).
 */
export function createEventCounter(
  spec: MultilineSpec,
  patterns: readonly PatternSpec[],
  counter: ChunkCounter,
): EventCounter {
  const startsEvent = eventStartTest(spec);
  const invert = patterns.some((pattern) => pattern.invert === true);
  const several = patterns.length > 1;
  return (input, counts, sourceStart, marks) => {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const matches = new Array<number>(patterns.length).fill(0);
    let any = 0;
    let events = 0;
    // Whether some event may match: without -v, only if some line did; with -v, unless
    // every line matched none (then every event matches none, and counts for every pattern).
    const allLines = (count: number) => count === counts.lines;
    const everyEventMatches =
      invert && counts.matches.every((m) => allLines(m.lines)) && allLines(counts.any ?? counts.lines);
    const noEventMatches = !invert && counts.matches.every((m) => m.lines === 0);
    const ask = !everyEventMatches && !noEventMatches;
    marks?.clear();
    const ascii = isAscii(bytes);
    const text = ascii ? bytes.toString('latin1') : '';
    let eventStart = -1;
    let eventLine = 0;
    let eventLines = 0;
    let lineNumber = 0;
    const close = (end: number): void => {
      events++;
      marks?.lines.push(eventLine);
      if (!ask) {
        for (let p = 0; p < matches.length; p++) marks?.matched.push(everyEventMatches ? 1 : 0);
        return;
      }
      const found = counter(bytes.subarray(eventStart, end), eventLines);
      // With -v the counter's `lines` are the lines a pattern does not match.
      const matched = (lines: number) => (invert ? lines === eventLines : lines > 0);
      for (let p = 0; p < matches.length; p++) {
        const hit = matched(found.matches[p]!.lines);
        if (hit) matches[p]!++;
        marks?.matched.push(hit ? 1 : 0);
      }
      if (several && matched(found.any ?? 0)) any++;
    };
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(NEWLINE, start);
      if (end === -1) end = bytes.length;
      lineNumber++;
      const line = ascii ? text.slice(start, end) : bytes.toString('utf8', start, end);
      if ((start === 0 && sourceStart) || startsEvent(line)) {
        if (eventStart !== -1) close(start);
        eventStart = start;
        eventLine = lineNumber;
        eventLines = 0;
      }
      eventLines++;
      start = end + 1;
    }
    if (eventStart !== -1) close(bytes.length);
    if (everyEventMatches) {
      matches.fill(events);
      any = events;
    }
    return { events, matches, ...(several ? { any } : {}) };
  };
}
