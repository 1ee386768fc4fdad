/** The byte that ends a line. */
export const NEWLINE = 0x0a;

/** Number of `\n` bytes in `bytes`. */
export function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  let at = bytes.indexOf(NEWLINE);
  while (at !== -1) {
    count++;
    at = bytes.indexOf(NEWLINE, at + 1);
  }
  return count;
}

/**
 * Lines in a run of bytes as grep counts them: every `\n` ends a line, and bytes after
 * the last `\n` are one more line.
 */
export function countLines(bytes: Uint8Array): number {
  const length = bytes.length;
  if (length === 0) return 0;
  return countNewlines(bytes) + (bytes[length - 1] === NEWLINE ? 0 : 1);
}
