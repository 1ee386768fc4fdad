import { grepIgnoreCaseLiteral } from './ascii-fold.js';
import { GREP_WORD_CHAR_RANGES } from './grep-word-chars.js';
import { type PatternSpec, escapeRegExp } from './pattern.js';
import { exactLiteral } from './required-literals.js';

/*
 * The regex that says of one line, decoded as UTF-8, whether a pattern selects it: the
 * pattern as its counts read it, then grep's -w or -x around it. Run with the flags
 * `gsu` (and `i` when `ignoreCase`).
 *
 * - -w (`wholeWord`): a match counts only where the character before it and the one
 *   after it are no word constituents (or the line's ends), as grep -w tests it; grep
 *   tries every match there is, shorter ones and later ones, before it gives a line up,
 *   and so do lookarounds around the pattern in a backtracking regex. The word
 *   constituents are grep's own, measured (grep-word-chars.ts); an invalid byte, read as
 *   U+FFFD, is none, as in grep.
 * - -x (`wholeLine`): the match must be the whole line; -x wins over -w, as in grep.
 */

/** grep's word constituents as a class of a Unicode-mode regex. */
const WORD_CHAR = `[${GREP_WORD_CHAR_RANGES.join(' ')
  .split(' ')
  .map((range) => range.split('-').map((hex) => `\\u{${hex}}`).join('-'))
  .join('')}]`;

export interface LineRegexSource {
  source: string;
  ignoreCase: boolean;
}

/** Whether -w or -x narrows what the pattern matches. */
export function isScoped(spec: PatternSpec): boolean {
  return spec.wholeWord === true || spec.wholeLine === true;
}

/**
 * The pattern alone, as a regex that matches where its counts say it matches: a regex as
 * given; a literal escaped; an ASCII literal under -i (or a regex that can only match one
 * such string) with grep's folding, each letter a class of its counterparts, as
 * ascii-fold.ts has it; any other under JavaScript's `iu`.
 */
export function patternRegexSource(spec: PatternSpec): LineRegexSource {
  const text = spec.regex ? exactLiteral(spec.pattern, true) : spec.pattern;
  if (text !== null && spec.ignoreCase) {
    const folded = grepIgnoreCaseLiteral(text);
    if (folded) return { source: folded.regex.source, ignoreCase: false };
  }
  if (spec.regex || text === null) return { source: spec.pattern, ignoreCase: spec.ignoreCase };
  return { source: escapeRegExp(text), ignoreCase: spec.ignoreCase };
}

/** `source` narrowed to whole words (-w) or the whole line (-x), as the spec asks. */
export function scopedSource(source: string, ignoreCase: boolean, spec: Pick<PatternSpec, 'wholeWord' | 'wholeLine'>): string {
  if (spec.wholeLine) return `^(?:${source})$`;
  if (!spec.wholeWord) return source;
  const words = `(?<!${WORD_CHAR})(?:${source})(?!${WORD_CHAR})`;
  // grep looks for a match again one byte on, not one character: a pattern that matches
  // the empty string between two characters thus matches inside a character of several
  // bytes, where the bytes on either side are no characters, so no word constituents.
  // Inside a word constituent it fails all the same (grep reads the character before from
  // its start); inside any other (`²`, `→`) it is a whole-word match. U+FFFD stands for
  // an invalid byte here (a single byte in grep, with nothing inside it).
  return matchesEmptyBetweenCharacters(source, ignoreCase) ? `(?:${words}|(?=[^\0-\x7f\u{fffd}])(?!${WORD_CHAR}))` : words;
}

/** Whether the pattern can match the empty string between two characters, away from the line's ends. */
function matchesEmptyBetweenCharacters(source: string, ignoreCase: boolean): boolean {
  // At index 1, and nowhere else (the lookbehind): the empty match, if there is one.
  const probe = new RegExp(`(?:${source})(?<=^.)`, `suy${ignoreCase ? 'i' : ''}`);
  probe.lastIndex = 1;
  return probe.test('\u00b2\u00b2');
}

/** The regex that selects a line as the pattern (with its -w or -x) does. */
export function lineRegexOf(spec: PatternSpec): RegExp {
  const { source, ignoreCase } = patternRegexSource(spec);
  return new RegExp(scopedSource(source, ignoreCase, spec), `gsu${ignoreCase ? 'i' : ''}`);
}
