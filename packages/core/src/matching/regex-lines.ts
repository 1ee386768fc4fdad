import type { PatternCount } from './counts.js';

/**
 * Runs each regex on each line of `text` (split on `\n` only, so `\r` stays in the
 * line) and adds matching lines and non-empty, non-overlapping matches to `counts`.
 */
export function countRegexesByLine(text: string, regexes: readonly RegExp[], counts: readonly PatternCount[]): void {
  const length = text.length;
  let start = 0;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    const line = text.slice(start, end);
    for (let i = 0; i < regexes.length; i++) countInLine(line, regexes[i]!, counts[i]!);
    start = end + 1;
  }
}

/**
 * Adds one line's matches: the line matches if the regex matches anywhere (even empty);
 * occurrences are the non-empty matches, left to right, as grep -o prints them.
 */
export function countInLine(line: string, regex: RegExp, count: PatternCount): void {
  regex.lastIndex = 0;
  let match = regex.exec(line);
  if (match === null) return;
  count.lines++;
  do {
    if (match[0].length > 0) count.occurrences++;
    else regex.lastIndex = advance(line, regex.lastIndex, regex.unicode);
    match = regex.lastIndex <= line.length ? regex.exec(line) : null;
  } while (match !== null);
}

/** The index one character past `index`, stepping over a surrogate pair in unicode mode. */
function advance(line: string, index: number, unicode: boolean): number {
  if (unicode && index + 1 < line.length) {
    const code = line.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = line.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) return index + 2;
    }
  }
  return index + 1;
}
