import { FIRST_MATCH, type LineDfa, TO_V8 } from './line-dfa.js';

const BMP_SIZE = 0x10000;
/** A code point's wide symbol in the kernel's table when it is none: the line goes to V8. */
const NO_SYMBOL = 255;

/**
 * A line automaton laid out for the WebAssembly kernel's `scanDfa` at address `base`:
 * the bytes to copy there and the arguments of `loadDfa`. Targets become absolute
 * addresses of rows (the kernel steps with one load).
 *
 * One thing is added for speed: a character of two bytes whose lead byte alone decides
 * its symbol, and whose step leads to an ordinary state (no match ends before it), is
 * stepped byte by byte like ASCII, through a row that takes any continuation byte to
 * that state (and anything else to TO_V8: the line is not valid UTF-8). Other
 * characters outside ASCII go through the kernel's WIDE path.
 */
export interface LineDfaImage {
  bytes: Uint8Array;
  /** table, wide, word, lineMatched, bmp, astral, wideSymbols, special, startOfLine, afterWord, afterOther. */
  load: [number, number, number, number, number, number, number, number, number, number, number];
}

/** The image, or null if it needs more than `capacity` bytes (the automaton then runs in JavaScript). */
export function lineDfaImage(dfa: LineDfa, base: number, capacity: number): LineDfaImage | null {
  const rows = dfa.table.length >> 8;
  const bmp = new Uint8Array(BMP_SIZE).fill(NO_SYMBOL);
  if (dfa.wideClass) {
    for (let codePoint = 0x80; codePoint < BMP_SIZE; codePoint++) {
      const symbol = dfa.wideClass.bmp[codePoint]!;
      if (symbol >= 0) bmp[codePoint] = symbol - dfa.firstWide;
    }
  }

  // Rows for characters of two bytes: per target state, one row of continuation bytes.
  const table = Int32Array.from(dfa.table);
  const continuations: number[] = [];
  const rowOf = new Map<number, number>();
  const leadSymbol = (lead: number): number => {
    const first = (lead & 0x1f) << 6;
    const symbol = bmp[first]!;
    for (let codePoint = first + 1; codePoint < first + 0x40; codePoint++)
      if (bmp[codePoint] !== symbol) return NO_SYMBOL;
    return symbol;
  };
  const leads = Array.from({ length: 0xe0 - 0xc2 }, (_, k) => [0xc2 + k, leadSymbol(0xc2 + k)] as const).filter(
    ([, symbol]) => symbol !== NO_SYMBOL,
  );
  // Every state steps (the rows before FIRST_MATCH are pseudo states and dead ones).
  for (let row = FIRST_MATCH >> 8; row < rows; row++) {
    for (const [lead, symbol] of leads) {
      const target = dfa.wide[row * dfa.wideSymbols + symbol]!;
      if (target < dfa.special) continue; // a match ends before it, or the automaton stops: the WIDE path
      let continuation = rowOf.get(target);
      if (continuation === undefined) {
        continuation = (rows + continuations.length) << 8;
        continuations.push(target);
        rowOf.set(target, continuation);
      }
      table[(row << 8) + lead] = continuation;
    }
  }

  const allRows = rows + continuations.length;
  const bmpAt = 0;
  const rowBytes = Math.ceil(allRows / 64) * 64;
  const wordAt = BMP_SIZE;
  const lineMatchedAt = wordAt + rowBytes;
  const tableAt = lineMatchedAt + rowBytes;
  const wideAt = tableAt + allRows * 1024;
  // Segments from U+10000: their count, first code points and symbols (i32 each).
  const astralStarts = dfa.wideClass?.astralStarts ?? new Int32Array(0);
  const astralSymbols = dfa.wideClass?.astralSymbols ?? new Int16Array(0);
  const astralAt = wideAt + dfa.wide.length * 4;
  const size = astralAt + 4 + astralStarts.length * 8;
  if (size > capacity) return null;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const address = (id: number): number => base + tableAt + id * 4;
  for (let k = 0; k < table.length; k++) view.setInt32(tableAt + k * 4, address(table[k]!), true);
  continuations.forEach((target, k) => {
    const at = tableAt + (rows + k) * 1024;
    for (let byte = 0; byte < 256; byte++)
      view.setInt32(at + byte * 4, address(byte >= 0x80 && byte < 0xc0 ? target : TO_V8), true);
  });
  for (let k = 0; k < dfa.wide.length; k++) view.setInt32(wideAt + k * 4, address(dfa.wide[k]!), true);
  view.setInt32(astralAt, astralStarts.length, true);
  astralStarts.forEach((start, k) => {
    view.setInt32(astralAt + 4 + k * 4, start, true);
    const symbol = astralSymbols[k]!;
    view.setInt32(astralAt + 4 + (astralStarts.length + k) * 4, symbol >= 0 ? symbol - dfa.firstWide : NO_SYMBOL, true);
  });
  bytes.set(dfa.afterWordChar, wordAt);
  bytes.set(dfa.lineMatched, lineMatchedAt);
  // A row of continuation bytes keeps the line's state of the state it leads to.
  continuations.forEach((target, k) => (bytes[lineMatchedAt + rows + k] = dfa.lineMatched[target >> 8]!));
  bytes.set(bmp, bmpAt);
  return {
    bytes,
    load: [
      base + tableAt,
      base + wideAt,
      base + wordAt,
      base + lineMatchedAt,
      base + bmpAt,
      base + astralAt,
      dfa.wideSymbols,
      address(dfa.special),
      address(dfa.startOfLine),
      address(dfa.afterWord),
      address(dfa.afterOther),
    ],
  };
}
