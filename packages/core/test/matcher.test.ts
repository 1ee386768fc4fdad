import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountingWorkspace } from '../src/matching/counting-workspace.js';
import {
  InvalidPatternError,
  type PatternCount,
  type PatternSpec,
  addPatternCounts,
  chunkStream,
  createChunkCounter,
  validatePatterns,
} from '../src/index.js';

const literal = (pattern: string, ignoreCase = false): PatternSpec => ({ pattern, regex: false, ignoreCase });
const regex = (pattern: string, ignoreCase = false): PatternSpec => ({ pattern, regex: true, ignoreCase });

function count(text: string | Buffer, specs: PatternSpec[]) {
  return createChunkCounter(specs)(typeof text === 'string' ? Buffer.from(text) : text);
}

/** The naive reference: split on \n, then count each line on its own, the slow way. */
function reference(data: Buffer, spec: PatternSpec): PatternCount {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      lines.push(data.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < data.length) lines.push(data.subarray(start));
  const result = { lines: 0, occurrences: 0 };
  for (const line of lines) {
    let found = 0;
    let matched = false;
    if (spec.ignoreCase && !spec.regex && [...spec.pattern].every((c) => c.charCodeAt(0) < 0x80)) {
      // An ASCII literal with -i: grep's folding, as characters — ASCII letters in either
      // case, ı as i and ſ as s (what GNU grep does in a UTF-8 locale).
      const fold = (text: string) =>
        text
          .replace(/ı/g, 'i')
          .replace(/ſ/g, 's')
          .replace(/[A-Z]/g, (c) => c.toLowerCase());
      const chars = [...new TextDecoder().decode(line)];
      const needle = [...spec.pattern.toLowerCase()];
      const hay = chars.map((c) => (c.length === 1 && c.charCodeAt(0) < 0x80 ? c.toLowerCase() : fold(c)));
      if (needle.length === 0) matched = true;
      for (let i = 0; i + needle.length <= hay.length;) {
        if (needle.every((c, j) => hay[i + j] === c)) {
          found++;
          i += needle.length;
        } else i++;
      }
      matched ||= found > 0;
    } else if (spec.regex || spec.ignoreCase) {
      // Regexes, and non-ASCII literals with -i: JavaScript's semantics (/su, /iu).
      const source = spec.regex ? spec.pattern : spec.pattern.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
      const text = new TextDecoder().decode(line);
      for (const match of text.matchAll(new RegExp(source, `gsu${spec.ignoreCase ? 'i' : ''}`))) {
        matched = true;
        if (match[0].length > 0) found++;
      }
    } else {
      const hay = line;
      const needle = Buffer.from(spec.pattern);
      if (needle.length === 0) matched = true;
      else {
        for (let i = 0; i + needle.length <= hay.length;) {
          if (hay.subarray(i, i + needle.length).equals(needle)) {
            found++;
            i += needle.length;
          } else i++;
        }
        matched = found > 0;
      }
    }
    if (matched) result.lines++;
    result.occurrences += found;
  }
  return result;
}

