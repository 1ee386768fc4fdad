import type { MultilineSpec } from '../contract/multiline-spec.js';
import { compilePatternRegex } from './pattern.js';

/**
 * Whether a line (its text, decoded as UTF-8, without its `\n`) starts an event. Throws
 * `InvalidPatternError` for a regex that does not compile, as `-E` patterns do.
 */
export type EventStartTest = (line: string) => boolean;

export function eventStartTest(spec: MultilineSpec): EventStartTest {
  // Compiled as a -E pattern is (Unicode mode, `.` matching `\r`), then without `g`: a
  // global regex's `test` would start where its last match ended.
  const checked = compilePatternRegex({ pattern: spec.pattern, regex: true, ignoreCase: false });
  const regex = new RegExp(checked.source, checked.flags.replace('g', ''));
  return spec.starts ? (line) => regex.test(line) : (line) => !regex.test(line);
}
