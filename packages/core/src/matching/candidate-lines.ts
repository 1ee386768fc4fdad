import { NEWLINE } from '../chunking/newlines.js';
/**
 * The lines of `bytes` that hold at least one of `needles`, as sorted, distinct
 * [start, end) byte ranges (end excludes the `\n`). Each hit skips the rest of its line.
 */
export function linesHolding(bytes: Buffer, needles: readonly Buffer[]): number[] {
  const found: number[] = [];
  for (const needle of needles) {
    let at = bytes.indexOf(needle);
    while (at !== -1) {
      const start = bytes.lastIndexOf(NEWLINE, at) + 1;
      let end = bytes.indexOf(NEWLINE, at + needle.length);
      if (end === -1) end = bytes.length;
      found.push(start, end);
      at = end + 1 < bytes.length ? bytes.indexOf(needle, end + 1) : -1;
    }
  }
  return needles.length > 1 ? sortDistinct(found) : found;
}

/** The same for ignore-case ASCII needles, found by one `/gi` search on the Latin-1 text. */
export function linesMatching(latin1: string, search: RegExp): number[] {
  const found: number[] = [];
  search.lastIndex = 0;
  for (let match = search.exec(latin1); match !== null; match = search.exec(latin1)) {
    const start = latin1.lastIndexOf('\n', match.index) + 1;
    let end = latin1.indexOf('\n', search.lastIndex);
    if (end === -1) end = latin1.length;
    found.push(start, end);
    search.lastIndex = end + 1;
    if (search.lastIndex >= latin1.length) break;
  }
  return found;
}

/** [start, end) pairs sorted by start, each start once. */
export function sortDistinct(pairs: number[]): number[] {
  const order = Array.from({ length: pairs.length / 2 }, (_, i) => i).sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);
  const out: number[] = [];
  for (const i of order) {
    if (out.length > 0 && out[out.length - 2] === pairs[2 * i]) continue;
    out.push(pairs[2 * i]!, pairs[2 * i + 1]!);
  }
  return out;
}
