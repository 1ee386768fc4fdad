import { NEWLINE } from './newlines.js';
/**
 * Bytes read but not yet cut into a chunk, kept as the list of buffers they arrived in
 * so that appending never copies. Positions are relative to the first pending byte.
 */
export class PendingBytes {
  private parts: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.total += data.length;
  }

  /** Position of the last `\n` before `limit`, or -1. */
  lastNewlineBefore(limit: number): number {
    let end = this.total;
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const part = this.parts[i]!;
      const start = end - part.length;
      if (start < limit) {
        const within = Math.min(part.length, limit - start);
        const at = part.lastIndexOf(NEWLINE, within - 1);
        if (at !== -1) return start + at;
      }
      end = start;
    }
    return -1;
  }

  /** Position of the first `\n` at or after `from`, or -1. */
  newlineFrom(from: number): number {
    let start = 0;
    for (const part of this.parts) {
      const end = start + part.length;
      if (end > from) {
        const at = part.indexOf(NEWLINE, Math.max(0, from - start));
        if (at !== -1) return start + at;
      }
      start = end;
    }
    return -1;
  }

  /**
   * Removes and returns the first `count` bytes as one buffer: a view into the buffer
   * they arrived in when they lie in one (no copy), else a copy of their own.
   */
  take(count: number): Buffer {
    const first = this.parts[0];
    if (first && first.length >= count) {
      this.total -= count;
      if (first.length === count) this.parts.shift();
      else this.parts[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafeSlow(count);
    let filled = 0;
    while (filled < count) {
      const part = this.parts[0]!;
      const n = Math.min(part.length, count - filled);
      part.copy(out, filled, 0, n);
      filled += n;
      if (n === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(n);
    }
    this.total -= count;
    return out;
  }
}