describe('createChunkCounter', () => {
  it('counts matching lines and non-overlapping occurrences of a literal', () => {
    const result = count('ERROR one\nno\nERROR ERRORERROR\nERRO\n', [literal('ERROR')]);
    expect(result).toEqual({ bytes: 35, lines: 4, matches: [{ lines: 2, occurrences: 4 }] });
    expect(count('aaaa\naaa\n', [literal('aa')]).matches[0]).toEqual({ lines: 2, occurrences: 3 });
  });

  it('keeps \\r in the line, as grep does', () => {
    expect(count('ERROR\r\nERROR\n', [regex('ERROR$')]).matches[0]).toEqual({ lines: 1, occurrences: 1 });
    expect(count('a\rb\n', [regex('^b')]).matches[0]).toEqual({ lines: 0, occurrences: 0 });
    expect(count('a\rb\n', [regex('a.b')]).matches[0]).toEqual({ lines: 1, occurrences: 1 });
  });

  it('ignores case for ASCII literals on bytes, and with Unicode folding otherwise', () => {
    expect(count('Error\nERROR\nerror eRRoR\nerr\n', [literal('error', true)]).matches[0]).toEqual({
      lines: 3,
      occurrences: 4,
    });
    expect(count('ÉCOLE école\n', [literal('école', true)]).matches[0]).toEqual({ lines: 1, occurrences: 2 });
    // `ſ` folds to `s`: a pattern holding s takes the Unicode path.
    expect(count('ſtop\nSTOP\n', [literal('stop', true)]).matches[0]).toEqual({ lines: 2, occurrences: 2 });
  });

  it('runs regexes per line on UTF-8, counting empty matches as matching lines only', () => {
    expect(count('😀x\nyy\n\n', [regex('^.x$')]).matches[0]).toEqual({ lines: 1, occurrences: 1 });
    expect(count('abc\n\nxyz\n', [regex('b*')]).matches[0]).toEqual({ lines: 3, occurrences: 1 });
    expect(count('t=1 t=22 t=333\n', [regex('t=[0-9]+')]).matches[0]).toEqual({ lines: 1, occurrences: 3 });
  });

  it('finds no match holding a newline, in the kernel or not: grep matches within lines', () => {
    const text = Buffer.from('a\nba\nb\nq\n');
    const workspace = new CountingWorkspace();
    for (const spec of [regex('a\\nb'), regex('(a\\n)b'), regex('a\\nb', true), regex('a\\nb|q')]) {
      const expected = spec.pattern.endsWith('|q') ? { lines: 1, occurrences: 1 } : { lines: 0, occurrences: 0 };
      expect(count(text, [spec]).matches[0], spec.pattern).toEqual(expected);
      // In the kernel, the chunk's lines unknown: counted in the same pass as a literal.
      const counted = createChunkCounter([spec], workspace)(workspace.place(text));
      expect(counted, spec.pattern).toEqual({ bytes: text.length, lines: 4, matches: [expected] });
    }
  });

  it('counts the lines several patterns select together, whichever way they must be joined', () => {
    const text = 'ERROR a\nWARN b\nERROR WARN\nok\naa x\nbb\nÉTÉ\nerror été\n';
    // Literals: the lines holding any of them.
    expect(count(text, [literal('ERROR'), literal('WARN')]).any).toBe(3);
    // One pattern alone counts no `any`.
    expect(count(text, [literal('ERROR')]).any).toBeUndefined();
    // An empty pattern selects every line.
    expect(count(text, [literal('ERROR'), literal('')]).any).toBe(8);
    // Regexes as one alternation.
    expect(count(text, [regex('^E'), regex('b$')]).any).toBe(4);
    // A numbered back-reference cannot be renumbered into an alternation; names given twice cannot be one regex.
    expect(count(text, [regex('(a)\\1'), regex('(b)\\1')]).any).toBe(2);
    expect(count(text, [regex('(?<x>aa)'), regex('(?<x>bb)')]).any).toBe(2);
    // Under -i, grep's folding of an ASCII literal beside JavaScript's of another.
    expect(count(text, [literal('error', true), literal('été', true)]).any).toBe(4);
    // -v: the lines that match none.
    expect(
      count(text, [
        { ...literal('ERROR'), invert: true },
        { ...literal('WARN'), invert: true },
      ]),
    ).toMatchObject({
      any: 5,
      matches: [
        { lines: 6, occurrences: 0 },
        { lines: 6, occurrences: 0 },
      ],
    });
  });

  it('counts whole words and whole lines as grep -w and -x do', () => {
    const text = 'ERROR\nERRORS\nan ERROR_x\n-ERROR- ERROR\nÉERROR ERRORé\nERROR²\n';
    expect(count(text, [{ ...literal('ERROR'), wholeWord: true }]).matches[0]).toEqual({ lines: 3, occurrences: 4 });
    expect(count(text, [{ ...literal('ERROR'), wholeLine: true }]).matches[0]).toEqual({ lines: 1, occurrences: 1 });
    // -x wins over -w.
    expect(count(text, [{ ...literal('ERROR'), wholeLine: true, wholeWord: true }]).matches[0]).toEqual({
      lines: 1,
      occurrences: 1,
    });
    expect(count(text, [{ ...regex('[A-Z]+'), wholeWord: true }]).matches[0]).toEqual({ lines: 4, occurrences: 5 });
    expect(count('Error x\nerrors\n', [{ ...literal('error', true), wholeWord: true }]).matches[0]).toEqual({
      lines: 1,
      occurrences: 1,
    });
  });

  it('treats an empty literal as matching every line with no occurrences', () => {
    expect(count('a\n\nb', [literal('')]).matches[0]).toEqual({ lines: 3, occurrences: 0 });
  });

  it('counts several patterns in one call, in the order given', () => {
    const result = count('ERROR x\nwarn ERROR\nWARN\n', [literal('ERROR'), literal('warn', true), regex('^W')]);
    expect(result.matches).toEqual([
      { lines: 2, occurrences: 2 },
      { lines: 2, occurrences: 2 },
      { lines: 1, occurrences: 1 },
    ]);
  });

  it('matches literals on bytes in invalid UTF-8 and binary data', () => {
    const data = Buffer.concat([Buffer.from([0xff, 0x00, 0xc3]), Buffer.from('ERROR\n\x00ERROR')]);
    expect(count(data, [literal('ERROR')]).matches[0]).toEqual({ lines: 2, occurrences: 2 });
    expect(count(data, [regex('ERROR')]).matches[0]).toEqual({ lines: 2, occurrences: 2 });
  });

  it('rejects invalid regexes, duplicates and patterns with a newline', () => {
    expect(() => validatePatterns([regex('(unclosed')])).toThrow(InvalidPatternError);
    expect(() => validatePatterns([literal('a'), literal('a')])).toThrow(/given twice/);
    expect(() => validatePatterns([literal('a\nb')])).toThrow(/newline/);
    // Unicode mode, strictly: grep's POSIX syntax is refused with a hint, never read as
    // something else.
    expect(() => validatePatterns([regex('a\\-b')])).toThrow(/write - rather than \\-/);
    expect(() => validatePatterns([regex('[[:digit:]]+')])).toThrow(
      /POSIX classes such as \[\[:digit:\]\] are not JavaScript/,
    );
    expect(() => validatePatterns([regex('\\<ERROR\\>')])).toThrow(/write \\b/);
    expect(() => validatePatterns([regex('a{,2}')])).toThrow(/write a\{0,n\}/);
  });

  it('chunked and merged, equals the naive reference on random logs', async () => {
    const piece = fc.constantFrom(
      'E',
      'R',
      'O',
      'e',
      'r',
      'x',
      'xx',
      ' ',
      '\r',
      '\n',
      '\n',
      'é',
      'É',
      '😀',
      'ſ',
      '\xff',
      's',
      'ER',
      'éE',
      'i',
      'ı',
      'I',
      'k',
      'K',
    );
    const specs = [
      literal('ER'),
      literal('RR'),
      literal('xx'),
      literal('é'),
      literal('er', true),
      literal('é', true),
      literal('s', true),
      literal('is', true),
      literal('eris', true),
      literal('k', true),
      regex('E+R'),
      regex('^x'),
      regex('r$'),
      regex('\\r$'),
      regex('R?'),
      regex('.é'),
      regex('e', true),
      // Paths by shape: an exact literal as a regex, prefilters on one or several
      // required literals (bytes, non-ASCII, ignore-case), a folded exact literal.
      regex('ERRO'),
      regex('ER(R|O)'),
      regex('xx|ER'),
      regex('éE(R|x)'),
      regex('er(r|o)', true),
      regex('eRr', true),
      regex('se', true),
    ];
    const workspace = new CountingWorkspace();
    await fc.assert(
      // size 'max': inputs long enough for the kernel's 32-byte steps, not only its tail.
      fc.asyncProperty(
        fc.array(piece, { maxLength: 300, size: 'max' }),
        fc.integer({ min: 1, max: 600 }),
        fc.boolean(),
        async (parts, chunkSize, inKernel) => {
          const data = Buffer.from(parts.join('').replace(/\xff/g, '\u0000'), 'utf8');
          // Put a real invalid byte where the placeholder was.
          for (let i = 0; i < data.length; i++) if (data[i] === 0) data[i] = 0xff;
          // In the kernel: each chunk placed in the workspace, at an odd offset, as a counting thread places it.
          const counter = createChunkCounter(specs, inKernel ? workspace : undefined);
          const totals: PatternCount[] = [];
          let lines = 0;
          for await (const chunk of chunkStream([data], { chunkSize, maxLineSize: 1 << 20, sourceName: 't' })) {
            let bytes = chunk.bytes;
            if (inKernel) {
              bytes = workspace.reserve(chunk.bytes.length + 5).subarray(5);
              bytes.set(chunk.bytes);
            }
            const result = counter(bytes);
            expect(result.lines).toBe(chunk.lineCount);
            lines += result.lines;
            addPatternCounts(totals, result.matches);
          }
          expect(lines).toBe(reference(data, literal('')).lines);
          specs.forEach((spec, i) =>
            expect(totals[i] ?? { lines: 0, occurrences: 0 }, `${spec.pattern}`).toEqual(reference(data, spec)),
          );
        },
      ),
      { numRuns: 600 },
    );
  });
});
