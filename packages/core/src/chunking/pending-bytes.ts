import { NEWLINE } from '../char-codes.js';
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

  /** Bytes [from, to) decoded as UTF-8. */
  text(from: number, to: number): string {
    const pieces: Buffer[] = [];
    let start = 0;
    for (const part of this.parts) {
      const end = start + part.length;
      if (end > from && start < to)
        pieces.push(part.subarray(Math.max(0, from - start), Math.min(part.length, to - start)));
      if (end >= to) break;
      start = end;
    }
    return pieces.length === 1 ? pieces[0]!.toString('utf8') : Buffer.concat(pieces).toString('utf8');
  }

  /**
   * Removes and returns the first `count` bytes as the views into the buffers they
   * arrived in (no copy): one view when they lie in one buffer.
   */
  take(count: number): Buffer[] {
    const taken: Buffer[] = [];
    let left = count;
    while (left > 0) {
      const part = this.parts[0]!;
      if (part.length <= left) {
        taken.push(part);
        this.parts.shift();
        left -= part.length;
      } else {
        taken.push(part.subarray(0, left));
        this.parts[0] = part.subarray(left);
        left = 0;
      }
    }
    this.total -= count;
    return taken;
  }
}
