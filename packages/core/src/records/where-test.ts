import type { WhereClause } from '../contract/record-spec.js';
import { type FieldValue, isComposite } from './field-value.js';
import { readNumber } from './where-clause.js';

/** One `--where` clause ready to test a line's value of its field. */
export type WhereTest = (value: FieldValue) => boolean;

/**
 * `=`: the value's text equals; `!=`: it does not, or the field is missing; `~`: the regex
 * finds a match in the text (missing: false); `>`, `>=`, `<`, `<=`: the text read as a
 * number (not blank, finite as `Number()` reads it; else false) compares so; `?`: the
 * field is present (an object or array too). A comparison never reaches an object or an
 * array: the line was rejected before.
 */
export function whereTest(clause: WhereClause): WhereTest {
  const { op, value: operand } = clause;
  switch (op) {
    case '?':
      return (value) => value !== undefined;
    case '=':
      return (value) => value === operand;
    case '!=':
      return (value) => value !== operand;
    case '~': {
      const regex = new RegExp(operand);
      return (value) => typeof value === 'string' && regex.test(value);
    }
    default: {
      const bound = readNumber(operand)!;
      const compare =
        op === '>'
          ? (n: number) => n > bound
          : op === '>='
            ? (n: number) => n >= bound
            : op === '<'
              ? (n: number) => n < bound
              : (n: number) => n <= bound;
      return (value) => {
        if (typeof value !== 'string' || isComposite(value)) return false;
        const n = readNumber(value);
        return n !== undefined && compare(n);
      };
    }
  }
}
