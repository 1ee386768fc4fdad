import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountingWorkspace, caseFoldedNeedle, exactNeedle } from '../src/matching/counting-workspace.js';
import { linesHolding } from '../src/matching/candidate-lines.js';
import { countFolded, foldedLiteralSearch } from '../src/matching/folded-literal.js';
import { countLiteral } from '../src/matching/literal.js';

/** The reference: every byte looked at. */
function naiveNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) if (byte === 0x0a) count++;
  return count;
}

describe('CountingWorkspace', () => {
  const workspace = new CountingWorkspace();
  /** `bytes` copied into the workspace `offset` bytes in, so that the kernel sees every alignment. */
  const placedAt = (bytes: Uint8Array, offset = 0) => {
    const placed = workspace.reserve(offset + bytes.length).subarray(offset);
    placed.set(bytes);
    return placed;
  };

  it('counts newlines as a byte-by-byte search does, at any offset and length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70_000, size: 'max' }),
        fc.nat(100),
        fc.nat(100),
        (data, skipStart, skipEnd) => {
          const buffer = workspace.reserve(data.length);
          buffer.set(data);
          const start = Math.min(skipStart, data.length);
          const length = Math.max(0, data.length - start - skipEnd);
          expect(workspace.countNewlines(start, length)).toBe(naiveNewlines(data.subarray(start, start + length)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts the newlines of bytes held elsewhere, copied in block by block, and of its own in place', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600_000, size: 'max' }), fc.nat(1000), (data, skip) => {
        const bytes = Buffer.from(data).subarray(Math.min(skip, data.length));
        expect(workspace.countNewlinesIn(bytes)).toBe(naiveNewlines(bytes));
        expect(workspace.countNewlinesIn(placedAt(bytes, 3))).toBe(naiveNewlines(bytes));
      }),
      { numRuns: 30 },
    );
    const many = Buffer.alloc(3 * 1024 * 1024 + 17, 0x0a);
    expect(workspace.countNewlinesIn(many)).toBe(many.length);
  });

  it('handles more than one block of 255 steps and grows for large chunks', () => {
    const size = 5 * 1024 * 1024 + 13;
    const buffer = workspace.reserve(size);
    buffer.fill(0x0a);
    expect(workspace.countNewlines(0, size)).toBe(size);
    expect(workspace.countNewlines(1, size - 1)).toBe(size - 1);
  });

  // Text over a small alphabet, so that needles occur often, overlap, repeat within a line
  // and straddle the kernel's 16- and 32-byte steps (`size: 'max'`: fast-check's default
  // size keeps arrays to a few elements, too short for the kernel's vector loop).
  const text = fc
    .array(fc.constantFrom('a', 'b', 'A', 'B', 'ab', 'aba', '\n', '\r\n', 'é', 'x'), { maxLength: 400, size: 'max' })
    .map((parts) => parts.join(''));
  const needleText = fc
    .array(fc.constantFrom('a', 'b', 'A', 'B', 'x'), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(''));

  it('counts a literal\u2019s lines and occurrences as the indexOf search does, at any offset in its memory', () => {
    fc.assert(
      fc.property(text, needleText, fc.nat(40), (haystackText, needleString, offset) => {
        const haystack = Buffer.from(haystackText, 'utf8');
        const needle = Buffer.from(needleString, 'utf8');
        expect(workspace.countLiteral(placedAt(haystack, offset), exactNeedle(needle))).toEqual(
          countLiteral(haystack, needle),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('counts an ignore-case ASCII literal as the /gi search on Latin-1 does', () => {
    fc.assert(
      fc.property(text, needleText, fc.nat(40), (haystackText, needleString, offset) => {
        const haystack = Buffer.from(haystackText, 'utf8');
        expect(workspace.countLiteral(placedAt(haystack, offset), caseFoldedNeedle(needleString))).toEqual(
          countFolded(haystack.toString('latin1'), foldedLiteralSearch(needleString)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('masks only letters: punctuation and bytes above 127 match themselves exactly', () => {
    const bytes = placedAt(Buffer.from('[ERROR]\n{error}\nerr@r\nERR`R\n\u00c9RROR\n', 'utf8'));
    expect(workspace.countLiteral(bytes, caseFoldedNeedle('[error]'))).toEqual({ lines: 1, occurrences: 1 });
    expect(workspace.countLiteral(bytes, caseFoldedNeedle('err@r'))).toEqual({ lines: 1, occurrences: 1 });
    expect(workspace.countLiteral(bytes, caseFoldedNeedle('error'))).toEqual({ lines: 2, occurrences: 2 });
  });

  // Longer texts than above, so that the counts cross the 64-byte steps and the 4032-byte
  // blocks of the one-read count, and needles longer than the 16 bytes compared at once.
  const longText = fc
    .array(fc.constantFrom('a', 'b', 'A', 'B', 'ab', 'aba', '\n', '\n\n', '\r\n', 'é', 'x'), {
      maxLength: 3000,
      size: 'max',
    })
    .map((parts) => parts.join(''));
  const longNeedleText = fc
    .array(fc.constantFrom('a', 'b', 'A', 'B', 'x'), { minLength: 1, maxLength: 20 })
    .map((parts) => parts.join(''));

  it('counts a literal and the newlines in one read as the two counts do apart', () => {
    fc.assert(
      fc.property(
        fc.oneof(text, longText),
        fc.oneof(needleText, longNeedleText),
        fc.nat(40),
        fc.boolean(),
        (haystackText, needleString, offset, ignoreCase) => {
          const haystack = Buffer.from(haystackText, 'utf8');
          const needle = Buffer.from(needleString, 'utf8');
          const count = ignoreCase
            ? countFolded(haystack.toString('latin1'), foldedLiteralSearch(needleString))
            : countLiteral(haystack, needle);
          // The bytes end where the reserved buffer does: the kernel's reads past them stay in its memory.
          expect(
            workspace.countLiteralAndNewlines(
              placedAt(haystack, offset),
              ignoreCase ? caseFoldedNeedle(needleString) : exactNeedle(needle),
            ),
          ).toEqual({ count, newlines: naiveNewlines(haystack) });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('counts in one read a chunk of more newlines than a byte lane holds, and matches at its ends', () => {
    const bytes = placedAt(Buffer.from(`ERROR${'\n'.repeat(300_000)}x ERROR ERROR\n${'\n'.repeat(5000)}ERROR`));
    expect(workspace.countLiteralAndNewlines(bytes, exactNeedle(Buffer.from('ERROR')))).toEqual({
      count: { lines: 3, occurrences: 4 },
      newlines: 305_001,
    });
    expect(workspace.countLiteralAndNewlines(bytes.subarray(1), caseFoldedNeedle('error'))).toEqual({
      count: { lines: 2, occurrences: 3 },
      newlines: 305_001,
    });
    expect(workspace.countLiteralAndNewlines(bytes.subarray(0, 3), exactNeedle(Buffer.from('ERROR')))).toEqual({
      count: { lines: 0, occurrences: 0 },
      newlines: 0,
    });
  });

  it('finds matches over a large chunk, at its very start and very end', () => {
    const line = 'INFO all good here, nothing to see\n';
    const body = line.repeat(100_000);
    const bytes = placedAt(
      Buffer.from(`ERROR first\n${body}ERROR in the middle ERROR twice\n${body}last ERROR`, 'utf8'),
    );
    expect(workspace.countLiteral(bytes, exactNeedle(Buffer.from('ERROR')))).toEqual({ lines: 3, occurrences: 4 });
    expect(workspace.countLiteral(bytes.subarray(1, bytes.length - 1), exactNeedle(Buffer.from('ERROR')))).toEqual({
      lines: 1,
      occurrences: 2,
    });
  });

  it('finds the lines holding a literal as the indexOf search does', () => {
    fc.assert(
      fc.property(text, needleText, fc.nat(40), (haystackText, needleString, offset) => {
        const haystack = Buffer.from(haystackText, 'utf8');
        const needle = Buffer.from(needleString, 'utf8');
        expect(workspace.linesHolding(placedAt(haystack, offset), exactNeedle(needle))).toEqual(
          linesHolding(haystack, [needle]),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('finds more matching lines than one scan can record, resuming where it stopped', () => {
    const lines = Array.from({ length: 60_000 }, (_, i) =>
      i % 3 === 0 ? `line ${i} has an Error here and error there` : `line ${i} is fine`,
    );
    const haystack = Buffer.from(lines.join('\n'), 'utf8');
    const found = workspace.linesHolding(placedAt(haystack, 7), caseFoldedNeedle('error'));
    expect(found.length / 2).toBe(Math.ceil(60_000 / 3));
    expect(found).toEqual(linesHolding(haystack, [Buffer.from('Error')]));
  });

  it('tells the buffers it holds from others', () => {
    expect(workspace.holds(workspace.reserve(10))).toBe(true);
    expect(workspace.holds(Buffer.alloc(10))).toBe(false);
  });
});
