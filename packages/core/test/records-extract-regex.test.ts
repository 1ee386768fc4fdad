import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractRegex } from '../src/records/extract-regex.js';
import { groupNames } from '../src/records/record-checks.js';
import { RecordReader } from '../src/records/record-reader.js';
import { seededRandom } from '@logcluster/test-support';

const LINES = [
  '10.0.0.1 - alice [01/May/2024:10:00:00 +0000] "GET /api/users HTTP/1.1" 500 1234 "-" "curl" 12',
  '10.0.0.2 - - [01/May/2024:10:00:01 +0000] "POST /login HTTP/1.1" 200 0 "-" "x" 3',
  'level=info msg="a (b) [c]" status=404 k=v k=w',
  '(x) [y] \\ (?<n>z) aaa bbb café 日本',
  '',
  'no match here',
];

const REGEXES = [
  String.raw`^(?<ip>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]+)\] "(?<method>\S+) (?<path>\S+) [^"]*" (?<status>\d{3}) `,
  String.raw`" (?<status>\d{3}) (?<bytes>\d+) `,
  String.raw`(\S+) (?:\S+) (?<user>\S+)`,
  String.raw`((a+)|(?<b>b+))(?<rest>.*)`,
  String.raw`(?<open>\()(?<inner>[^)]*)\)|\[(?<sq>[(\]]*)`,
  String.raw`\((?<x>[a-z])\)`,
  String.raw`(?<=status=)(?<status>\d+)`,
  String.raw`(?<!\d)(?<digits>\d{2,})(?=\s|$)`,
  String.raw`(?<k>k)=(?<v>\w)(?: (?<k2>k)=(?<v2>\w))?`,
  String.raw`(?<word>(\w)\w*) (\2)?`,
  String.raw`msg="(?<msg>(?:\\.|[^"\\])*)"`,
  String.raw`(?<a>x)?(?<b>y)?`,
  String.raw`[(](?<in>\w)[)]`,
  String.raw`(?<name>é|日本)`,
];

describe('extractRegex reads the same groups as the regex as written', () => {
  it.each(REGEXES)('%s', (source) => {
    const written = new RegExp(source);
    const { regex, numbers } = extractRegex(source);
    expect(numbers).not.toBeNull();
    for (const line of LINES) {
      const want = written.exec(line);
      const got = regex.exec(line);
      expect(got?.index).toEqual(want?.index);
      expect(got?.[0]).toEqual(want?.[0]);
      for (const [name, value] of Object.entries(want?.groups ?? {})) expect(got![numbers!.get(name)!]).toBe(value);
      expect([...numbers!.keys()].sort()).toEqual(Object.keys(new RegExp(`${source}|`).exec('')!.groups!).sort());
    }
  });

  it('keeps a regex with a named backreference as written', () => {
    const { regex, numbers } = extractRegex(String.raw`(?<q>["'])(?<text>.*?)\k<q>`);
    expect(numbers).toBeNull();
    expect(regex.exec(`say "hi" now`)?.groups?.text).toBe('hi');
  });
});

/**
 * The lines' fields as RecordReader reads them from a whole chunk (where an ASCII chunk is
 * searched once through for a regex that allows it), against each line run alone through
 * the regex as written.
 */
function chunkFields(source: string, chunk: string): (string | undefined)[][] {
  const fields = groupNames(new RegExp(source));
  const reader = new RecordReader({ format: { body: 'text' }, extract: [source], now: 0 }, fields);
  const bytes = Buffer.from(chunk, 'utf8');
  reader.startChunk(bytes);
  const lines: [number, number][] = [];
  for (let start = 0; start <= bytes.length;) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    lines.push([start, end]);
    start = end + 1;
  }
  const readLine = ([start, end]: [number, number]) => {
    reader.read(bytes, start, end);
    return reader.values.map((value) => value as string | undefined);
  };
  const read = lines.map(readLine);
  // The pass reads lines again after the chunk (`--in`): the same again, from the start.
  expect(lines.map(readLine)).toEqual(read);
  return read;
}

function lineFields(source: string, chunk: string): (string | undefined)[][] {
  const regex = new RegExp(source);
  const fields = groupNames(regex);
  return chunk.split('\n').map((line) => {
    const groups = regex.exec(line.replace(/\r$/, ''))?.groups;
    return fields.map((field) => groups?.[field]);
  });
}

describe('a chunk searched through for --extract finds what each line alone gives', () => {
  const SOURCES = [
    String.raw`(?<x>a\s*b)`,
    String.raw`(?<x>[^a]+)`,
    String.raw`(?<x>\bab\b)`,
    String.raw`(?<x>b*)`,
    String.raw`(?<x>a)(?<y>1)?`,
    String.raw`(?<x>a.)`,
    String.raw`(?<x>1[\s\S]1)`,
    String.raw`(?<x>\d+)\s(?<y>\w+)`,
    String.raw`(?<x>\B1|b\b)`,
    String.raw`(?<x>(?<=1)a)`,
    String.raw`^(?<x>a+)`,
    String.raw`(?<x>b)$`,
    String.raw`(?<x>a)(?=\s)`,
  ];

  it('marks the regexes that can be searched through a chunk', () => {
    const searchable = SOURCES.map((source) => extractRegex(source).chunkSearchable);
    expect(searchable).toEqual([true, true, true, true, true, true, true, true, true, false, false, false, false]);
  });

  it.each(SOURCES)('%s', (source) => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '1', ' ', '\t', '\r', '\n', 'x'), { maxLength: 40 }), (chars) => {
        const chunk = chars.join('');
        expect(chunkFields(source, chunk)).toEqual(lineFields(source, chunk));
      }),
      { numRuns: 400 },
    );
  });

  it('reads a chunk of many segments, one of its lines longer than a segment', () => {
    const random = seededRandom(7);
    const chars = ['a', 'b', '1', ' ', '\t', '\r', 'x', 'a', 'b', '1'];
    const line = (length: number) => Array.from({ length }, () => chars[Math.floor(random() * chars.length)]).join('');
    const lines = Array.from({ length: 6000 }, () => line(Math.floor(random() * 60)));
    lines.splice(3000, 0, `${line(100_000)}ab 1 b`);
    const chunk = lines.join('\n');
    expect(chunk.length).toBeGreaterThan(4 * 64 * 1024);
    // Besides SOURCES, two that take the rest of a line: a segment cut short would show.
    for (const source of [...SOURCES, String.raw`(?<x>[ab1x\t ]+)`, String.raw`(?<x>[^\n]+)`])
      expect(chunkFields(source, chunk)).toEqual(lineFields(source, chunk));
  });

  it('reads the lines of a chunk that is not ASCII one by one, with the same result', () => {
    const chunk = 'a b\ncafé ab\r\n1é1 x\nb';
    for (const source of SOURCES) expect(chunkFields(source, chunk)).toEqual(lineFields(source, chunk));
  });
});
