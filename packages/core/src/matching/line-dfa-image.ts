import type { LineDfa } from './line-dfa.js';

const BMP_SIZE = 0x10000;
/** A wide symbol the kernel does not step by: the line goes to V8. */
const TO_V8 = 255;

/**
 * A line automaton laid out for the WebAssembly kernel's `scanDfa` at address `base`:
 * the bytes to copy there and the arguments of `loadDfa`. Targets become absolute
 * addresses of rows (the kernel steps with one load). Null if it needs more than
 * `capacity` bytes; the automaton then runs in JavaScript.
 */
export interface LineDfaImage {
  bytes: Uint8Array;
  /** table, wide, word, bmp, wideSymbols, special, startOfLine, afterWord, afterOther. */
  load: [number, number, number, number, number, number, number, number, number];
}

export function lineDfaImage(dfa: LineDfa, base: number, capacity: number): LineDfaImage | null {
  const rows = dfa.table.length >> 8;
  const bmpAt = 0;
  const wordAt = BMP_SIZE;
  const tableAt = wordAt + Math.ceil(rows / 64) * 64;
  const wideAt = tableAt + rows * 1024;
  const size = wideAt + dfa.wide.length * 4;
  if (size > capacity) return null;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const address = (id: number): number => base + tableAt + id * 4;
  for (let k = 0; k < dfa.table.length; k++) view.setInt32(tableAt + k * 4, address(dfa.table[k]!), true);
  for (let k = 0; k < dfa.wide.length; k++) view.setInt32(wideAt + k * 4, address(dfa.wide[k]!), true);
  bytes.set(dfa.afterWordChar, wordAt);
  bytes.fill(TO_V8, bmpAt, bmpAt + BMP_SIZE);
  if (dfa.wideClass) {
    for (let codePoint = 0x80; codePoint < BMP_SIZE; codePoint++) {
      const symbol = dfa.wideClass(codePoint);
      if (symbol >= 0) bytes[bmpAt + codePoint] = symbol - dfa.firstWide;
    }
  }
  return {
    bytes,
    load: [base + tableAt, base + wideAt, base + wordAt, base + bmpAt, dfa.wideSymbols, address(dfa.special), address(dfa.startOfLine), address(dfa.afterWord), address(dfa.afterOther)],
  };
}
