import { InvalidPatternError } from '../errors.js';

/** One pattern as the user gave it; also its shape in the JSON report. */
export interface PatternSpec {
  /** The text as given; it keys `matches` in the report. */
  pattern: string;
  /** A JavaScript regular expression rather than literal text. */
  regex: boolean;
  ignoreCase: boolean;
}

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
    throw new InvalidPatternError(`invalid regular expression ${JSON.stringify(spec.pattern)}: ${reason}${hint ? `; ${hint}` : ''}`, {
      cause: err,
    });
  }
}

/** What to write instead of grep's POSIX-only syntax, when the pattern uses some. */
function posixHint(pattern: string): string | null {
  if (/\[:[a-z]+:\]/.test(pattern)) return 'POSIX classes such as [[:digit:]] are not JavaScript: write \\d, [0-9], [A-Za-z], \\s, \\p{L}';
  if (/\\[<>]/.test(pattern)) return 'word boundaries \\< and \\> are not JavaScript: write \\b';
  if (/\{,\d+\}/.test(pattern)) return 'a{,n} is not JavaScript: write a{0,n}';
  if (/\\[^\\]/.test(pattern)) return 'in JavaScript\'s Unicode mode only syntax characters may be escaped: write - rather than \\- outside a class';
  return null;
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
      throw new InvalidPatternError(`pattern ${JSON.stringify(spec.pattern)} contains a newline; give each line as its own -p`);
    }
    if (seen.has(spec.pattern)) throw new InvalidPatternError(`pattern ${JSON.stringify(spec.pattern)} is given twice`);
    seen.add(spec.pattern);
    if (spec.regex) compilePatternRegex(spec);
  }
}

export function escapeRegExp(text: string): string {
  // `-` is left alone: it is literal outside a class, and `\-` is invalid with the `u` flag.
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
