/**
 * The wanted fields of a JSON object line, read straight from its bytes: one pass that
 * checks the whole line is JSON (exactly what `JSON.parse` of its UTF-8 reading accepts:
 * the differential test in test/records-json-reader.test.ts pins it) and notes where the
 * values of the wanted paths lie, decoding only those. Faster than decoding the line and
 * `JSON.parse`-ing it, which builds every string and object of the line.
 *
 * As `JSON.parse`, a key given twice takes its last value (and a path through it, what
 * the last value holds). Values not on a wanted path are skipped by a loop, not by
 * recursion, so that a deeply nested line cannot exhaust the stack.
 */
import { ARRAY_VALUE, type FieldValue, OBJECT_VALUE } from './field-value.js';
import { latin1Text, utf8Text } from './byte-text.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** What a wanted path held in the line just read. */
const MISSING = 0;
const STRING = 1;
const ESCAPED_STRING = 2;
const NUMBER = 3;
const TRUE = 4;
const FALSE = 5;
const NULL = 6;
const OBJECT = 7;
const ARRAY = 8;

/** A key on a wanted path: the paths through it, and the value wanted there (`target`, or -1). */
interface PathNode {
  key: string;
  keyBytes: Buffer;
  /** The key's bytes are its UTF-8 and it holds no U+FFFD (so a byte compare is exact). */
  byteComparable: boolean;
  target: number;
  children: PathNode[];
  /** Every target at or below this node, cleared when the key comes again. */
  subtree: number[];
}

function node(key: string): PathNode {
  return {
    key,
    keyBytes: Buffer.from(key, 'utf8'),
    byteComparable: !key.includes('\uFFFD'),
    target: -1,
    children: [],
    subtree: [],
  };
}

/**
 * Reads the given fields (dotted paths) of JSON object lines. A field's value is the top-level
 * key with its whole name if the line has that key (even holding null), else the value at
 * its path one object down at a time (never through an array).
 */
export class JsonFieldReader {
  private readonly root = node('');
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  /** Per field: the target of its whole name at the top level, and of its path (the same one without dots). */
  private readonly exact: number[] = [];
  private readonly nested: number[] = [];
  /** Per field: the target its value was read from in the line just read. */
  private readonly resolved: Int32Array;
  private bytes: Buffer = Buffer.alloc(0);
  /** Set by `scanString`: the string just scanned holds a backslash escape. */
  private escaped = false;

  constructor(readonly fields: readonly string[]) {
    const targets = new Map<string, number>();
    const targetOf = (path: string[]): number => {
      const id = JSON.stringify(path);
      let target = targets.get(id);
      if (target === undefined) {
        target = targets.size;
        targets.set(id, target);
        let at = this.root;
        for (const key of path) {
          let child = at.children.find((c) => c.key === key);
          if (!child) at.children.push((child = node(key)));
          child.subtree.push(target);
          at = child;
        }
        at.target = target;
      }
      return target;
    };
    for (const field of fields) {
      this.exact.push(targetOf([field]));
      this.nested.push(field.includes('.') ? targetOf(field.split('.')) : -1);
    }
    this.kinds = new Uint8Array(targets.size);
    this.starts = new Int32Array(targets.size);
    this.ends = new Int32Array(targets.size);
    this.resolved = new Int32Array(fields.length);
  }

  /**
   * Reads the line [start, end) of `bytes` into `values` (one per field); returns false,
   * with every value missing, when the line is not one JSON object.
   */
  read(bytes: Buffer, start: number, end: number, values: FieldValue[]): boolean {
    this.bytes = bytes;
    this.kinds.fill(MISSING);
    let at = skipSpace(bytes, start, end);
    let valid = at < end && bytes[at] === OPEN_BRACE;
    if (valid) {
      at = this.readObject(at, end, this.root);
      valid = at >= 0 && skipSpace(bytes, at, end) === end;
    }
    if (!valid) {
      this.kinds.fill(MISSING);
      for (let i = 0; i < this.fields.length; i++) values[i] = undefined;
      return false;
    }
    for (let i = 0; i < this.fields.length; i++) {
      const exact = this.exact[i]!;
      const nested = this.nested[i]!;
      const target = nested === -1 || this.kinds[exact] !== MISSING ? exact : nested;
      this.resolved[i] = target;
      values[i] = this.valueOf(target);
    }
    return true;
  }

