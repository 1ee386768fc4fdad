import { describe, expect, it } from 'vitest';
import type { ChunkRecordSpec, PatternSpec, WhereClause } from '../src/index.js';
import { createChunkCounter, createRecordPass, parseRecordFormat, parseWhere } from '../src/index.js';
import { CountingWorkspace } from '../src/matching/counting-workspace.js';
import { extractRegex } from '../src/records/extract-regex.js';
import {
  ACCESS_LOG_EXTRACT,
  accessLogLine,
  criLine,
  dockerLine,
  jsonLine,
  logfmtLine,
  requests,
} from './records-data.js';

type Plain = Record<string, unknown>;

// ---- The plain reading: a few lines of JavaScript per format. ----

function parseJsonObject(text: string): Plain | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Plain) : undefined;
  } catch {
    return undefined;
  }
}

function parseLogfmt(text: string): Plain | undefined {
  const record: Plain = {};
  const rest = text.replace(/(\S+?)=("(?:\\.|[^"\\])*"|[^\s"]*)(?=\s|$)/g, (_, key: string, value: string) => {
    record[key] = value.startsWith('"') ? JSON.parse(value) : value;
    return '';
  });
  return rest.trim() === '' && Object.keys(record).length > 0 ? record : undefined;
}

function plainRecord(spec: ChunkRecordSpec, line: string): { record: Plain | undefined; time?: number } {
  const body = (text: string) =>
    spec.format.body === 'json'
      ? parseJsonObject(text)
      : spec.format.body === 'logfmt'
        ? parseLogfmt(text)
        : {
            ...(spec.extract ?? []).reduceRight<Plain>(
              (acc, source) => ({
                ...acc,
                ...Object.fromEntries(
                  Object.entries(new RegExp(source).exec(text)?.groups ?? {}).filter(([, v]) => v !== undefined),
                ),
              }),
              {},
            ),
          };
  if (spec.format.envelope === 'docker') {
    const envelope = parseJsonObject(line);
    if (!envelope || typeof envelope.log !== 'string') return { record: undefined };
    const log = envelope.log.replace(/\n$/, '');
    return { record: { ...envelope, log, ...(body(log) ?? {}) }, time: Date.parse(envelope.time as string) };
  }
  if (spec.format.envelope === 'cri') {
    const m = /^(\S+) (stdout|stderr) ([PF])(?: (.*))?$/.exec(line);
    if (!m) return { record: undefined };
    const log = m[4] ?? '';
    return { record: { time: m[1], stream: m[2], tag: m[3], log, ...(body(log) ?? {}) }, time: Date.parse(m[1]!) };
  }
  return { record: body(line) };
}

function fieldOf(record: Plain | undefined, field: string): unknown {
  if (!record) return undefined;
  if (Object.hasOwn(record, field)) return record[field];
  let at: unknown = record;
  for (const key of field.split('.'))
    at = at && typeof at === 'object' && !Array.isArray(at) ? (at as Plain)[key] : undefined;
  return at;
}

function text(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}

function plainMatch(p: PatternSpec, line: string): [number, number] {
  const haystack = p.ignoreCase ? line.toLowerCase() : line;
  const needle = p.ignoreCase ? p.pattern.toLowerCase() : p.pattern;
  const occurrences = haystack.split(needle).length - 1;
  return p.invert ? [occurrences > 0 ? 0 : 1, 0] : [occurrences > 0 ? 1 : 0, occurrences];
}

interface Findings {
  lines: number;
  selected: number;
  filtered: number;
  rejects: Record<string, number>;
  matches: [number, number][];
  any: number;
  groups: Record<string, number[]>;
  distinct: string[][];
  distinctByKey: Record<string, string[]>[];
}

