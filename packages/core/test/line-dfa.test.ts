import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PatternCount, createChunkCounter } from '../src/index.js';
import { CountingWorkspace } from '../src/matching/counting-workspace.js';
import { compileLineDfa, countWithLineDfa } from '../src/matching/line-dfa.js';
import { countInLine } from '../src/matching/regex-lines.js';

// The automaton promises V8's figures, line by line: V8 itself is the reference.

/** Each line (split on \n) decoded as UTF-8 on its own and counted by V8, the slow way. */
function viaV8(text: string | Buffer, pattern: string, ignoreCase: boolean): PatternCount {
  const bytes = Buffer.from(text);
  const regex = new RegExp(pattern, `gsu${ignoreCase ? 'i' : ''}`);
  const count = { lines: 0, occurrences: 0 };
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    countInLine(bytes.toString('utf8', start, end), regex, count);
    start = end + 1;
  }
  return count;
}

const workspace = new CountingWorkspace();

/** The automaton's count in JavaScript, after checking that the kernel's (in the workspace) is the same. */
function viaDfa(text: string | Buffer, pattern: string, ignoreCase: boolean): PatternCount | null {
  const dfa = compileLineDfa(pattern, ignoreCase);
  if (!dfa) return null;
  const regex = new RegExp(pattern, `gsu${ignoreCase ? 'i' : ''}`);
  const count = { lines: 0, occurrences: 0 };
  countWithLineDfa(Buffer.from(text), dfa, regex, count);
  const inKernel = { lines: 0, occurrences: 0 };
  workspace.countLineDfa(workspace.place(Buffer.from(text)), dfa, regex, inKernel);
  expect(inKernel).toEqual(count);
  return count;
}