  /** Whether field `i` of the line just read is a JSON string (not a number or a boolean written as text). */
  isString(i: number): boolean {
    const kind = this.kinds[this.resolved[i]!];
    return kind === STRING || kind === ESCAPED_STRING;
  }

  private valueOf(target: number): FieldValue {
    const bytes = this.bytes;
    const start = this.starts[target]!;
    const end = this.ends[target]!;
    switch (this.kinds[target]) {
      case STRING:
        return utf8Text(bytes, start, end);
      case ESCAPED_STRING:
        return unescapeJson(bytes, start, end);
      case NUMBER:
        return numberText(latin1Text(bytes, start, end));
      case TRUE:
        return 'true';
      case FALSE:
        return 'false';
      case OBJECT:
        return OBJECT_VALUE;
      case ARRAY:
        return ARRAY_VALUE;
      default:
        return undefined;
    }
  }

  /** The object whose `{` is at `at`, reading the paths below `path`; the index after its `}`, or -1. */
  private readObject(at: number, end: number, path: PathNode): number {
    const bytes = this.bytes;
    at = skipSpace(bytes, at + 1, end);
    if (at < end && bytes[at] === CLOSE_BRACE) return at + 1;
    for (;;) {
      if (at >= end || bytes[at] !== QUOTE) return -1;
      const keyStart = at + 1;
      const keyEnd = this.scanString(keyStart, end);
      if (keyEnd < 0) return -1;
      const child = this.childFor(path, keyStart, keyEnd);
      at = skipSpace(bytes, keyEnd + 1, end);
      if (at >= end || bytes[at] !== COLON) return -1;
      at = skipSpace(bytes, at + 1, end);
      if (child) {
        for (const target of child.subtree) this.kinds[target] = MISSING;
        at = this.readValue(at, end, child);
      } else {
        at = skipValue(bytes, at, end);
      }
      if (at < 0) return -1;
      at = skipSpace(bytes, at, end);
      if (at >= end) return -1;
      const next = bytes[at];
      if (next === CLOSE_BRACE) return at + 1;
      if (next !== COMMA) return -1;
      at = skipSpace(bytes, at + 1, end);
    }
  }

  /** The value at `at`, which `path` wants or leads through; the index after it, or -1. */
  private readValue(at: number, end: number, path: PathNode): number {
    const bytes = this.bytes;
    if (at >= end) return -1;
    const target = path.target;
    const code = bytes[at]!;
    let kind: number;
    let after: number;
    if (code === QUOTE) {
      const close = this.scanString(at + 1, end);
      if (close < 0) return -1;
      kind = this.escaped ? ESCAPED_STRING : STRING;
      at++;
      after = close;
    } else if (code === OPEN_BRACE) {
      kind = OBJECT;
      after = path.children.length > 0 ? this.readObject(at, end, path) : skipValue(bytes, at, end);
    } else {
      after = skipValue(bytes, at, end);
      kind =
        code === OPEN_BRACKET ? ARRAY : code === 0x74 ? TRUE : code === 0x66 ? FALSE : code === 0x6e ? NULL : NUMBER;
    }
    if (after < 0) return -1;
    if (target >= 0) {
      this.kinds[target] = kind;
      this.starts[target] = at;
      this.ends[target] = after;
    }
    return kind === STRING || kind === ESCAPED_STRING ? after + 1 : after;
  }

