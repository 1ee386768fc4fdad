import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARRAY_VALUE, type FieldValue, OBJECT_VALUE } from '../src/records/field-value.js';
import { JsonFieldReader } from '../src/records/json-fields.js';

/**
 * The reference: a field of `JSON.parse`'s object by its dotted path (a top-level key with
 * the dots wins, even holding null), numbers as String() writes them, null as missing.
 * Numbers of more than 15 significant digits differ from the reader (which keeps their
 * text, not a rounded double): the generators below hold none, and a test of their own
 * checks them.
 */
function jsonValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? ARRAY_VALUE : OBJECT_VALUE;
}

function jsonField(record: Record<string, unknown>, field: string): FieldValue {
  if (Object.hasOwn(record, field)) return jsonValue(record[field]);
  if (!field.includes('.')) return undefined;
  let at: unknown = record;
  for (const key of field.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return jsonValue(at);
}

const FIELDS = ['a', 'b', 'a.b', 'a.b.c', 'x.y', 'é', 'n', '', 'a..b'];

/** The plain reading: JSON.parse of the line's UTF-8, then each field by its path. */
function plain(line: Buffer, fields: readonly string[]): { valid: boolean; values: FieldValue[] } {
  let record: unknown;
  try {
    record = JSON.parse(line.toString('utf8'));
  } catch {
    return { valid: false, values: fields.map(() => undefined) };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record))
    return { valid: false, values: fields.map(() => undefined) };
  return { valid: true, values: fields.map((f) => jsonField(record as Record<string, unknown>, f)) };
}

/**
 * The reader and JSON.parse agree on the line: validity, and each value, a number of more
 * than 15 significant digits compared as the double JSON.parse makes of it (the reader
 * keeps such a number's text: see the test of its own below).
 */
function expectAgrees(line: Buffer): void {
  const rounded = ({ valid, values }: { valid: boolean; values: FieldValue[] }) => ({
    valid,
    values: values.map((value) =>
      typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) && significantDigits(value) > 15
        ? String(Number(value))
        : value,
    ),
  });
  expect(rounded(scanned(line, FIELDS))).toEqual(rounded(plain(line, FIELDS)));
}

function significantDigits(number: string): number {
  return number
    .replace(/[eE].*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+|0+$/g, '').length;
}

function scanned(line: Buffer, fields: readonly string[]) {
  const reader = new JsonFieldReader(fields);
  const values: FieldValue[] = fields.map(() => undefined);
  // The line inside other bytes, as in a chunk: the reader must stop at its end.
  const padded = Buffer.concat([Buffer.from('{"a":1}\n'), line, Buffer.from('\n"}]"x')]);
  const valid = reader.read(padded, 8, 8 + line.length, values);
  return { valid, values };
}

const keyArb = fc.constantFrom('a', 'b', 'c', 'x', 'y', 'n', 'a.b', 'é', '', 'a\\u0062', '\\u00e9', 'b.c');
const scalarArb = fc.oneof(
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\u00e9\\n\\"\\\\"', '"\\ud83d\\ude00"', '"\\ud800"', '"a\\/b"'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
  fc.constantFrom('0', '-0', '1e3', '1.50', '1E-2', '123456789012345', '404', 'true', 'false', 'null'),
);
const valueArb = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, tie('object'), tie('array')),
  object: fc
    .array(fc.tuple(keyArb, tie('value')), { maxLength: 4 })
    .map((pairs) => `{${pairs.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
  array: fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
})).value;
const objectArb = fc
  .array(fc.tuple(keyArb, valueArb, fc.constantFrom('', ' ', '\t', '\r')), { maxLength: 6 })
  .map((pairs) => `{${pairs.map(([k, v, s]) => `${s}"${k}"${s}:${s}${v}${s}`).join(',')}}`);

/** Small damage to a valid line: a byte dropped, changed or added. */
const damagedArb = fc
  .tuple(
    objectArb,
    fc.nat(),
    fc.constantFrom('', '"', '{', '}', ',', ':', '\\', '\u0001', 'x', ']', '0', '-', '.', 'e', ' '),
  )
  .map(([text, at, insert]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + insert + text.slice(i + (at % 3 === 0 ? 1 : 0));
  });

describe('JsonFieldReader agrees with JSON.parse', () => {
  it('on generated objects', () => {
    fc.assert(
      fc.property(objectArb, (text) => {
        const line = Buffer.from(text, 'utf8');
        expectAgrees(line);
      }),
      { numRuns: 3000 },
    );
  });

  it('on damaged lines', () => {
    fc.assert(
      fc.property(damagedArb, (text) => {
        const line = Buffer.from(text, 'utf8');
        expectAgrees(line);
      }),
      { numRuns: 5000 },
    );
  });

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const line = Buffer.from(bytes.filter((b) => b !== 0x0a));
        expectAgrees(line);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['{"a":{"b":1},"a":{"c":2}}', 'the last of a key given twice'],
    ['{"a.b":null,"a":{"b":"x"}}', 'a top-level key with the dots, even null'],
    ['{"a":{"b":"x"}}', 'a nested path'],
    ['{"a":[{"b":1}]}', 'no path through an array'],
    ['{"a":{"b":{"c":[1]}}}', 'an array as a value'],
    ['{"n":1.0,"b":123456789012345e5,"c":-0.5E-3}', 'numbers as JSON.parse reads them'],
    ['\ufeff{"a":1}', 'a byte-order mark'],
    ['{"a":1} x', 'text after the object'],
    ['{"a":"\\ud83d\\ude00\\u00e9"}', 'escapes'],
    ['{"a":"caf\u00e9 \u65e5\u672c"}', 'UTF-8'],
    ['[1,2]', 'an array line'],
    ['"a"', 'a string line'],
    ['{"a":01}', 'a leading zero'],
    ['{"a":1.}', 'a cut fraction'],
    ['{"a":"\t"}', 'a raw tab in a string'],
    [' {"a" : 1 } \r', 'white space around'],
  ])('%s: %s', (text) => {
    const line = Buffer.from(text, 'utf8');
    expectAgrees(line);
  });

  it('keeps the text of numbers past 15 significant digits, which a double would round and merge', () => {
    const line = (id: string) => Buffer.from(`{"id":${id},"x":1.50}`);
    expect(scanned(line('12345678901234567891'), ['id', 'x']).values).toEqual(['12345678901234567891', '1.5']);
    expect(scanned(line('12345678901234567892'), ['id']).values).toEqual(['12345678901234567892']);
    expect(scanned(line('0.12345678901234567'), ['id']).values).toEqual(['0.12345678901234567']);
    // 15 digits or fewer: one value, one text, as JSON.parse reads it.
    expect(scanned(line('1.234567890123450e2'), ['id']).values).toEqual(['123.456789012345']);
    expect(scanned(line('1E21'), ['id']).values).toEqual(['1e+21']);
  });

  it('keeps invalid UTF-8 as JSON.parse of the UTF-8 reading does', () => {
    const line = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from([0xff, 0xc3]), Buffer.from('y","b":2}')]);
    expectAgrees(line);
  });

  it('skips a deeply nested value without exhausting the stack', () => {
    const deep = `{"z":${'['.repeat(200_000)}${']'.repeat(200_000)},"a":"ok"}`;
    expect(scanned(Buffer.from(deep), ['a']).values).toEqual(['ok']);
    expect(scanned(Buffer.from(deep.slice(0, -10)), ['a']).valid).toBe(false);
  });
});