function plainFindings(
  spec: ChunkRecordSpec,
  patterns: PatternSpec[],
  lines: string[],
  lineTime: (line: string) => number | undefined,
): Findings {
  const f: Findings = {
    lines: lines.length,
    selected: 0,
    filtered: 0,
    rejects: {},
    matches: patterns.map(() => [0, 0]),
    any: 0,
    groups: {},
    distinct: (spec.countDistinct ?? []).map(() => []),
    distinctByKey: (spec.countDistinct ?? []).map(() => ({})),
  };
  for (const line of lines) {
    const { record, time } = plainRecord(spec, line);
    const value = (field: string) => text(fieldOf(record, field));
    const reject = (reason: string) => (f.rejects[reason] = (f.rejects[reason] ?? 0) + 1);
    const strict = [
      ...(spec.by ?? []),
      ...(spec.countDistinct ?? []),
      ...(spec.where ?? []).filter((w) => w.op !== '?').map((w) => w.field),
    ];
    const composite = strict.find((field) => typeof value(field) === 'object');
    if (composite) {
      reject(`field "${composite}" is ${Array.isArray(fieldOf(record, composite)) ? 'an array' : 'an object'}`);
      continue;
    }
    const key = JSON.stringify((spec.by ?? []).map((field) => value(field) ?? null));
    if (Buffer.byteLength(key) > 4096) {
      reject('key longer than 4096 bytes');
      continue;
    }
    if (spec.since !== undefined || spec.until !== undefined) {
      const at = spec.format.envelope ? time : lineTime(line);
      if (at === undefined || Number.isNaN(at) || at < (spec.since ?? -Infinity) || at >= (spec.until ?? Infinity)) {
        f.filtered++;
        continue;
      }
    }
    const holds = (w: WhereClause) => {
      const v = value(w.field) as string | undefined;
      if (w.op === '?') return fieldOf(record, w.field) !== undefined && fieldOf(record, w.field) !== null;
      if (w.op === '=') return v === w.value;
      if (w.op === '!=') return v !== w.value;
      if (w.op === '~') return v !== undefined && new RegExp(w.value).test(v);
      // A decimal number only: "0x10" is text, not 16.
      const n = v === undefined || !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? NaN : Number(v);
      const bound = Number(w.value);
      return (
        Number.isFinite(n) &&
        (w.op === '>' ? n > bound : w.op === '>=' ? n >= bound : w.op === '<' ? n < bound : n <= bound)
      );
    };
    if (!(spec.where ?? []).every(holds)) {
      f.filtered++;
      continue;
    }
    f.selected++;
    const row = (f.groups[key] ??= new Array<number>(1 + 2 * patterns.length).fill(0));
    row[0]!++;
    const target = spec.in !== undefined ? (value(spec.in) as string | undefined) : line;
    let any = false;
    const lineHits: number[] = [];
    patterns.forEach((p, i) => {
      const [l, o] = target === undefined ? [p.invert ? 1 : 0, 0] : plainMatch(p, target);
      f.matches[i]![0] += l;
      f.matches[i]![1] += o;
      row[1 + 2 * i]! += l;
      row[2 + 2 * i]! += o;
      if (l > 0) any = true;
      lineHits.push(l);
    });
    // -v: the lines that match none of the patterns, as grep -v -c -e … -e … counts them.
    if (patterns.some((p) => p.invert) ? patterns.every((_, i) => row.length > 0 && lineHits[i]! > 0) : any) f.any++;
    (spec.countDistinct ?? []).forEach((field, d) => {
      const v = value(field) as string | undefined;
      if (v === undefined) return;
      if (!f.distinct[d]!.includes(v)) f.distinct[d]!.push(v);
      const perKey = (f.distinctByKey[d]![key] ??= []);
      if (!perKey.includes(v)) perKey.push(v);
    });
  }
  if (!spec.by) {
    f.groups = {};
    f.distinctByKey = f.distinctByKey.map(() => ({}));
  }
  return f;
}

// ---- The pass, over the lines cut into chunks of `chunkLines`, its findings merged. ----

/** A counting workspace, as a worker's thread has: its kernel reads the JSON lines of chunks placed in it. */
const workspace = new CountingWorkspace();

