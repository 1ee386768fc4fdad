import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARRAY_VALUE, type FieldValue, OBJECT_VALUE } from '../src/records/field-value.js';
import { JsonFieldReader } from '../src/records/json-fields.js';
import { CountingWorkspace, KEY_TABLE_BYTES, MAX_TABLE_KEY_BYTES } from '../src/matching/counting-workspace.js';

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
/** Top-level keys only: the kernel then reads their values itself (its key table). */
const TOP_LEVEL_FIELDS = ['a', 'b', 'é', 'n', '', 'c'];

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
/**
 * The ways a line is scanned: by the reader itself; by the kernel of the counting
 * workspace the line lies in (a worker's chunk), whose members the reader looks up; and
 * by that kernel reading the values of top-level keys itself (with TOP_LEVEL_FIELDS).
 */
const workspace = new CountingWorkspace();
type Way = 'javascript' | 'kernel' | 'kernel, top-level keys';
const WAYS: Way[] = ['javascript', 'kernel', 'kernel, top-level keys'];

function expectAgrees(line: Buffer, way: Way): void {
  const fields = way === 'kernel, top-level keys' ? TOP_LEVEL_FIELDS : FIELDS;
  const rounded = ({ valid, values }: { valid: boolean; values: FieldValue[] }) => ({
    valid,
    values: values.map((value) =>
      typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) && significantDigits(value) > 15
        ? String(Number(value))
        : value,
    ),
  });
  expect(rounded(scanned(line, fields, way))).toEqual(rounded(plain(line, fields)));
}

function significantDigits(number: string): number {
  return number
    .replace(/[eE].*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+|0+$/g, '').length;
}

function scanned(line: Buffer, fields: readonly string[], way: Way) {
  const reader = way === 'javascript' ? new JsonFieldReader(fields) : new JsonFieldReader(fields, workspace);
  const values: FieldValue[] = fields.map(() => undefined);
  // The line inside other bytes, as in a chunk: the reader must stop at its end.
  const padded = Buffer.concat([Buffer.from('{"a":1}\n'), line, Buffer.from('\n"}]"x')]);
  const valid = reader.read(way === 'javascript' ? padded : workspace.place(padded), 8, 8 + line.length, values);
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

describe.each(WAYS)('JsonFieldReader (%s) agrees with JSON.parse', (way) => {
  it('on generated objects', () => {
    fc.assert(
      fc.property(objectArb, (text) => {
        const line = Buffer.from(text, 'utf8');
        expectAgrees(line, way);
      }),
      { numRuns: 3000 },
    );
  });

  it('on damaged lines', () => {
    fc.assert(
      fc.property(damagedArb, (text) => {
        const line = Buffer.from(text, 'utf8');
        expectAgrees(line, way);
      }),
      { numRuns: 5000 },
    );
  });

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const line = Buffer.from(bytes.filter((b) => b !== 0x0a));
        expectAgrees(line, way);
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
    expectAgrees(line, way);
  });

  it('keeps the text of numbers past 15 significant digits, which a double would round and merge', () => {
    const line = (id: string) => Buffer.from(`{"id":${id},"x":1.50}`);
    expect(scanned(line('12345678901234567891'), ['id', 'x'], way).values).toEqual(['12345678901234567891', '1.5']);
    expect(scanned(line('12345678901234567892'), ['id'], way).values).toEqual(['12345678901234567892']);
    expect(scanned(line('0.12345678901234567'), ['id'], way).values).toEqual(['0.12345678901234567']);
    // 15 digits or fewer: one value, one text, as JSON.parse reads it.
    expect(scanned(line('1.234567890123450e2'), ['id'], way).values).toEqual(['123.456789012345']);
    expect(scanned(line('1E21'), ['id'], way).values).toEqual(['1e+21']);
  });

  it('keeps invalid UTF-8 as JSON.parse of the UTF-8 reading does', () => {
    const line = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from([0xff, 0xc3]), Buffer.from('y","b":2}')]);
    expectAgrees(line, way);
  });

  it('skips a deeply nested value without exhausting the stack', () => {
    const deep = `{"z":${'['.repeat(200_000)}${']'.repeat(200_000)},"a":"ok"}`;
    expect(scanned(Buffer.from(deep), ['a'], way).values).toEqual(['ok']);
    expect(scanned(Buffer.from(deep.slice(0, -10)), ['a'], way).valid).toBe(false);
  });

  it('reads a line with more members on the wanted depths than the kernel lists', () => {
    const members = Array.from({ length: 5000 }, (_, i) => `"q${i}":{"b":${i}}`).join(',');
    const line = Buffer.from(`{${members},"a":{"b":"ok"},"q7":{"b":"last"}}`);
    expect(scanned(line, ['a.b', 'q7.b', 'q4999.b'], way).values).toEqual(['ok', 'last', '4999']);
    expect(scanned(line.subarray(0, -1), ['a.b'], way).valid).toBe(false);
  });
});

