import { countLines } from '../chunking/newlines.js';
import { foldAsciiCase, isAsciiFoldable } from './ascii-fold.js';
import { type ChunkCounts, type PatternCount, emptyPatternCount } from './counts.js';
import { countLiteral } from './literal.js';
import { type PatternSpec, compilePatternRegex } from './pattern.js';
import { countRegexesByLine } from './regex-lines.js';

/** Counts lines and every pattern's matches in a line-aligned run of bytes. */
export type ChunkCounter = (bytes: Uint8Array) => ChunkCounts;

/**
 * Compiles a set of patterns into one counter that makes one pass per kind of work:
 * - a literal searches the raw bytes (no decoding);
 * - an ignore-case ASCII literal searches one ASCII-folded copy shared by all of them;
 * - regexes (and literals that need Unicode case folding) run per line on one UTF-8
 *   decoding of the chunk shared by all of them;
 * - an empty literal matches every line and has no occurrences, as in grep.
 */
export function createChunkCounter(specs: readonly PatternSpec[]): ChunkCounter {
  const exact: { index: number; needle: Buffer }[] = [];
  const folded: { index: number; needle: Buffer }[] = [];
  const byLine: { index: number; regex: RegExp }[] = [];
  const everyLine: number[] = [];

  specs.forEach((spec, index) => {
    if (!spec.regex && spec.pattern === '') everyLine.push(index);
    else if (!spec.regex && !spec.ignoreCase) exact.push({ index, needle: Buffer.from(spec.pattern, 'utf8') });
    else if (!spec.regex && isAsciiFoldable(spec.pattern)) folded.push({ index, needle: Buffer.from(spec.pattern.toLowerCase(), 'latin1') });
    else byLine.push({ index, regex: compilePatternRegex(spec) });
  });
  const regexes = byLine.map((entry) => entry.regex);

  return (bytes) => {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const lines = countLines(buffer);
    const matches: PatternCount[] = specs.map(emptyPatternCount);
    for (const { index, needle } of exact) matches[index] = countLiteral(buffer, needle);
    if (folded.length > 0) {
      const lowered = foldAsciiCase(buffer);
      for (const { index, needle } of folded) matches[index] = countLiteral(lowered, needle);
    }
    if (byLine.length > 0) {
      const counts = byLine.map(emptyPatternCount);
      countRegexesByLine(buffer.toString('utf8'), regexes, counts);
      byLine.forEach(({ index }, i) => (matches[index] = counts[i]!));
    }
    for (const index of everyLine) matches[index] = { lines, occurrences: 0 };
    return { bytes: buffer.length, lines, matches };
  };
}