function passFindings(
  spec: ChunkRecordSpec,
  patterns: PatternSpec[],
  lines: string[],
  chunkLines: number,
  inWorkspace = false,
): Findings {
  const counter = createChunkCounter(patterns, inWorkspace ? workspace : undefined);
  const pass = createRecordPass(spec, patterns, counter, inWorkspace ? workspace : undefined);
  const f: Findings = {
    lines: 0,
    selected: 0,
    filtered: 0,
    rejects: {},
    matches: patterns.map(() => [0, 0]),
    any: 0,
    groups: {},
    distinct: (spec.countDistinct ?? []).map(() => []),
    distinctByKey: (spec.countDistinct ?? []).map(() => ({})),
  };
  for (let i = 0; i < lines.length; i += chunkLines) {
    const last = i + chunkLines >= lines.length;
    const text = Buffer.from(lines.slice(i, i + chunkLines).join('\n') + (last ? '' : '\n'));
    const chunk = inWorkspace ? workspace.place(text) : text;
    const counts = pass(chunk, counter(chunk));
    const records = counts.records!;
    expect(records.selected + records.filtered + records.rejects.reduce((n, r) => n + r.lines, 0)).toBe(counts.lines);
    f.lines += counts.lines;
    f.selected += records.selected;
    f.filtered += records.filtered;
    for (const r of records.rejects) f.rejects[r.reason] = (f.rejects[r.reason] ?? 0) + r.lines;
    counts.matches.forEach((m, p) => {
      f.matches[p]![0] += m.lines;
      f.matches[p]![1] += m.occurrences;
    });
    f.any += patterns.length > 1 ? counts.any! : counts.matches[0]!.lines;
    for (const [key, row] of records.groups ?? []) {
      const into = (f.groups[key] ??= new Array<number>(row.length).fill(0));
      row.forEach((n, k) => (into[k]! += n));
    }
    (records.distinct ?? []).forEach((d, k) => {
      for (const v of d.total) if (!f.distinct[k]!.includes(v)) f.distinct[k]!.push(v);
      for (const [key, values] of d.byKey ?? []) {
        const into = (f.distinctByKey[k]![key] ??= []);
        for (const v of values) if (!into.includes(v)) into.push(v);
      }
    });
  }
  if (!spec.by) f.distinctByKey = f.distinctByKey.map(() => ({}));
  return f;
}

function normalised(f: Findings): Findings {
  return {
    ...f,
    distinct: f.distinct.map((d) => [...d].sort()),
    distinctByKey: f.distinctByKey.map((m) =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort()])),
    ),
  };
}

const now = Date.UTC(2024, 4, 1, 12);
const lit = (pattern: string, extra: Partial<PatternSpec> = {}): PatternSpec => ({
  pattern,
  regex: false,
  ignoreCase: false,
  ...extra,
});
const specOf = (format: string, rest: Partial<ChunkRecordSpec> = {}): ChunkRecordSpec => ({
  format: parseRecordFormat(format),
  now,
  ...rest,
});
const isoTime = (line: string) => {
  const m = /\d{4}-\d\d-\d\dT[\d:.]+Z/.exec(line);
  return m ? Date.parse(m[0]) : undefined;
};

function expectSameUnderEveryChunking(
  spec: ChunkRecordSpec,
  patterns: PatternSpec[],
  lines: string[],
  lineTime = isoTime,
) {
  const expected = normalised(plainFindings(spec, patterns, lines, lineTime));
  expect(expected.selected).toBeGreaterThan(0);
  for (const chunkLines of [1, 7, 100, lines.length])
    for (const inWorkspace of [false, true])
      expect(normalised(passFindings(spec, patterns, lines, chunkLines, inWorkspace))).toEqual(expected);
  return expected;
}

const data = requests(1500);
const since = Date.parse(data[300]!.time);
const until = Date.parse(data[1200]!.time);