describe('the line automaton', () => {
  it.each([
    ['\\b[0-9]{5,}\\b', 'a 12345 b 123456x 99999\n123\n12345\nfoo 777777 88888-99999\n1234567890'],
    ['a|ab', 'abab\nxab\nb\n'],
    ['ab|a', 'abab\naaa\n'],
    ['^a+', 'aaa\nbaaa\n'],
    ['a+$', 'aaa\nbaaab\nba'],
    ['a+?', 'aaa\n'],
    ['x[a-z]*?y', 'xaby xy\nxyyy\n'],
    ['\\Bb+', 'abbb bb\n'],
    ['(?:a|b)*c', 'ababc abc c\n'],
    ['\\d{2,3}', '1234567\n12 1\n'],
    ['.\\r', 'a\r\nb\r\n\r\n'],
    ['[^a]b', 'ab bb\ncb\n'],
    ['(?<n>x)(y)', 'xyxy\n'],
  ])('counts %s as V8 does', (pattern, text) => {
    expect(viaDfa(text, pattern, false)).toEqual(viaV8(text, pattern, false));
  });

  it('reads characters outside ASCII as one character each, as Unicode mode does', () => {
    const text = 'x 12345\ncafé 12345 67890\n😀 12345\n12345 é\n99999\n';
    expect(viaDfa(text, '\\b[0-9]{5,}\\b', false)).toEqual({ lines: 5, occurrences: 6 });
    for (const [pattern, input] of [
      ['a.b', 'a😀b\nab\naéb\n'],
      ['\\s\\S', 'a\u00a0b\u3000c d\n'],
      ['\\p{L}+', 'café 日本 42\n'],
      ['[à-ÿ]{2}', 'àé ÿx\n'],
      ['é+', 'éé e é\n'],
      ['[^a]{3}', '😀😀😀 a\n'],
    ]) {
      expect(viaDfa(input!, pattern!, false)).toEqual(viaV8(input!, pattern!, false));
    }
  });

  it('leaves a line that is not valid UTF-8 to V8, which reads U+FFFD there', () => {
    const invalid = [
      [0xff],
      [0xc3], // a lead byte with no continuation
      [0xc0, 0x80], // overlong
      [0xed, 0xa0, 0x80], // a surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xe2, 0x82], // cut short
      [0xef, 0xbf], // cut short by the newline, at the line's end
      [0xe0, 0x82, 0x80], // overlong, three bytes
      [0xf0, 0x82, 0x82, 0x80], // overlong, four bytes
      [0xe1, 0xc0, 0x80], // a second byte that is no continuation
      [0xc3, 0xc3], // a lead byte where a continuation should be
      [0xf0, 0x9f, 0x98], // four bytes cut short, before a space
    ];
    for (const bytes of invalid) {
      const text = Buffer.concat([
        Buffer.from('ab 12345 '),
        Buffer.from(bytes),
        Buffer.from(' 67890\nab 12345\n'),
        Buffer.from(bytes),
        Buffer.from('\n'),
      ]);
      for (const pattern of ['\\b[0-9]{5,}\\b', '.', '.{3}', '\\uFFFD', '[^\\d ]+']) {
        expect(viaDfa(text, pattern, false)).toEqual(viaV8(text, pattern, false));
      }
    }
  });

  it('takes back what it counted on a line it hands to V8, however many lines it counted before', () => {
    // Long enough that counted lines and the line handed to V8 share a stream of the kernel.
    const units = [
      Buffer.concat([Buffer.from('a\nab'), Buffer.from([0xff]), Buffer.from('\n')]),
      Buffer.concat([Buffer.from('aa a\nxa'), Buffer.from([0x80]), Buffer.from('a\n')]),
      Buffer.concat([Buffer.from('a é\na😀a'), Buffer.from([0xf0, 0x9f]), Buffer.from('\n')]), // cut short after a character above U+FFFF
    ];
    for (const unit of units) {
      const text = Buffer.concat(Array.from({ length: 400 }, () => unit));
      expect(viaDfa(text, 'a', false)).toEqual(viaV8(text, 'a', false));
      expect(viaDfa(text, 'a+', false)).toEqual(viaV8(text, 'a+', false));
    }
  });

  it('takes its case folding from V8: ſ and K fold to ASCII letters under ignore-case', () => {
    for (const pattern of ['ſ', 'K', '[ſ]+', '[^ſ]', '\\W', '[a-z]', '\\bs', 'x\\b', '\\w+']) {
      const text = 'sS kK ſ K -_\nabc\nſs xſ xK x-\n';
      expect(viaDfa(text, pattern, true)).toEqual(viaV8(text, pattern, true));
    }
  });

  it.each([
    ['(a)\\1', 'a backreference'],
    ['a(?=b)', 'a lookahead'],
    ['(?<!a)b', 'a lookbehind'],
    ['a*', 'a pattern that matches the empty string'],
    ['(a?)+b', 'a quantified part that matches the empty string'],
    ['(?:\\b)+x', 'a quantified assertion'],
    ['[a-z]{2000}[0-9]{2000}x', 'more NFA states than the limit'],
    ['(?:a|b)*a(?:a|b){12}', 'more DFA states than the limit'],
  ])('leaves %s to V8: %s', (pattern) => {
    let compiled: unknown = 'refused by V8';
    try {
      new RegExp(pattern, 'u');
      compiled = compileLineDfa(pattern, false);
    } catch {
      // A pattern V8 refuses never reaches the automaton either.
    }
    expect(compiled === null || compiled === 'refused by V8').toBe(true);
  });

  /** Random patterns over a small alphabet, so that they often match. */
  const atom = fc.constantFrom(
    ...[
      'a',
      'b',
      'A',
      's',
      'k',
      '1',
      ' ',
      '-',
      '.',
      '[ab]',
      '[^a]',
      '[a-c1]',
      '\\d',
      '\\w',
      '\\W',
      '\\s',
      '\\S',
      '[^\\d ]',
    ],
    ...['é', 'ſ', 'K', '😀', '𐐀', '[𐐀-𐐧]', '\\p{L}', '[à-ÿ]', '[^é]', '\\uFFFD'],
  );
  const assertion = fc.constantFrom('^', '$', '\\b', '\\B');
  const quantifier = fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{2,}', '*?', '+?', '??', '{1,2}?');
  const { pattern: patternArb } = fc.letrec<{ pattern: string; term: string; piece: string }>((tie) => ({
    pattern: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('term'),
      fc.tuple(tie('term'), tie('term')).map(([a, b]) => `${a}|${b}`),
    ),
    term: fc.array(tie('piece'), { minLength: 1, maxLength: 4 }).map((pieces) => pieces.join('')),
    piece: fc.oneof(
      { depthSize: 'small' },
      atom,
      assertion,
      fc.tuple(atom, quantifier).map(([a, q]) => a + q),
      tie('pattern').map((inner) => `(?:${inner})`),
      fc.tuple(tie('pattern'), quantifier).map(([inner, q]) => `(${inner})${q}`),
    ),
  }));
  const piece = fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .constantFrom('a', 'b', 'A', 'B', 's', 'S', 'k', '1', '2', ' ', '-', '_', '\r', '\n', '\n')
        .map((c) => Buffer.from(c)),
    },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom('é', 'ÿ', 'ſ', 'K', '\u00a0', '\u3000', '日', '😀', '𐐀', '𐐨', '\uFFFD')
        .map((c) => Buffer.from(c)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom([0xff], [0xc3], [0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f]).map((b) => Buffer.from(b)),
    },
  );
  const text = fc.array(piece, { maxLength: 60 }).map((pieces) => Buffer.concat(pieces));

  it('counts random patterns on random lines exactly as V8 does, with and without ignore-case', () => {
    let compiled = 0;
    let runs = 0;
    fc.assert(
      fc.property(patternArb, text, fc.boolean(), (pattern, input, ignoreCase) => {
        try {
          new RegExp(pattern, 'u');
        } catch {
          return; // not a pattern the run accepts
        }
        runs++;
        const got = viaDfa(input, pattern, ignoreCase);
        if (got === null) return;
        compiled++;
        expect(got).toEqual(viaV8(input, pattern, ignoreCase));
      }),
      { numRuns: 3000, seed: 20261127 },
    );
    // Most patterns are within reach: the property is not met by refusing them.
    expect(compiled).toBeGreaterThan(runs / 3);
  });

  it('counts a regex whose literal part is on most lines through the automaton, as V8 does, chunk after chunk', () => {
    // Every line a candidate: the counter takes the automaton for this chunk and the ones after.
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `${i % 3 ? 'WARN' : 'ERROR'} [${['api', 'auth', 'db é'][i % 3]}] job ${i} ${i % 7 ? 'ok' : 'ERROR [x]'}`,
    );
    const data = Buffer.from(`${lines.join('\n')}\n`);
    for (const [pattern, ignoreCase] of [
      ['(?:WARN|ERROR) \\[\\w+\\]', false],
      ['error \\[\\w+\\]', true],
    ] as const) {
      const counter = createChunkCounter([{ pattern, regex: true, ignoreCase }], workspace);
      const total = { lines: 0, occurrences: 0 };
      // Chunks of whole lines, about 4 KiB each.
      for (let start = 0; start < data.length;) {
        const end = data.indexOf(0x0a, Math.min(start + 4096, data.length - 1)) + 1;
        const counted = counter(workspace.place(data.subarray(start, end))).matches[0]!;
        total.lines += counted.lines;
        total.occurrences += counted.occurrences;
        start = end;
      }
      expect(total).toEqual(viaV8(data, pattern, ignoreCase));
    }
  });

  it('is what the chunk counter uses for a regex without a literal part, in the kernel or not', () => {
    const data = Buffer.from('id 123456 ok\nid 12 no\n00000 and 99999\n');
    const spec = { pattern: '\\b[0-9]{5,}\\b', regex: true, ignoreCase: false };
    expect(createChunkCounter([spec])(data).matches).toEqual([{ lines: 2, occurrences: 3 }]);
    expect(createChunkCounter([spec], workspace)(workspace.place(data)).matches).toEqual([
      { lines: 2, occurrences: 3 },
    ]);
    // V8 would backtrack through 2^40 ways on these lines: only the automaton finishes.
    const xs = Buffer.from(`${'x'.repeat(40)}\n${'x'.repeat(40)}y\n`);
    const backtracking = { pattern: '(x+x+)+y', regex: true, ignoreCase: false };
    expect(createChunkCounter([backtracking])(xs).matches).toEqual([{ lines: 1, occurrences: 1 }]);
    expect(createChunkCounter([backtracking], workspace)(workspace.place(xs)).matches).toEqual([
      { lines: 1, occurrences: 1 },
    ]);
    const dense = Buffer.from(`WARN ${'x'.repeat(40)}\n`.repeat(50));
    expect(
      createChunkCounter(
        [{ pattern: 'WARN (x+x+)+y', regex: true, ignoreCase: false }],
        workspace,
      )(workspace.place(dense)).matches,
    ).toEqual([{ lines: 0, occurrences: 0 }]);
  });
});
