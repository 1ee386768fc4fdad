import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chunk, LineTooLongError, chunkStream, countLines } from '../src/index.js';

function* pieces(data: Buffer, sizes: number[]): Generator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes.length > 0 ? sizes[i % sizes.length]! : data.length);
    yield data.subarray(at, at + size);
    at += size;
  }
}

async function collect(
  data: Buffer,
  chunkSize: number,
  readSizes: number[] = [],
  maxLineSize = 1 << 30,
): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of chunkStream(pieces(data, readSizes), { chunkSize, maxLineSize, sourceName: 'test' }))
    chunks.push(chunk);
  return chunks;
}

/** What every chunking must satisfy, whatever the input and sizes. */
function expectWellFormed(data: Buffer, chunks: Chunk[], chunkSize: number): void {
  expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(data)).toBe(true);
  let offset = 0;
  let line = 1;
  chunks.forEach((chunk, i) => {
    const last = i === chunks.length - 1;
    expect(chunk.seq).toBe(i);
    expect(chunk.byteOffset).toBe(offset);
    expect(chunk.firstLine).toBe(line);
    expect(chunk.bytes.length).toBeGreaterThan(0);
    expect(chunk.lineCount).toBe(countLines(chunk.bytes));
    expect(Buffer.concat(chunk.parts).equals(chunk.bytes)).toBe(true);
    expect(chunk.parts.every((part) => part.length > 0)).toBe(true);
    if (!last) expect(chunk.bytes.at(-1)).toBe(0x0a);
    // Over the size only when the chunk is one line that is longer than a chunk.
    if (chunk.bytes.length > chunkSize) expect(chunk.lineCount).toBe(1);
    offset += chunk.bytes.length;
    line += chunk.lineCount;
  });
  expect(line - 1).toBe(countLines(data));
}

describe('chunkStream', () => {
  it('cuts after the last newline that fits', async () => {
    const data = Buffer.from('aaa\nbbb\nccc\nddd\n');
    const chunks = await collect(data, 9);
    expect(chunks.map((c) => c.bytes.toString())).toEqual(['aaa\nbbb\n', 'ccc\nddd\n']);
    expect(chunks.map((c) => [c.firstLine, c.lineCount, c.byteOffset])).toEqual([
      [1, 2, 0],
      [3, 2, 8],
    ]);
  });

  it('gives a chunk that spans several reads as views into them, not a copy', async () => {
    // Each read in memory of its own, so that a view is told from a copy by its memory.
    const reads = ['aaa\nb', 'bb', 'b\ncc\n'].map((text) => Buffer.from(new TextEncoder().encode(text).buffer));
    const chunks: Chunk[] = [];
    for await (const chunk of chunkStream(reads, { chunkSize: 10, maxLineSize: 100, sourceName: 'test' }))
      chunks.push(chunk);
    expect(chunks.map((c) => c.parts.map((part) => part.toString()))).toEqual([['aaa\nb', 'bb', 'b\n'], ['cc\n']]);
    chunks[0]!.parts.forEach((part, i) => expect(part.buffer).toBe(reads[i]!.buffer));
    expect(chunks[1]!.parts[0]!.buffer).toBe(reads[2]!.buffer);
    expect(chunks.map((c) => c.lineCount)).toEqual([2, 1]);
  });

  it('counts a final line without a newline, and yields nothing for empty input', async () => {
    expect(await collect(Buffer.alloc(0), 4)).toEqual([]);
    const chunks = await collect(Buffer.from('a\nb'), 4);
    expect(chunks.map((c) => [c.bytes.toString(), c.lineCount])).toEqual([['a\nb', 2]]);
  });

  it('keeps \\r\\n and empty lines as grep does', async () => {
    const data = Buffer.from('x\r\n\n\r\ny');
    const chunks = await collect(data, 3, [1]);
    expectWellFormed(data, chunks, 3);
    expect(chunks.reduce((n, c) => n + c.lineCount, 0)).toBe(4);
  });

  it('puts a line longer than the chunk size in a chunk of its own', async () => {
    const long = 'L'.repeat(50);
    const data = Buffer.from(`a\nb\n${long}\nc\n`);
    const chunks = await collect(data, 8, [3]);
    expectWellFormed(data, chunks, 8);
    expect(chunks.map((c) => c.bytes.toString())).toEqual(['a\nb\n', `${long}\n`, 'c\n']);
    expect(chunks[1]!.firstLine).toBe(3);
  });

  it('refuses a line longer than the maximum line size, naming where it starts', async () => {
    const data = Buffer.from(`ok\n${'x'.repeat(100)}\n`);
    await expect(collect(data, 8, [7], 64)).rejects.toThrow(LineTooLongError);
    await expect(collect(data, 8, [7], 64)).rejects.toThrow(/line 2 \(at byte 3\)/);
  });

  it('counts a 100 MB line exactly, with and without a final newline', async () => {
    const lineLength = 100 * 1024 * 1024;
    const long = Buffer.alloc(lineLength, 'y');
    long.write('ERROR', lineLength / 2);
    for (const tail of ['\nlast line\n', '']) {
      const data = Buffer.concat([Buffer.from('first\nsecond\n'), long, Buffer.from(tail)]);
      const chunks = await collect(data, 1024 * 1024, [64 * 1024], 256 * 1024 * 1024);
      expectWellFormed(data, chunks, 1024 * 1024);
      const longChunk = chunks.find((c) => c.bytes.length >= lineLength)!;
      expect(longChunk.firstLine).toBe(3);
      expect(longChunk.lineCount).toBe(1);
      expect(longChunk.byteOffset).toBe(13);
      expect(chunks.reduce((n, c) => n + c.lineCount, 0)).toBe(tail ? 4 : 3);
    }
  });

  it('is well formed for any input, read size and chunk size', async () => {
    const byte = fc.oneof(fc.constant(0x0a), fc.constant(0x0d), fc.constant(0x41), fc.integer({ min: 0, max: 255 }));
    await fc.assert(
      fc.asyncProperty(
        // size 'max': fast-check's default size keeps arrays to 10 elements whatever
        // maxLength says, and the input would never outgrow the larger chunk sizes.
        fc.uint8Array({ maxLength: 400, size: 'max' }),
        fc.array(byte, { maxLength: 300, size: 'max' }),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 5 }),
        async (random, shaped, chunkSize, readSizes) => {
          const data = Buffer.concat([Buffer.from(shaped), Buffer.from(random)]);
          expectWellFormed(data, await collect(data, chunkSize, readSizes), chunkSize);
        },
      ),
      { numRuns: 300 },
    );
  });
});
