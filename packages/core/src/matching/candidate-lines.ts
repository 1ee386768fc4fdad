import { NEWLINE } from '../char-codes.js';
/**
 * The lines of `bytes` that hold at least one of `needles`, as sorted, distinct
 * [start, end) byte ranges (end excludes the `\n`). Each hit skips the rest of its line.
 */
export function linesHolding(bytes: Buffer, needles: readonly Buffer[]): number[] {
  const perNeedle = needles.map((needle) => {
    const found: number[] = [];
    let at = bytes.indexOf(needle);
    while (at !== -1) {
      const start = bytes.lastIndexOf(NEWLINE, at) + 1;
      let end = bytes.indexOf(NEWLINE, at + needle.length);
      if (end === -1) end = bytes.length;
      found.push(start, end);
      at = end + 1 < bytes.length ? bytes.indexOf(needle, end + 1) : -1;
    }
    return found;
  });
  return mergeDistinct(perNeedle);
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

/**
 * Lists of [start, end) pairs, each sorted by start with distinct starts (as a search for
 * one needle finds them), merged into one such list: a linear merge, not a sort (a chunk
 * has hundreds of thousands of candidate lines when a needle is common).
 */
export function mergeDistinct(lists: readonly number[][]): number[] {
  let merged = lists[0] ?? [];
  for (let k = 1; k < lists.length; k++) merged = mergeTwo(merged, lists[k]!);
  return merged;
}

function mergeTwo(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const next = a[i]! <= b[j]! ? a : b;
    const at = next === a ? i : j;
    if (a[i] === b[j]) j += 2;
    out.push(next[at]!, next[at + 1]!);
    if (next === a) i += 2;
    else j += 2;
  }
  for (; i < a.length; i += 2) out.push(a[i]!, a[i + 1]!);
  for (; j < b.length; j += 2) out.push(b[j]!, b[j + 1]!);
  return out;
}
