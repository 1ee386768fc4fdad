import { describe, expect, it } from 'vitest';
import { UsageError, checkExtract, checkSchema, parseRecordFormat, parseTimeBound, parseWhere } from '../src/index.js';

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseRecordFormat', () => {
  it('reads bodies, envelopes and envelope+body', () => {
    expect(parseRecordFormat('json')).toEqual({ body: 'json' });
    expect(parseRecordFormat('text')).toEqual({ body: 'text' });
    expect(parseRecordFormat('logfmt')).toEqual({ body: 'logfmt' });
    expect(parseRecordFormat('docker')).toEqual({ envelope: 'docker', body: 'text' });
    expect(parseRecordFormat('cri')).toEqual({ envelope: 'cri', body: 'text' });
    expect(parseRecordFormat('docker+json')).toEqual({ envelope: 'docker', body: 'json' });
    expect(parseRecordFormat('cri+logfmt')).toEqual({ envelope: 'cri', body: 'logfmt' });
    expect(parseRecordFormat('docker+text')).toEqual({ envelope: 'docker', body: 'text' });
  });

  it.each(['yaml', 'json+docker', 'docker+yaml', 'docker+json+x', '', 'json+json', 'Docker'])('refuses %j', (text) => {
    expect(usageMessage(() => parseRecordFormat(text))).toMatch(/^--format /);
  });
});

describe('parseWhere', () => {
  it('reads every operator, the field being everything before the first operator character', () => {
    expect(parseWhere('status=404')).toEqual({ field: 'status', op: '=', value: '404' });
    expect(parseWhere('status!=200')).toEqual({ field: 'status', op: '!=', value: '200' });
    expect(parseWhere('path~^/api/')).toEqual({ field: 'path', op: '~', value: '^/api/' });
    expect(parseWhere('duration_ms>500')).toEqual({ field: 'duration_ms', op: '>', value: '500' });
    expect(parseWhere('d>=1.5')).toEqual({ field: 'd', op: '>=', value: '1.5' });
    expect(parseWhere('d<-3')).toEqual({ field: 'd', op: '<', value: '-3' });
    expect(parseWhere('d<=1e3')).toEqual({ field: 'd', op: '<=', value: '1e3' });
    expect(parseWhere('kubernetes.pod_name?')).toEqual({ field: 'kubernetes.pod_name', op: '?', value: '' });
    expect(parseWhere('msg=a=b')).toEqual({ field: 'msg', op: '=', value: 'a=b' });
    expect(parseWhere('level=')).toEqual({ field: 'level', op: '=', value: '' });
    expect(parseWhere('q~a>b')).toEqual({ field: 'q', op: '~', value: 'a>b' });
  });

  it.each([
    ['status', /no operator/],
    ['=404', /no field name/],
    ['>5', /no field name/],
    ['status>abc', /"abc" is not a number/],
    ['status>', /"" is not a number/],
    ['status>=Infinity', /not a number/],
    ['status>=0x1F', /"0x1F" is not a number/],
    ['status>=0b11', /not a number/],
    ['status< ', /not a number/],
    ['status!404', /"!" must be followed by "="/],
    ['path~(', /invalid regular expression/],
    ['f?x', /takes nothing after it/],
  ])('refuses %j', (expr, why) => {
    const message = usageMessage(() => parseWhere(expr));
    expect(message).toContain(`--where "${expr}": `);
    expect(message).toMatch(why);
  });
});

describe('parseTimeBound', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);
  it('reads relative times back from now', () => {
    expect(parseTimeBound('90s', now, '--since')).toBe(now - 90_000);
    expect(parseTimeBound('15m', now, '--since')).toBe(now - 15 * 60_000);
    expect(parseTimeBound('2h', now, '--since')).toBe(now - 2 * 3_600_000);
    expect(parseTimeBound('7d', now, '--since')).toBe(now - 7 * 86_400_000);
  });
  it('reads ISO-8601, UTC without a zone', () => {
    expect(parseTimeBound('2024-05-01', now, '--since')).toBe(Date.UTC(2024, 4, 1));
    expect(parseTimeBound('2024-05-01T10:20:30', now, '--since')).toBe(Date.UTC(2024, 4, 1, 10, 20, 30));
    expect(parseTimeBound('2024-05-01 10:20', now, '--since')).toBe(Date.UTC(2024, 4, 1, 10, 20));
    expect(parseTimeBound('2024-05-01T10:20:30.123456789Z', now, '--since')).toBe(
      Date.UTC(2024, 4, 1, 10, 20, 30, 123),
    );
    expect(parseTimeBound('2024-05-01T10:20:30+02:00', now, '--until')).toBe(Date.UTC(2024, 4, 1, 8, 20, 30));
    expect(parseTimeBound('2024-05-01T10:20:30-0130', now, '--until')).toBe(Date.UTC(2024, 4, 1, 11, 50, 30));
  });
  it.each(['yesterday', '2h ago', '2024-13-01', '2024-02-30', '2024-05-01T25:00', '5w', '', '2024-05-01Z'])(
    'refuses %j, naming the flag',
    (text) => {
      expect(usageMessage(() => parseTimeBound(text, now, '--until'))).toMatch(/^--until "/);
    },
  );
});

describe('checkExtract and checkSchema', () => {
  it('takes regexes with named groups', () => {
    expect(() => checkExtract(['^(?<ip>\\S+) .* (?<status>\\d{3}) '])).not.toThrow();
  });
  it('refuses a regex without a named group, or one that does not compile', () => {
    expect(usageMessage(() => checkExtract(['^(\\S+) (\\d+)']))).toMatch(
      /--extract "\^\(\\S\+\) \(\\d\+\)": no named group/,
    );
    expect(usageMessage(() => checkExtract(['(?<a>x', '(?<b>y)']))).toMatch(
      /--extract "\(\?<a>x": invalid regular expression/,
    );
  });
  it('takes a valid schema, of draft 7 or 2020-12, with formats', () => {
    expect(() => checkSchema({ type: 'object', properties: { status: { type: 'integer' } } })).not.toThrow();
    expect(() =>
      checkSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        prefixItems: [{ type: 'string' }],
      }),
    ).not.toThrow();
    expect(() => checkSchema({ properties: { at: { type: 'string', format: 'date-time' } } })).not.toThrow();
  });
  it('refuses an invalid schema, saying why', () => {
    // The CLI puts the flag and the file in front (record-options.ts).
    expect(usageMessage(() => checkSchema({ type: 'objekt' }))).toMatch(/^not a valid JSON Schema: .*type/);
    expect(usageMessage(() => checkSchema({ properties: { a: { minimum: 'x' } } }))).toMatch(/minimum/);
    expect(usageMessage(() => checkSchema('a string'))).toMatch(/^not a valid JSON Schema: /);
    expect(usageMessage(() => checkSchema({ $ref: '#/definitions/missing' }))).toMatch(/^not a valid JSON Schema: /);
  });
});