describe('the records pass equals a plain reading', () => {
  it('--format alone (nothing read): every line selected, counted as the kernel counts, mixed lines too', () => {
    const lines = data.flatMap((r, i) => (i % 9 === 0 ? [jsonLine(r), accessLogLine(r), ''] : [jsonLine(r)]));
    for (const format of ['json', 'logfmt', 'docker+json'] as const) {
      const f = expectSameUnderEveryChunking(specOf(format, {}), [lit('ERROR'), lit('/api/')], lines);
      expect(f.selected).toBe(lines.length);
    }
  });

  it('access log, --extract, --by status, --count-distinct ip, two patterns', () => {
    const spec = specOf('text', { extract: [ACCESS_LOG_EXTRACT], by: ['status'], countDistinct: ['ip', 'user'] });
    const f = expectSameUnderEveryChunking(spec, [lit('/api/'), lit('POST')], data.map(accessLogLine));
    expect(Object.keys(f.groups).sort()).toEqual([
      '["200"]',
      '["201"]',
      '["204"]',
      '["301"]',
      '["404"]',
      '["500"]',
      '["503"]',
    ]);
  });

  it('access log with some non-ASCII lines (their chunks read as UTF-8, the others as Latin-1), --by user', () => {
    const lines = data
      .slice(0, 400)
      .map((r, i) => accessLogLine(i % 37 === 5 ? { ...r, user: `jos\u00e9${i % 3}` } : r));
    const spec = specOf('text', {
      extract: [ACCESS_LOG_EXTRACT, String.raw`(?<status>\d+) (?<user>\S+)`],
      by: ['user'],
    });
    const f = expectSameUnderEveryChunking(spec, [lit('ERROR')], lines);
    expect(Object.keys(f.groups)).toContain('["jos\u00e90"]');
  });

  it('access log, --extract, --in path without --by, some lines filtered out (the selected ones read twice)', () => {
    // Without its ^, the regex is searched through the chunk's text (extract-regex.ts).
    const unanchored = ACCESS_LOG_EXTRACT.replace(/^\^/, '');
    expect(extractRegex(unanchored).chunkSearchable).toBe(true);
    for (const extract of [ACCESS_LOG_EXTRACT, unanchored]) {
      const spec = specOf('text', { extract: [extract], in: 'path', where: [parseWhere('status>=300')] });
      const f = expectSameUnderEveryChunking(spec, [lit('api'), lit('o')], data.map(accessLogLine));
      expect(f.filtered).toBeGreaterThan(0);
      expect(f.matches[0]![0]).toBeGreaterThan(0);
    }
  });

  it('access log, --where on a group and --since/--until from the line', () => {
    const clf = (line: string) => {
      const m = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\]/.exec(line)!;
      return Date.parse(`${m[2]} ${m[1]} ${m[3]} ${m[4]}:${m[5]}:${m[6]} UTC`);
    };
    const spec = specOf('text', {
      extract: [ACCESS_LOG_EXTRACT],
      by: ['method', 'status'],
      where: [parseWhere('duration_ms>=500'), parseWhere('path~^/api')],
      since,
      until,
    });
    const f = expectSameUnderEveryChunking(spec, [lit('ERROR')], data.map(accessLogLine), clf);
    expect(f.filtered).toBeGreaterThan(0);
  });

  it('JSON: --by service -p ERROR, nested and top-level paths, --count-distinct', () => {
    const spec = specOf('json', { by: ['service', 'http.status'], countDistinct: ['user'] });
    expectSameUnderEveryChunking(spec, [lit('ERROR')], data.map(jsonLine));
  });

  it('JSON: --where duration_ms>500, level!=INFO, --since/--until', () => {
    const spec = specOf('json', {
      where: [parseWhere('duration_ms>500'), parseWhere('level!=INFO'), parseWhere('user?')],
      since,
      until,
    });
    const f = expectSameUnderEveryChunking(spec, [lit('ERROR'), lit('/api/')], data.map(jsonLine));
    expect(f.filtered).toBeGreaterThan(0);
  });

  it('logfmt: --by level,service --where status>=500', () => {
    const spec = specOf('logfmt', {
      by: ['level', 'service'],
      where: [parseWhere('status>=500')],
      countDistinct: ['ip'],
    });
    expectSameUnderEveryChunking(spec, [lit('upstream')], data.map(logfmtLine));
  });

  it('Docker json-file lines with JSON messages: errors by pod, since from the envelope', () => {
    const spec = specOf('docker+json', {
      by: ['kubernetes.pod_name', 'stream'],
      where: [parseWhere('level=error')],
      countDistinct: ['kubernetes.labels.app'],
      since,
      until,
    });
    expectSameUnderEveryChunking(spec, [lit('upstream')], data.map(dockerLine));
  });

  it('CRI lines with logfmt messages, --in msg with -i', () => {
    const spec = specOf('cri+logfmt', { by: ['stream', 'tag'], in: 'msg', since });
    expectSameUnderEveryChunking(spec, [lit('error', { ignoreCase: true }), lit('/login')], data.map(criLine));
  });

  it('-v and -i on raw lines, and a key field that is missing', () => {
    const spec = specOf('json', { by: ['service', 'no_such_field'] });
    const f = expectSameUnderEveryChunking(
      spec,
      [lit('error', { ignoreCase: true, invert: true }), lit('api', { invert: true })],
      data.map(jsonLine),
    );
    expect(Object.keys(f.groups)).toContain('["api",null]');
  });

  it('reuses the kernel counts when every line is selected, without --by', () => {
    const spec = specOf('json', { countDistinct: ['service'] });
    const f = expectSameUnderEveryChunking(spec, [lit('ERROR'), lit('/api/')], data.map(jsonLine));
    expect(f.selected).toBe(data.length);
  });
});

