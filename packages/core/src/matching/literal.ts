import { NEWLINE } from '../char-codes.js';
import type { PatternCount } from './counts.js';

/**
 * Counts a literal byte string in `haystack`: the lines holding it and its
 * non-overlapping occurrences, left to right as grep -o finds them. The needle never
 * holds `\n`, so an occurrence lies inside one line.
 */
export function countLiteral(haystack: Buffer, needle: Buffer): PatternCount {
  let lines = 0;
  let occurrences = 0;
  // Index of the `\n` that ends the last line counted as matching.
  let countedLineEnd = -1;
  let at = haystack.indexOf(needle);
  while (at !== -1) {
    occurrences++;
    if (at > countedLineEnd) {
      lines++;
      countedLineEnd = haystack.indexOf(NEWLINE, at + needle.length);
      if (countedLineEnd === -1) countedLineEnd = haystack.length;
    }
    at = haystack.indexOf(needle, at + needle.length);
  }
  return { lines, occurrences };
}
