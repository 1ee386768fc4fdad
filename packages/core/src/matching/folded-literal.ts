import type { PatternCount } from './counts.js';
import { escapeRegExp } from './pattern.js';

/**
 * An ignore-case ASCII literal, counted on the chunk read as Latin-1 (one character per
 * byte, so offsets are byte offsets) with the engine's `/gi` search: matching lines and
 * non-overlapping occurrences, as grep -i -c and grep -i -o | wc -l.
 */
export function foldedLiteralSearch(literal: string): RegExp {
  return new RegExp(escapeRegExp(literal), 'gi');
}

export function countFolded(latin1: string, search: RegExp): PatternCount {
  let lines = 0;
  let occurrences = 0;
  let countedLineEnd = -1;
  search.lastIndex = 0;
  for (let match = search.exec(latin1); match !== null; match = search.exec(latin1)) {
    occurrences++;
    if (match.index > countedLineEnd) {
      lines++;
      countedLineEnd = latin1.indexOf('\n', search.lastIndex);
      if (countedLineEnd === -1) countedLineEnd = latin1.length;
    }
  }
  return { lines, occurrences };
}
