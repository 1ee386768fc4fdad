/**
 * The buffers a plain file is read into, each read into again once every byte it holds
 * is stored in Redis. Chunks are views into the buffers they were read in (nothing is
 * copied on the way to Redis), so a buffer is busy until the last chunk cut from it is
 * stored; a new buffer for every read left V8 collecting gigabytes of them
 * (docs/benchmarks.md, "Bytes through Redis: a copy-free path").
 */
export class ReadBuffers {
  /** Buffers read into, oldest first, with the source offset their bytes end at. */
  private readonly filled: { buffer: Buffer; end: number }[] = [];
  private stored = 0;

  constructor(readonly size: number) {}

  /** A buffer to read into: the oldest one whose bytes are all stored, or a new one. */
  take(): Buffer {
    const oldest = this.filled[0];
    if (oldest !== undefined && oldest.end <= this.stored) {
      this.filled.shift();
      return oldest.buffer;
    }
    return Buffer.allocUnsafeSlow(this.size);
  }

  /** `buffer` (from `take`) now holds the source's bytes up to offset `end`. */
  filledTo(buffer: Buffer, end: number): void {
    this.filled.push({ buffer, end });
  }

  /** Every byte of the source before `offset` is stored: nothing refers to it any more. */
  storedUpTo(offset: number): void {
    this.stored = Math.max(this.stored, offset);
  }
}