describe('JSON fields read from their bytes (one-field --by keys, numeric --where) equal the decoded values', () => {
  // Every writing of a value: escapes, numbers JSON.parse reads alike, strings that look like numbers.
  const writings = [
    '"api"',
    '"\\u0061pi"',
    '"a\\u0070i"',
    '"\\"api\\""',
    '404',
    '"404"',
    '4.04e2',
    '404.0',
    '4040E-1',
    '0',
    '-0',
    '"0"',
    '1e400',
    '12345678901234567000',
    '1234567890123456',
    'true',
    '"true"',
    'false',
    'null',
    '"é"',
    '"\\u00e9"',
    '"\\ud83d\\ude00"',
    '"😀"',
    '""',
    '" 6 "',
    '"0x10"',
    '6',
    '5.5',
    '5',
    '"6"',
    '0.6e1',
    '-10',
    '"abc"',
    '{"a":1}',
    '[1]',
    '[]',
    '{}',
    JSON.stringify('x'.repeat(70)),
    JSON.stringify('x'.repeat(69) + '\n'),
    JSON.stringify('é'.repeat(2000)),
  ];
  const lines = writings.flatMap((w, i) => [
    `{"service":${w},"n":${w},"h":{"s":${w}},"msg":"ERROR ${i}"}`,
    `{"n":${w},"service":${w}}`,
    `{"service":"first","service":${w},"h":{"s":1},"h":{"t":2}}`,
    `{"h":{"s":${w}},"service":${w}`,
    `{"a.b":1,"service" : ${w} , "n" :${w}}\r`,
  ]);

  it('--by service, --by h.s', () => {
    for (const field of ['service', 'h.s', 'n'])
      expectSameUnderEveryChunking(specOf('json', { by: [field] }), [lit('ERROR')], lines);
  });

  it('--where n>5, n<=5, h.s>=-0, with and without --by on the same field', () => {
    for (const where of ['n>5', 'n<=5', 'h.s>=-0', 'n<1e3'])
      expectSameUnderEveryChunking(specOf('json', { where: [parseWhere(where)] }), [lit('ERROR')], lines);
    expectSameUnderEveryChunking(specOf('json', { by: ['n'], where: [parseWhere('n>5')] }), [lit('ERROR')], lines);
    expectSameUnderEveryChunking(
      specOf('json', { by: ['service'], where: [parseWhere('service>=0'), parseWhere('n?')] }),
      [lit('ERROR')],
      lines,
    );
  });

  it('many keys: ids made again past 10,000 keys, between chunks only', () => {
    const many = Array.from(
      { length: 12_000 },
      (_, i) => `{"service":"s${i % 11_000}","msg":"${i % 3 ? 'ok' : 'ERROR'}"}`,
    );
    const spec = specOf('json', { by: ['service'] });
    const expected = normalised(plainFindings(spec, [lit('ERROR')], many, isoTime));
    for (const chunkLines of [999, 4000, many.length])
      expect(normalised(passFindings(spec, [lit('ERROR')], many, chunkLines))).toEqual(expected);
  });
});