  /** The child of `path` named by the key [start, end) (a JSON string's content), if any. */
  private childFor(path: PathNode, start: number, end: number): PathNode | undefined {
    const children = path.children;
    if (children.length === 0) return undefined;
    const bytes = this.bytes;
    if (this.escaped) {
      const key = unescapeJson(bytes, start, end);
      return children.find((child) => child.key === key);
    }
    const length = end - start;
    for (const child of children) {
      const wanted = child.keyBytes;
      if (wanted.length !== length) continue;
      if (child.byteComparable) {
        let i = 0;
        while (i < length && bytes[start + i] === wanted[i]) i++;
        if (i === length) return child;
      } else if (bytes.toString('utf8', start, end) === child.key) {
        return child;
      }
    }
    return undefined;
  }

  /** The index of the `"` that ends the string whose content starts at `at`, or -1 if it is no JSON string; sets `escaped`. */
  private scanString(at: number, end: number): number {
    const close = scanString(this.bytes, at, end);
    this.escaped = close < -1;
    return close < -1 ? -close - 2 : close;
  }
}

/**
 * The `"` that ends the string whose content starts at `at`: its index, `-index - 2` when
 * the string holds an escape, or -1 when it is no JSON string (a control character, a bad
 * escape, no end).
 */
function scanString(bytes: Buffer, at: number, end: number): number {
  let escaped = false;
  while (at < end) {
    const code = bytes[at]!;
    if (code === QUOTE) return escaped ? -at - 2 : at;
    if (code === BACKSLASH) {
      escaped = true;
      const next = bytes[at + 1];
      if (at + 1 >= end) return -1;
      if (next === 0x75 /* u */) {
        if (at + 5 >= end) return -1;
        for (let i = at + 2; i < at + 6; i++) if (!isHex(bytes[i]!)) return -1;
        at += 6;
      } else if (
        next === QUOTE ||
        next === BACKSLASH ||
        next === 0x2f /* / */ ||
        next === 0x62 /* b */ ||
        next === 0x66 /* f */ ||
        next === 0x6e /* n */ ||
        next === 0x72 /* r */ ||
        next === 0x74 /* t */
      ) {
        at += 2;
      } else {
        return -1;
      }
    } else if (code < 0x20) {
      return -1;
    } else {
      at++;
    }
  }
  return -1;
}

function isHex(code: number): boolean {
  return (code >= ZERO && code <= NINE) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);
}

function skipSpace(bytes: Buffer, at: number, end: number): number {
  while (at < end) {
    const code = bytes[at];
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return at;
    at++;
  }
  return at;
}

/** The end of the number at `at` as JSON writes numbers, or -1. */
function skipNumber(bytes: Buffer, at: number, end: number): number {
  if (bytes[at] === MINUS) at++;
  if (at >= end) return -1;
  if (bytes[at] === ZERO) at++;
  else if (isDigit(bytes[at]!)) while (at < end && isDigit(bytes[at]!)) at++;
  else return -1;
  if (at < end && bytes[at] === DOT) {
    at++;
    if (at >= end || !isDigit(bytes[at]!)) return -1;
    while (at < end && isDigit(bytes[at]!)) at++;
  }
  if (at < end && (bytes[at]! | 0x20) === 0x65 /* e */) {
    at++;
    if (at < end && (bytes[at] === PLUS || bytes[at] === MINUS)) at++;
    if (at >= end || !isDigit(bytes[at]!)) return -1;
    while (at < end && isDigit(bytes[at]!)) at++;
  }
  return at;
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

const TRUE_BYTES = [0x74, 0x72, 0x75, 0x65];
const FALSE_BYTES = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c];

function skipWord(bytes: Buffer, at: number, end: number, word: readonly number[]): number {
  if (at + word.length > end) return -1;
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word[i]) return -1;
  return at + word.length;
}

/** A scalar (string, number, true, false, null) at `at`: the index after it, or -1. */
function skipScalar(bytes: Buffer, at: number, end: number): number {
  const code = bytes[at];
  if (code === QUOTE) {
    const close = scanString(bytes, at + 1, end);
    if (close === -1) return -1;
    return (close < -1 ? -close - 2 : close) + 1;
  }
  if (code === 0x74) return skipWord(bytes, at, end, TRUE_BYTES);
  if (code === 0x66) return skipWord(bytes, at, end, FALSE_BYTES);
  if (code === 0x6e) return skipWord(bytes, at, end, NULL_BYTES);
  return skipNumber(bytes, at, end);
}

