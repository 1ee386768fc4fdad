import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NewlineWorkspace } from '../src/chunking/wasm-newlines.js';
import { countNewlines } from '../src/index.js';

describe('NewlineWorkspace', () => {
  const workspace = new NewlineWorkspace();

  it('counts as a byte-by-byte search does, at any offset and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.nat(100), fc.nat(100), (data, skipStart, skipEnd) => {
        const buffer = workspace.reserve(data.length);
        buffer.set(data);
        const start = Math.min(skipStart, data.length);
        const length = Math.max(0, data.length - start - skipEnd);
        expect(workspace.countNewlines(start, length)).toBe(countNewlines(data.subarray(start, start + length)));
      }),
      { numRuns: 200 },
    );
  });

  it('handles more than one block of 255 steps and grows for large chunks', () => {
    const size = 5 * 1024 * 1024 + 13;
    const buffer = workspace.reserve(size);
    buffer.fill(0x0a);
    expect(workspace.countNewlines(0, size)).toBe(size);
    expect(workspace.countNewlines(1, size - 1)).toBe(size - 1);
  });
});
