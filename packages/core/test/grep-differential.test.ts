import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grepCounts, grepLineCount } from '@logcluster/test-support';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatternSpec } from '../src/index.js';
import { CountingWorkspace } from '../src/matching/counting-workspace.js';
import { countInChunks } from './chunked-count.js';

// GNU grep itself as the reference, on random inputs: what the counter promises is
// grep's figures, not a reimplementation of them.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-grep-diff-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const literal = (pattern: string, ignoreCase = false): PatternSpec => ({ pattern, regex: false, ignoreCase });
const regex = (pattern: string): PatternSpec => ({ pattern, regex: true, ignoreCase: false });

/** Patterns on which JavaScript and POSIX agree (no alternation, no `.` over invalid bytes). */
const SPECS = [
  literal('ER'),
  literal('RR'),
  literal('é'),
  literal('a.b'),
  literal('er', true),
  literal('is', true),
  literal('k', true),
  literal('É', true),
  regex('E+R'),
  regex('^E'),
  regex('R$'),
  regex('x[0-9]+'),
  regex(' ?x'),
];

describe('the counter against GNU grep', () => {
  it('gives grep -c and grep -o | wc -l for random inputs and chunk sizes', async () => {
    const piece = fc.constantFrom(
      'E',
      'R',
      'e',
      'r',
      'x',
      '7',
      '42',
      ' ',
      'a.b',
      'axb',
      '\r',
      '\n',
      '\n',
      'é',
      'É',
      'ÉR',
      'i',
      'I',
      'ı',
      's',
      'S',
      'ſ',
      'k',
      'K',
      '\u0000',
      '\xff',
    );
    let run = 0;
    const workspace = new CountingWorkspace();
    await fc.assert(
      // size 'max': inputs long enough for the kernel's 32-byte steps, not only its tail.
      fc.asyncProperty(
        fc.array(piece, { maxLength: 200, size: 'max' }),
        fc.integer({ min: 1, max: 400 }),
        async (parts, chunkSize) => {
          const data = Buffer.from(parts.join('').replace(/\xff/g, '\u0001'), 'utf8');
          for (let i = 0; i < data.length; i++) if (data[i] === 0x01) data[i] = 0xff;
          const file = join(dir, `case-${run++}.log`);
          await writeFile(file, data);
          const grepLines = grepLineCount(file);
          const grepped = SPECS.map((spec) => grepCounts(file, spec));
          for (const ours of [
            await countInChunks(data, SPECS, chunkSize),
            await countInChunks(data, SPECS, chunkSize, workspace),
          ]) {
            expect(ours.lines).toBe(grepLines);
            SPECS.forEach((spec, i) =>
              expect(ours.matches[i], JSON.stringify({ spec, text: parts.join('') })).toEqual(grepped[i]),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
    // Hundreds of grep processes: a generous bound for a loaded machine (it takes seconds on an idle one).
  }, 180_000);
});
