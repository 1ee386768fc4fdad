import type { ChunkInsight, ChunkLead, WindowCount } from '../contract/chunk-findings.js';
import type { ChunkInsightSpec } from '../contract/insight-spec.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import type { ChunkCounter } from '../matching/matcher.js';
import { TemplateTallies } from './message-template.js';
import { createTimestampParser } from './timestamps.js';

/** Longest line decoded for its template; the rest of a longer line plays no part in it. */
const MAX_DECODED_LINE = 4096;
/** Bytes at the start of a line searched for its timestamp (the parser looks at 200 characters of them). */
const TIMESTAMP_BYTES = 200;
/** Characters of a line shown as an example of lines without a timestamp. */
export const EXAMPLE_LENGTH = 200;

/**
 * Builds what finds a chunk's insight. `counter` is the run's own counter, asked line by
 * line, so that a line matches here exactly when it matches in the counts.
 */
export function createInsightFinder(
  spec: ChunkInsightSpec,
  patterns: readonly PatternSpec[],
  counter: ChunkCounter,
): (bytes: Uint8Array, firstLine: number | null, lines: number, chunkMatches: readonly number[]) => ChunkInsight {
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
  const onYearAssumed = (year: number) => yearAssumed.set(year, (yearAssumed.get(year) ?? 0) + 1);
  const timestampOf =
    spec.windowMs !== undefined
      ? createTimestampParser({
          ...(spec.timeFormat !== undefined ? { timeFormat: spec.timeFormat } : {}),
          now: spec.now,
          onYearAssumed,
        })
      : undefined;
  const windowMs = spec.windowMs ?? 0;
  return (input, firstLine, lines, chunkMatches) => {
    yearAssumed = new Map();
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // Patterns with no match in the chunk need not be asked about each line.
    const patternsToAsk = chunkMatches.flatMap((count, i) => (count > 0 ? [i] : []));
    const literal = patternsToAsk.filter((i) => needles[i] !== null);
    const others = patternsToAsk.filter((i) => needles[i] === null);
    const nextAt = literal.map(() => -2);
    const tallies = spec.templates ? Array.from({ length: patternCount }, () => new TemplateTallies()) : undefined;
    const buckets = new Map<number, WindowCount>();
    const lead: ChunkLead = { lines: 0, matches: new Array<number>(patternCount).fill(0) };
    let current: WindowCount | undefined;
    let lastStart: number | null = null;
    let lineNumber = 0;
    // No closures are made per line: the task bundle keeps function names, which costs
    // a property definition for every function created.
    const matched: number[] = [];
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      lineNumber++;
      matched.length = 0;
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
        const at = timestampOf(bytes.toString('latin1', start, Math.min(end, start + TIMESTAMP_BYTES)));
        if (at !== undefined) {
          const windowStart = Math.floor(at / windowMs) * windowMs;
          current = buckets.get(windowStart);
          if (!current) {
            current = [windowStart, 0, new Array<number>(patternCount).fill(0)];
            buckets.set(windowStart, current);
          }
          lastStart = windowStart;
        }
        if (current) current[1]++;
        else lead.lines++;
        const counts = current ? current[2] : lead.matches;
        for (const i of matched) counts[i]!++;
      }
      if (tallies && matched.length > 0) {
        const text = bytes.toString('utf8', start, Math.min(end, start + MAX_DECODED_LINE));
        for (const i of matched) tallies[i]!.add(text, lineNumber);
      }
      start = end + 1;
    }
    const windows: ChunkInsight['windows'] = timestampOf
      ? { lead, buckets: [...buckets.values()].sort((a, b) => a[0] - b[0]), last: lastStart }
      : undefined;
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
