import { describe, expect, it } from 'vitest';
import { extractRegex } from '../src/records/extract-regex.js';

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