describe("the kernel's scan of a JSON line", () => {
  const ALL_KEYS = new Uint8Array(32).fill(0xff);
  const NO_KEYS = new Uint8Array(32);
  /** The members the kernel lists, as [depth, escaped key, kind, key, value]. */
  const members = (text: string, maxDepth: number, filter: Uint8Array) => {
    const bytes = workspace.place(Buffer.from(text));
    const count = workspace.scanJsonLine(bytes, 0, bytes.length, maxDepth, filter);
    if (count < 0) return count;
    const entries = workspace.jsonEntries();
    const at = (address: number) => address - bytes.byteOffset;
    return Array.from({ length: count }, (_, i) => {
      const [head, keyStart, keyEnd, valueStart, valueEnd] = entries.subarray(5 * i, 5 * i + 5);
      return [
        head! & 0xff,
        (head! & 0x100) !== 0,
        head! >>> 16,
        text.slice(at(keyStart!), at(keyEnd!)),
        text.slice(at(valueStart!), at(valueEnd!)),
      ];
    });
  };

  it('lists the members down to the depth asked, in the order of the line', () => {
    const line = '{"a":1,"b":{"c":"x\\n","d":[true,{"e":null}]},"f":false,"g\\u0041":-2.5e3}';
    expect(members(line, 1, ALL_KEYS)).toEqual([
      [1, false, 3, 'a', '1'],
      [1, false, 7, 'b', '{'],
      [1, false, 5, 'f', 'false'],
      [1, true, 3, 'g\\u0041', '-2.5e3'],
    ]);
    expect(members(line, 2, ALL_KEYS)).toEqual([
      [1, false, 3, 'a', '1'],
      [1, false, 7, 'b', '{'],
      [2, false, 2, 'c', 'x\\n'],
      [2, false, 8, 'd', '['],
      [1, false, 5, 'f', 'false'],
      [1, true, 3, 'g\\u0041', '-2.5e3'],
    ]);
  });

  it('leaves out the members the key filter does not let through, but objects and arrays above the deepest depth and escaped keys', () => {
    const line = '{"a":1,"b":{"c":"x"},"f":false,"g\\u0041":2}';
    expect(members(line, 1, NO_KEYS)).toEqual([[1, true, 3, 'g\\u0041', '2']]);
    expect(members(line, 2, NO_KEYS)).toEqual([
      [1, false, 7, 'b', '{'],
      [1, true, 3, 'g\\u0041', '2'],
    ]);
  });

  it('reads the values of a table of top-level keys itself', () => {
    const table = new Uint8Array(KEY_TABLE_BYTES);
    const view = new DataView(table.buffer);
    const keys = ['a', 'service', 'zz'];
    view.setInt32(0, keys.length, true);
    keys.forEach((key, k) => {
      view.setInt32(4 + k * (4 + MAX_TABLE_KEY_BYTES), key.length, true);
      table.set(Buffer.from(key), 8 + k * (4 + MAX_TABLE_KEY_BYTES));
    });
    const read = (text: string) => {
      const bytes = workspace.place(Buffer.from(`xx${text}`));
      const result = workspace.readJsonLine(bytes, 2, bytes.length, table);
      if (result !== 0) return result;
      const values = workspace.jsonEntries();
      return keys.map((_, k) =>
        values[3 * k] === 0 ? null : [values[3 * k], text.slice(values[3 * k + 1]! - 2, values[3 * k + 2]! - 2)],
      );
    };
    expect(read('{"service":"api","a":{"service":1},"b":2,"a":[3]}')).toEqual([[8, '['], [1, 'api'], null]);
    expect(read('{"service":"a\\"b","zz":true,"servic":0}')).toEqual([null, [2, 'a\\"b'], [4, 'true']]);
    expect(read('{"a":1,}')).toBe(-1);
    // A key with an escape may spell a wanted one: the line is left to the reader.
    expect(read('{"\\u0061":1}')).toBe(-2);
  });

  it('tells a line that is no JSON object, and one too deep for it', () => {
    expect(members('{"a":1', 1, ALL_KEYS)).toBe(-1);
    expect(members('[1]', 1, ALL_KEYS)).toBe(-1);
    expect(members(`{"a":${'['.repeat(70_000)}${']'.repeat(70_000)}}`, 1, ALL_KEYS)).toBe(-2);
  });
});
