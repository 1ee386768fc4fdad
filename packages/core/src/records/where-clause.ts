import type { WhereClause, WhereOp } from '../contract/record-spec.js';
import { UsageError } from '../errors.js';

/** The characters that start an operator of `--where`. */
const OPERATOR_START = /[=!~<>?]/;
const NUMERIC: ReadonlySet<WhereOp> = new Set(['>', '>=', '<', '<=']);

/**
 * `--where <expr>`: `f=v`, `f!=v`, `f~regex`, `f>n`, `f>=n`, `f<n`, `f<=n`, `f?`. The
 * field is everything before the first operator character (a dotted path is one field);
 * the value is everything after the operator, as it is (`f=` compares with the empty
 * text). Throws a UsageError naming the expression.
 */
export function parseWhere(expr: string): WhereClause {
  const fail = (why: string): never => {
    throw new UsageError(`--where "${expr}": ${why}`);
  };
  const at = expr.search(OPERATOR_START);
  if (at === -1) return fail('no operator: write f=v, f!=v, f~regex, f>n, f>=n, f<n, f<=n or f?');
  const field = expr.slice(0, at);
  if (field.trim() === '') return fail('no field name before the operator');
  const char = expr[at]!;
  const next = expr[at + 1];
  let op: WhereOp;
  if (char === '!') {
    if (next !== '=') return fail('"!" must be followed by "=" (f!=v)');
    op = '!=';
  } else if ((char === '>' || char === '<') && next === '=') {
    op = char === '>' ? '>=' : '<=';
  } else {
    op = char as WhereOp;
  }
  const value = expr.slice(at + op.length);
  if (op === '?') {
    if (value !== '') return fail('"?" (present) takes nothing after it');
  } else if (op === '~') {
    try {
      new RegExp(value);
    } catch (err) {
      return fail(`invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (NUMERIC.has(op)) {
    const number = readNumber(value);
    if (number === undefined) return fail(`"${value}" is not a number (${op} compares numbers)`);
    return { field, op, value: value.trim() };
  }
  return { field, op, value };
}

/** A decimal number as JSON and logs write them (`-12`, `1.5`, `.5`, `2e3`), white space around allowed. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The text read as a decimal number, finite; else undefined. Not `Number()` alone, which
 * also reads hexadecimal, octal and binary (`0x1F` is 31) and the blank text (0).
 */
export function readNumber(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}
