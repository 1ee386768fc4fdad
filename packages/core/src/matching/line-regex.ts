import type { PatternSpec } from '../contract/pattern-spec.js';
import { grepIgnoreCaseLiteral } from './ascii-fold.js';
import { GREP_WORD_CHAR_RANGES } from './grep-word-chars.js';
import { escapeRegExp } from './pattern.js';
import { canMatchEmpty } from './regex-nfa.js';
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
  .map((range) =>
    range
      .split('-')
      .map((hex) => `\\u{${hex}}`)
      .join('-'),
  )
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
export function scopedSource(
  source: string,
  ignoreCase: boolean,
  spec: Pick<PatternSpec, 'wholeWord' | 'wholeLine'>,
): string {
  if (spec.wholeLine) return `^(?:${source})$`;
  if (!spec.wholeWord) return source;
  return canMatchEmpty(source)
    ? wholeWordsMatchingEmpty(source, ignoreCase)
    : `(?<!${WORD_CHAR})(?:${source})(?!${WORD_CHAR})`;
}

/**
 * -w for a pattern that can match the empty string, where grep's search differs from
 * trying every match: at a position, grep takes the longest match, then shorter ones,
 * but never an empty one reached by shortening; an empty match counts only where no
 * other match starts. So: a non-empty match between non-word characters, or an empty
 * one where the pattern has no non-empty match. (A non-empty match is one after which
 * the rest of the line is no longer what it was where the match began: the rest is taken
 * in a named group, which shifts no numbered group of the pattern.)
 *
 * And grep looks for a match again one byte on, not one character: inside a character
 * of several bytes the bytes on either side are no characters, so no word constituents.
 * Inside a word constituent this fails all the same (grep reads the character before
 * from its start); inside any other (`²`, `→`) an empty match is a whole word, if the
 * pattern matches nothing longer there, where glibc sees a stray byte (taken here to be
 * matched as U+FFFD would be); not under -i, nor for a pattern with ranges or class
 * escapes, where grep's matchers find no such match. U+FFFD in the line stands for an
 * invalid byte, a single byte to grep, with nothing inside it.
 *
 * A pattern with named groups or numbered back-references cannot be repeated or given
 * a group before it: all its matches are tried then, empty ones included.
 */
function wholeWordsMatchingEmpty(source: string, ignoreCase: boolean): string {
  // Not under -i, nor for a pattern with a range or a class escape, where grep (its
  // matchers differ then) finds no such match: -w -E 'x*' selects "E²E", '[a-z]*' does not.
  const emptyInside =
    !ignoreCase &&
    !hasRangeOrClassEscape(source) &&
    matchesEmptyBetweenCharacters(source) &&
    !matchesNonEmpty(source, '\ufffd');
  const inside = emptyInside ? `|(?=[^\\0-\\x7f\\u{fffd}])(?!${WORD_CHAR})` : '';
  if (/\(\?<[^=!]|\\[1-9]|\\k</.test(source)) return `(?:(?<!${WORD_CHAR})(?:${source})(?!${WORD_CHAR})${inside})`;
  const nonEmpty = (group: string) => `(?=(?<${group}>[^]*))(?:${source})(?!\\k<${group}>$)`;
  return `(?:(?<!${WORD_CHAR})(?:${nonEmpty('lcRestA')}|(?!${nonEmpty('lcRestB')})(?:${source}))(?!${WORD_CHAR})${inside})`;
}

/** Whether the pattern holds a range in a class (`[a-z]`) or a class escape (`\d`, `\w`, `\s`, `\p{…}`). */
function hasRangeOrClassEscape(source: string): boolean {
  let classStart = -1;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      if (/[dDwWsSpP]/.test(source[i + 1] ?? '')) return true;
      i++;
    } else if (classStart === -1 && char === '[') {
      classStart = i;
      if (source[i + 1] === '^') i++;
    } else if (classStart !== -1 && char === ']') {
      classStart = -1;
    } else if (
      classStart !== -1 &&
      char === '-' &&
      i > classStart + 1 &&
      source[i - 1] !== '^' &&
      source[i + 1] !== ']'
    ) {
      return true;
    }
  }
  return false;
}

/** Whether the pattern can match the empty string between two characters, away from the line's ends. */
function matchesEmptyBetweenCharacters(source: string): boolean {
  // At index 1, and nowhere else (the lookbehind): the empty match, if there is one.
  const probe = new RegExp(`(?:${source})(?<=^.)`, 'suy');
  probe.lastIndex = 1;
  return probe.test('\u00b2\u00b2');
}

/** Whether the pattern matches a non-empty start of `text`. */
function matchesNonEmpty(source: string, text: string): boolean {
  return new RegExp(`(?:${source})(?<!^)`, 'suy').test(text);
}

/** The regex that selects a line as the pattern (with its -w or -x) does. */
export function lineRegexOf(spec: PatternSpec): RegExp {
  const { source, ignoreCase } = patternRegexSource(spec);
  return new RegExp(scopedSource(source, ignoreCase, spec), `gsu${ignoreCase ? 'i' : ''}`);
}
