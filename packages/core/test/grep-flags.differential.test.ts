import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GrepPattern, grepAnyCount, grepCounts } from '@logcluster/test-support';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatternSpec } from '../src/index.js';
import { CountingWorkspace } from '../src/matching/counting-workspace.js';
import { countInChunks } from './chunked-count.js';

// grep's -w, -x and -v, and several patterns counted together (grep -c -e a -e b), with
// GNU grep itself as the reference on random inputs.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-grep-flags-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Flags = Pick<PatternSpec, 'ignoreCase' | 'wholeWord' | 'wholeLine' | 'invert'> & { regex?: boolean };
const spec = (pattern: string, flags: Flags): PatternSpec => ({ pattern, regex: flags.regex === true, ...flags });

/** Pattern sets as the command line makes them: one set of flags for all. */
const FLAG_SETS: Flags[] = [
  { ignoreCase: false, wholeWord: true },
  { ignoreCase: true, wholeWord: true },
  { ignoreCase: false, wholeLine: true },
  { ignoreCase: true, wholeLine: true },
  { ignoreCase: false, wholeWord: true, wholeLine: true },
  { ignoreCase: false, invert: true },
  { ignoreCase: true, invert: true, wholeWord: true },
  { ignoreCase: false, regex: true, wholeWord: true },
  { ignoreCase: true, regex: true, wholeWord: true },
  { ignoreCase: false, regex: true, wholeLine: true },
  { ignoreCase: false, regex: true, invert: true },
];

/** Literals and regexes on which JavaScript and POSIX agree (no alternation of overlapping branches, no `.` over invalid bytes). */
const LITERALS = ['ER', 'é', 'a-b', 'x', 'is', 'k', ''];
const REGEXES = ['E+R', '[0-9]+', 'x[0-9]*', 'a-b', '^E', 'R$', 'é+', 'x?', '-?', '[0-9]*', '(-a)?', 'a|'];
/** The patterns above that can match the empty string. */
const NULLABLE = new Set(['', 'x?', '-?', '[0-9]*', '(-a)?', 'a|']);

describe('-w, -x, -v and several patterns against GNU grep', () => {
  it('count as grep -c, grep -o | wc -l and grep -c -e … -e … do', async () => {
    // Word characters of every kind grep knows: ASCII letters and digits, _, letters and
    // marks beyond ASCII; and what it takes for none: -, space, superscript two, an
    // invalid byte, \r, NUL.
    const piece = fc.constantFrom(
      'E',
      'R',
      'ER',
      'e',
      'r',
      'x',
      '7',
      '42',
      '_',
      '-',
      'a-b',
      ' ',
      ' ',
      '\r',
      '\n',
      '\n',
      '\n',
      'é',
      'É',
      'ſ',
      'ı',
      'i',
      's',
      'k',
      'K',
      '²',
      'ֱ',
      '\u0000',
      '\xff',
    );
    let run = 0;
    const workspace = new CountingWorkspace();
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 120, size: 'max' }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(...FLAG_SETS),
        fc.integer({ min: 0, max: 1000 }),
        async (parts, chunkSize, flags, pick) => {
          const data = Buffer.from(parts.join('').replace(/\xff/g, '\u0001'), 'utf8');
          for (let i = 0; i < data.length; i++) if (data[i] === 0x01) data[i] = 0xff;
          const file = join(dir, `case-${run++}.log`);
          await writeFile(file, data);
          const pool = flags.regex ? REGEXES : LITERALS;
          // One, two or three distinct patterns of the pool.
          let chosen = [
            ...new Set(
              [pool[pick % pool.length]!, pool[(pick >> 3) % pool.length]!, pool[(pick >> 6) % pool.length]!].slice(
                0,
                1 + (pick % 3),
              ),
            ),
          ];
          // An empty pattern under -w beside others: whether grep finds its empty match
          // inside a character of several bytes depends on which of its matchers runs
          // (with -i, on "E²E", -e '' -e x selects the line and -e '' -e é does not).
          if (flags.wholeWord && !flags.wholeLine && chosen.length > 1)
            chosen = chosen.filter((pattern) => pattern !== '');
          // The same under -i for any pattern that matches the empty string: grep -i -w -E
          // 'x?' finds no match inside "²" where grep -w -E 'x?' does, and -i -F '' does.
          if (flags.wholeWord && !flags.wholeLine && flags.ignoreCase && chosen.length > 1)
            chosen = chosen.filter((pattern) => !NULLABLE.has(pattern));
          const specs = chosen.map((pattern) => spec(pattern, flags));
          const grepped = specs.map((s) => grepCounts(file, s as GrepPattern));
          const grepAny = specs.length > 1 ? grepAnyCount(file, specs) : undefined;
          for (const ours of [
            await countInChunks(data, specs, chunkSize),
            await countInChunks(data, specs, chunkSize, workspace),
          ]) {
            const context = JSON.stringify({ flags, patterns: chosen, text: parts.join('') });
            specs.forEach((_, i) => expect(ours.matches[i], context).toEqual(grepped[i]));
            if (grepAny !== undefined) expect(ours.any, context).toBe(grepAny);
          }
        },
      ),
      { numRuns: 150 },
    );
    // Hundreds of grep processes: a generous bound for a loaded machine.
  }, 240_000);
});
