/**
 * The fields of a logfmt line, read from its bytes: `key=value`, `key="quoted \"value\""`
 * (backslash escapes as JSON's), and a bare `key`, present with the value "". Pairs are
 * separated by spaces or tabs; a key is a run of bytes other than those, `=` and `"`. A
 * key given twice takes its last value, as a map of the line would.
 *
 * A line is logfmt when it has at least one `key=value` pair and nothing else breaks the
 * grammar: no unterminated quote, no `"` in a key or in a bare value, nothing glued
 * after a quoted value.
 */
import { unescaped } from '../insight/quoted-strings.js';
import type { FieldValue } from './field-value.js';
import { utf8Text } from './byte-text.js';

const SPACE = 0x20;
const TAB = 0x09;
const RETURN = 0x0d;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class LogfmtFieldReader {
  private readonly keys: Buffer[];
  private readonly found: Int32Array;

  constructor(readonly fields: readonly string[]) {
    this.keys = fields.map((field) => Buffer.from(field, 'utf8'));
    // Per field: where its value starts and ends (a quoted value's quotes included), -1 if absent.
    this.found = new Int32Array(fields.length * 2);
  }

  /** Reads the line [start, end) into `values`; false, every value missing, when it is not logfmt. */
  read(bytes: Buffer, start: number, end: number, values: FieldValue[]): boolean {
    const found = this.found;
    found.fill(-1);
    const keys = this.keys;
    const valid = scanLogfmt(bytes, start, end, (keyStart, keyEnd, valueStart, valueEnd) => {
      const length = keyEnd - keyStart;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (key.length !== length) continue;
        let k = 0;
        while (k < length && bytes[keyStart + k] === key[k]) k++;
        if (k === length) {
          found[2 * i] = valueStart;
          found[2 * i + 1] = valueEnd;
        }
      }
    });
    for (let i = 0; i < keys.length; i++)
      values[i] = valid && found[2 * i]! >= 0 ? valueText(bytes, found[2 * i]!, found[2 * i + 1]!) : undefined;
    return valid;
  }
}

/** The line as a map of its keys to their values (for `--schema`), or undefined when it is not logfmt. */
export function logfmtRecord(bytes: Buffer, start: number, end: number): Record<string, string> | undefined {
  const record: Record<string, string> = {};
  const valid = scanLogfmt(bytes, start, end, (keyStart, keyEnd, valueStart, valueEnd) => {
    Object.defineProperty(record, bytes.toString('utf8', keyStart, keyEnd), {
      value: valueText(bytes, valueStart, valueEnd),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return valid ? record : undefined;
}

function valueText(bytes: Buffer, start: number, end: number): string {
  if (end > start && bytes[start] === QUOTE) {
    const text = utf8Text(bytes, start + 1, end - 1);
    return text.includes('\\') ? unescaped(text, 0, text.length) : text;
  }
  return utf8Text(bytes, start, end);
}

type PairSink = (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => void;

/** Offers each pair of the line to `sink` (a bare key with an empty value); whether the line is logfmt. */
function scanLogfmt(bytes: Buffer, at: number, end: number, sink: PairSink): boolean {
  let pairs = 0;
  for (;;) {
    while (at < end && isBlank(bytes[at]!)) at++;
    if (at >= end) return pairs > 0;
    const keyStart = at;
    while (at < end && !isBlank(bytes[at]!) && bytes[at] !== EQUALS && bytes[at] !== QUOTE) at++;
    const keyEnd = at;
    if (keyEnd === keyStart) return false;
    if (at >= end || isBlank(bytes[at]!)) {
      sink(keyStart, keyEnd, keyEnd, keyEnd);
      continue;
    }
    if (bytes[at] === QUOTE) return false;
    at++;
    const valueStart = at;
    if (at < end && bytes[at] === QUOTE) {
      at++;
      while (at < end && bytes[at] !== QUOTE) at += bytes[at] === BACKSLASH ? 2 : 1;
      if (at >= end) return false;
      at++;
      if (at < end && !isBlank(bytes[at]!)) return false;
    } else {
      while (at < end && !isBlank(bytes[at]!)) {
        if (bytes[at] === QUOTE) return false;
        at++;
      }
    }
    pairs++;
    sink(keyStart, keyEnd, valueStart, at);
  }
}

/** A space or a tab, and the `\r` of a CRLF line. */
function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === RETURN;
}
