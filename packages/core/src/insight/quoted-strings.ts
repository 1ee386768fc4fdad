/**
 * Strings between double quotes with backslash escapes, as JSON writes them and logfmt
 * too (Go's `strconv.Quote` writes the same escapes for what logs hold): where one ends,
 * and its content decoded.
 */
import { CHAR } from '../char-codes.js';

const { BACKSLASH } = CHAR;

/** The index of the `"` that closes the string opened at `at`, or -1 if the text ends first. */
export function closingQuote(text: string, at: number): number {
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** What `\n`, `\t`, `\r`, `\b` and `\f` stand for, by the code of their letter. */
const CONTROL_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x6e, '\n'],
  [0x74, '\t'],
  [0x72, '\r'],
  [0x62, '\b'],
  [0x66, '\f'],
]);

/** The string content [start, end) decoded: `\n`, `\"`, `\u00e9`…; an unknown escape as its character, an escape cut at the end left out. */
export function unescaped(text: string, start: number, end: number): string {
  let slash = text.indexOf('\\', start);
  if (slash === -1 || slash >= end) return text.slice(start, end);
  let out = '';
  let copied = start;
  while (slash !== -1 && slash < end) {
    out += text.slice(copied, slash);
    if (slash + 1 >= end) return out;
    const escape = text.charCodeAt(slash + 1);
    let next = slash + 2;
    const control = CONTROL_ESCAPES.get(escape);
    if (control !== undefined) {
      out += control;
    } else if (escape === 0x75 /* u */) {
      if (slash + 6 > end) return out;
      const code = hex4(text, slash + 2);
      if (code === -1) out += 'u';
      else {
        out += String.fromCharCode(code);
        next = slash + 6;
      }
    } else {
      out += text.charAt(slash + 1);
    }
    copied = next;
    slash = text.indexOf('\\', next);
  }
  return out + text.slice(copied, end);
}

/** The value of the four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const code = text.charCodeAt(i);
    const digit =
      code >= 0x30 && code <= 0x39
        ? code - 0x30
        : (code | 0x20) >= 0x61 && (code | 0x20) <= 0x66
          ? (code | 0x20) - 0x57
          : -1;
    if (digit === -1) return -1;
    value = value * 16 + digit;
  }
  return value;
}
