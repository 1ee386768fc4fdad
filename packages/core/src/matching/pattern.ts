import type { PatternSpec } from '../contract/pattern-spec.js';
import { InvalidPatternError } from '../errors.js';
import { shellWord } from '../shell-word.js';

/**
 * Builds the RegExp a pattern runs as on UTF-8-decoded lines, or throws
 * `InvalidPatternError`. Patterns are JavaScript regular expressions in Unicode mode (the
 * `u` flag: `.` is one character, and syntax errors are errors rather than silently
 * literal text); `s` lets `.` match `\r`, which grep keeps in the line. grep's POSIX
 * syntax that JavaScript lacks is refused with a hint, never reinterpreted.
 */
export function compilePatternRegex(spec: PatternSpec): RegExp {
  const source = spec.regex ? spec.pattern : escapeRegExp(spec.pattern);
  try {
    return new RegExp(source, `gsu${spec.ignoreCase ? 'i' : ''}`);
  } catch (err) {
    const hint = posixHint(spec.pattern);
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
    throw new InvalidPatternError(
      `invalid regular expression ${shellWord(spec.pattern)}: ${reason}${hint ? `; ${hint}` : ''}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Escapes that JavaScript's Unicode mode allows: syntax characters, `/`, the class
 * and control escapes, `\0`, hex and Unicode escapes, properties, named and numbered
 * back-references. `-` only inside a class.
 */
const VALID_ESCAPE = /[\^$.*+?()[\]{}|/dDwWsSbBnrtfv0cxupPk1-9]/;

/**
 * What to write instead of grep's syntax that JavaScript reads otherwise, or refuses,
 * naming the construct the pattern holds. Asked only of a pattern that did not compile.
 */
function posixHint(pattern: string): string | null {
  if (/\[:[a-z]+:\]/.test(pattern))
    return 'POSIX classes such as [[:digit:]] are not JavaScript: write \\d, [0-9], [A-Za-z], \\s, \\p{L}';
  const bracket = /(?<!\\)\[(\^?)\]/.exec(pattern);
  if (bracket) {
    const negated = bracket[1] === '^';
    return (
      `in grep, ${negated ? '[^]' : '[]'} followed by more class text is a class starting with a literal ] (${negated ? 'anything but ]' : 'a ]'}); ` +
      `in JavaScript ${negated ? '[^] is any character' : '[] matches nothing'} and the ] after it stands alone: write ${negated ? '[^\\]…]' : '[\\]…]'}`
    );
  }
  if (/\\[<>]/.test(pattern)) return 'word boundaries \\< and \\> are not JavaScript: write \\b';
  if (/\{,\d+\}/.test(pattern)) return 'a{,n} is not JavaScript: write a{0,n}';
  const escape = invalidEscape(pattern);
  if (escape !== null) {
    return `\\${escape} is not an escape in JavaScript's Unicode mode${escape === '-' ? ' outside a class' : ''}, where only syntax characters may be escaped: write ${escape} rather than \\${escape}`;
  }
  return null;
}

/** The first escaped character that Unicode mode refuses (outside a class; inside one `\-` is fine), or null. */
function invalidEscape(pattern: string): string | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return null;
      if (!VALID_ESCAPE.test(next) && !(inClass && next === '-')) return next;
      i++;
    } else if (char === '[') {
      inClass = true;
    } else if (char === ']') {
      inClass = false;
    }
  }
  return null;
}

/**
 * Where a literal pattern holds what grep, whose patterns are regular expressions by
 * default, would read as regex syntax: `.*`, a bracket expression, a backslash, `^` at
 * the start or `$` at the end. logcluster counts it as text; the caller says so.
 */
export function regexSyntaxIn(pattern: string): string | null {
  const found = /\.\*|\[[^\]]+\]|\\.?|^\^|\$$/.exec(pattern);
  return found ? found[0] : null;
}

/**
 * Checks a set of patterns before anything is enqueued: every regex compiles and no
 * pattern spans lines (a line never contains `\n`, so such a pattern could never match).
 */
export function validatePatterns(specs: readonly PatternSpec[]): void {
  if (specs.length === 0) throw new InvalidPatternError('at least one pattern is needed');
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.pattern.includes('\n')) {
      throw new InvalidPatternError(
        `pattern ${shellWord(spec.pattern)} contains a newline; give each line as its own -p`,
      );
    }
    if (seen.has(spec.pattern)) throw new InvalidPatternError(`pattern ${shellWord(spec.pattern)} is given twice`);
    seen.add(spec.pattern);
    if (spec.regex) compilePatternRegex(spec);
  }
  // grep -v applies to the whole search; the lines that match none of the patterns (`any`) need it so.
  if (specs.some((spec) => spec.invert === true) && !specs.every((spec) => spec.invert === true)) {
    throw new InvalidPatternError('invert (grep -v) must be the same for every pattern of a run');
  }
}

export function escapeRegExp(text: string): string {
  // `-` is left alone: it is literal outside a class, and `\-` is invalid with the `u` flag.
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