describe('bad lines give counted rejects, never a crash or a silent drop', () => {
  const mixed = data
    .slice(0, 200)
    .flatMap((r, i) => (i % 10 === 0 ? [jsonLine(r), accessLogLine(r), '{"service":"api",', ''] : [jsonLine(r)]));

  it('without --schema, lines that are no JSON have no fields: key null, counted as grep counts them', () => {
    const spec = specOf('json', { by: ['service'] });
    const f = expectSameUnderEveryChunking(spec, [lit('ERROR')], mixed);
    expect(f.groups['[null]']![0]).toBe(60);
    expect(f.selected).toBe(mixed.length);
    expect(f.matches[0]![0]).toBe(mixed.filter((l) => l.includes('ERROR')).length);
  });

  it('with --schema, they are rejected by reason, with examples', () => {
    const schema = {
      type: 'object',
      required: ['service', 'status'],
      properties: { status: { type: 'integer', minimum: 100 } },
    };
    const lines = [...mixed, '{"service":"api","status":"404"}', '{"service":"api"}', '[1,2]'];
    const counter = createChunkCounter([lit('ERROR')]);
    const pass = createRecordPass(specOf('json', { by: ['service'], schema }), [lit('ERROR')], counter);
    const chunk = Buffer.from(lines.join('\n'));
    const records = pass(chunk, counter(chunk)).records!;
    const byReason = Object.fromEntries(records.rejects.map((r) => [r.reason, r]));
    expect(Object.keys(byReason).sort()).toEqual([
      'not JSON',
      "schema: / must have required property 'status'",
      'schema: /status must be integer',
    ]);
    expect(byReason['not JSON']).toEqual({ reason: 'not JSON', lines: 61, examples: [2, 3, 4] });
    expect(byReason['schema: /status must be integer']!.examples).toEqual([lines.length - 2]);
    expect(records.selected).toBe(200);
  });

  it('a field that is an object or an array is a reject naming it', () => {
    const lines = data.slice(0, 50).map(jsonLine);
    const f = normalised(passFindings(specOf('json', { by: ['http'] }), [lit('ERROR')], lines, 10));
    expect(f.rejects).toEqual({ 'field "http" is an object': 50 });
    const g = normalised(
      passFindings(
        specOf('json', { where: [parseWhere('tags=x')] }),
        [lit('x')],
        ['{"tags":["a"]}', '{"tags":"x"}'],
        10,
      ),
    );
    expect(g.rejects).toEqual({ 'field "tags" is an array': 1 });
    expect(g.selected).toBe(1);
    // f? holds for an object and needs no text.
    expect(
      normalised(passFindings(specOf('json', { where: [parseWhere('http?')] }), [lit('x')], lines, 10)).selected,
    ).toBe(50);
  });

  it('a key of 100 KB is rejected', () => {
    const huge = 'x'.repeat(100_000);
    const lines = [`{"service":"${huge}"}`, '{"service":"api"}', `service=${huge}`];
    const f = normalised(passFindings(specOf('json', { by: ['service'] }), [lit('x')], lines, 1));
    expect(f.rejects).toEqual({ 'key longer than 4096 bytes': 1 });
    expect(f.groups).toEqual({ '["api"]': [1, 0, 0], '[null]': [1, 1, 100_000] });
  });

  it('docker and CRI lines that are not, with and without a schema', () => {
    const good = dockerLine(data[0]!);
    const lines = [
      good,
      'plain text',
      '{"log":5}',
      `{"log":"not json\\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}`,
    ];
    const f = normalised(passFindings(specOf('docker+json', { by: ['stream', 'status'] }), [lit('o')], lines, 2));
    expect(f.rejects).toEqual({});
    expect(f.groups['[null,null]']![0]).toBe(2);
    expect(f.groups['["stdout",null]']![0]).toBe(1);
    const s = normalised(
      passFindings(specOf('docker+json', { by: ['stream'], schema: { type: 'object' } }), [lit('o')], lines, 2),
    );
    expect(s.rejects).toEqual({ 'not a docker json-file line': 2, 'not JSON': 1 });
    const cri = [
      '2024-05-01T10:00:00.1Z stdout F level=info',
      '2024-05-01T10:00:00.1Z stdin F x=1',
      'level=info',
      '2024-05-01T10:00:00.1Z stderr P a="unterminated',
    ];
    const c = normalised(
      passFindings(specOf('cri+logfmt', { by: ['stream', 'level'], schema: true }), [lit('level')], cri, 3),
    );
    expect(c.rejects).toEqual({ 'not a CRI line': 2, 'not logfmt': 1 });
    expect(c.groups).toEqual({ '["stdout","info"]': [1, 1, 1] });
  });
});
