import { readFileSync } from 'node:fs';

const WASM_PAGE = 64 * 1024;

interface NewlineExports {
  memory: WebAssembly.Memory;
  countNewlines(pointer: number, length: number): number;
}

let compiled: WebAssembly.Module | undefined;

/**
 * A workspace in WebAssembly memory where a chunk is read (straight from a file, with no
 * copy) and its newlines counted with SIMD, 16 bytes at a time: many times faster than
 * a search for each `\n`. One per thread; it grows to the largest chunk it has held.
 */
export class NewlineWorkspace {
  private readonly exports: NewlineExports;
  private view: Buffer;

  constructor() {
    // Resolved through the package's exports, so that it is found from src/ (tests),
    // dist/ and a bundle alike.
    compiled ??= new WebAssembly.Module(readFileSync(new URL(import.meta.resolve('@logcluster/core/newlines.wasm'))));
    this.exports = new WebAssembly.Instance(compiled).exports as unknown as NewlineExports;
    this.view = Buffer.from(this.exports.memory.buffer);
  }

  /** A buffer of `length` bytes in the workspace (valid until the next call). */
  reserve(length: number): Buffer {
    const { memory } = this.exports;
    if (memory.buffer.byteLength < length) {
      memory.grow(Math.ceil((length - memory.buffer.byteLength) / WASM_PAGE));
      this.view = Buffer.from(memory.buffer);
    }
    return this.view.subarray(0, length);
  }

  /** Newlines in `[start, start + length)` of the reserved buffer. */
  countNewlines(start: number, length: number): number {
    return this.exports.countNewlines(start, length);
  }
}
