/**
 * A range of a Buffer as text, through Node's own `utf8Slice` / `latin1Slice`: what
 * `toString(encoding, start, end)` ends in, without its checks of the encoding and the
 * bounds, which cost more than the decoding of a short field value (the records pass
 * decodes a few per line, millions of times).
 */
interface SlicingBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

export function utf8Text(bytes: Buffer, start: number, end: number): string {
  return (bytes as SlicingBuffer).utf8Slice(start, end);
}

export function latin1Text(bytes: Buffer, start: number, end: number): string {
  return (bytes as SlicingBuffer).latin1Slice(start, end);
}
