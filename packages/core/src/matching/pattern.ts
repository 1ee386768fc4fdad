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
 * `InvalidPatternError`. The `u` flag gives UTF-8 semantics (`.` is one character);
 * a pattern that is only valid in JavaScript's legacy syntax (`\-` outside a class, say)
 * is compiled without it. `s` lets `.` match `\r`, which grep keeps in the line.
 */
export function compilePatternRegex(spec: PatternSpec): RegExp {
  const source = spec.regex ? spec.pattern : escapeRegExp(spec.pattern);
  const flags = `gs${spec.ignoreCase ? 'i' : ''}`;
  try {
    return new RegExp(source, `${flags}u`);
  } catch (unicodeError) {
    try {
      return new RegExp(source, flags);
    } catch {
      throw new InvalidPatternError(`invalid regular expression ${JSON.stringify(spec.pattern)}: ${(unicodeError as Error).message}`, {
        cause: unicodeError,
      });
    }
  }
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
