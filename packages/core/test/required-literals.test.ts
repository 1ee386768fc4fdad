import { describe, expect, it } from 'vitest';
import { exactLiteral, requiredLiterals } from '../src/matching/required-literals.js';

describe('requiredLiterals', () => {
  it.each([
    ['timed out after [0-9]+ ms', ['timed out after ']],
    ['ERROR|WARN', ['ERROR', 'WARN']],
    ['(?:foo)+bar?', ['foo']],
    ['a{3}b', ['aaab']],
    ['(ab|cd)ef', ['ef']],
    ['E(?=R)RROR', ['RROR']],
    ['^\\[(ERROR|FATAL)\\]', ['ERROR', 'FATAL']],
    ['café', ['café']],
  ])('%s needs one of %j', (pattern, literals) => {
    expect(requiredLiterals(pattern, true)).toEqual(literals);
  });

  it.each(['\\b[0-9]{5,}\\b', 'x*', 'ab|', '(\\w)\\1', 'a|[bc]', '(?<!x)', '(', '\\uFFFD'])(
    '%s needs nothing provable',
    (pattern) => {
      expect(requiredLiterals(pattern, true)).toBeNull();
    },
  );

  it('knows a regex that matches one literal string only', () => {
    expect(exactLiteral('ERROR', true)).toBe('ERROR');
    expect(exactLiteral('a\\.b', true)).toBe('a.b');
    expect(exactLiteral('ERRORS?', true)).toBeNull();
    expect(exactLiteral('^ERROR', true)).toBeNull();
  });
});