/** Open objects and arrays of the value being skipped: 1 for an object, 0 for an array. Grown as deep lines need. */
let openers = new Uint8Array(64);

/** Skips (and checks) the value at `at`: the index after it, or -1 if it is no JSON value. */
function skipValue(bytes: Buffer, at: number, end: number): number {
  if (at >= end) return -1;
  const first = bytes[at];
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return skipScalar(bytes, at, end);
  let depth = 0;
  // The state after `{`, `[` or `,`: a value (or key) is due; `}` or `]` only right after an opener.
  for (;;) {
    // At a value.
    let code = bytes[at];
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (depth === openers.length) {
        const grown = new Uint8Array(openers.length * 2);
        grown.set(openers);
        openers = grown;
      }
      const isObject = code === OPEN_BRACE;
      openers[depth++] = isObject ? 1 : 0;
      at = skipSpace(bytes, at + 1, end);
      if (at >= end) return -1;
      code = bytes[at];
      if (code === (isObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        at++;
      } else {
        if (isObject) {
          at = skipKey(bytes, at, end);
          if (at < 0) return -1;
        }
        continue;
      }
    } else {
      at = skipScalar(bytes, at, end);
      if (at < 0) return -1;
    }
    // After a value: close what is closed, or go on after a comma.
    for (;;) {
      if (depth === 0) return at;
      at = skipSpace(bytes, at, end);
      if (at >= end) return -1;
      code = bytes[at];
      const inObject = openers[depth - 1] === 1;
      if (code === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        at++;
        continue;
      }
      if (code !== COMMA) return -1;
      at = skipSpace(bytes, at + 1, end);
      if (inObject) {
        at = skipKey(bytes, at, end);
        if (at < 0) return -1;
      }
      if (at >= end) return -1;
      break;
    }
  }
}

/** A key, its colon and the space around: the index of the value after it, or -1. */
function skipKey(bytes: Buffer, at: number, end: number): number {
  if (at >= end || bytes[at] !== QUOTE) return -1;
  const close = scanString(bytes, at + 1, end);
  if (close === -1) return -1;
  at = skipSpace(bytes, (close < -1 ? -close - 2 : close) + 1, end);
  if (at >= end || bytes[at] !== COLON) return -1;
  at = skipSpace(bytes, at + 1, end);
  return at < end ? at : -1;
}

/** A JSON number's text as `String(JSON.parse(text))` gives it: `404` stays, `1.50` is `1.5`, `1e3` is `1000`. */
function numberText(raw: string): string {
  // Up to 15 digits without a fraction or exponent: already what String(Number()) writes.
  return raw.length <= 15 && /^-?[1-9]\d*$|^0$/.test(raw) ? raw : String(Number(raw));
}

/** The content [start, end) of a JSON string that holds escapes, decoded as `JSON.parse` does. */
export function unescapeJson(bytes: Buffer, start: number, end: number): string {
  let out = '';
  let copied = start;
  let at = bytes.indexOf(BACKSLASH, start);
  while (at !== -1 && at < end) {
    out += bytes.toString('utf8', copied, at);
    const next = bytes[at + 1];
    if (next === 0x75) {
      out += String.fromCharCode(parseInt(bytes.toString('latin1', at + 2, at + 6), 16));
      at += 6;
    } else {
      out +=
        next === 0x6e
          ? '\n'
          : next === 0x74
            ? '\t'
            : next === 0x72
              ? '\r'
              : next === 0x62
                ? '\b'
                : next === 0x66
                  ? '\f'
                  : String.fromCharCode(next!);
      at += 2;
    }
    copied = at;
    at = bytes.indexOf(BACKSLASH, at);
  }
  return out + bytes.toString('utf8', copied, end);
}
