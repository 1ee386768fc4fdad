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
      const compare = whereNumberTest(clause)!;
      return (value) => {
        if (typeof value !== 'string' || isComposite(value)) return false;
        const n = readNumber(value);
        return n !== undefined && compare(n);
      };
    }
  }
}

/**
 * The comparison of a `>`, `>=`, `<` or `<=` clause, on the number read from the text
 * (for a value read straight from a JSON number's bytes); undefined for other operators.
 */
export function whereNumberTest(clause: WhereClause): ((n: number) => boolean) | undefined {
  const bound = readNumber(clause.value)!;
  switch (clause.op) {
    case '>':
      return (n) => n > bound;
    case '>=':
      return (n) => n >= bound;
    case '<':
      return (n) => n < bound;
    case '<=':
      return (n) => n <= bound;
    default:
      return undefined;
  }
}
