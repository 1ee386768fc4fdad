/**
 * The wanted fields of a JSON object line, read straight from its bytes: one pass that
 * checks the whole line is JSON (exactly what `JSON.parse` of its UTF-8 reading accepts:
 * the differential test in test/records-json-reader.test.ts pins it) and notes where the
 * values of the wanted paths lie, decoding only those (and only when asked). Faster than
 * decoding the line and `JSON.parse`-ing it, which builds every string and object of the
 * line.
 *
 * The scan is one loop over the bytes with an explicit stack (a deeply nested line cannot
 * exhaust the call stack), and the inner loops (a string's content, a number's digits)
 * test one byte against a 256-entry table: most of a line's bytes are inside strings, and
 * that loop is what the speed of the whole records pass rests on. Nothing is allocated per
 * line unless a key holds an escape (it is decoded to be compared).
 *
 * Lines that lie in a counting workspace (a worker's chunks) are scanned by its kernel
 * instead (jsonLine in kernel.wat: the same checks, strings skipped 16 bytes at a time),
 * which lists the members of the objects on the wanted paths' depths; they are then
 * looked up here as the scan below looks them up. The two are differentially tested
 * against each other and `JSON.parse` (test/records-json-reader.test.ts).
 *
 * As `JSON.parse`, a key given twice takes its last value (and a path through it, what
 * the last value holds). Invalid UTF-8 needs no check: `JSON.parse` of the UTF-8 reading
 * sees U+FFFD there, which a string may hold and which is an error outside one anyway.
 */
import {
  type CountingWorkspace,
  KEY_FILTER_BYTES,
  KEY_TABLE_BYTES,
  MAX_TABLE_KEYS,
  MAX_TABLE_KEY_BYTES,
} from '../matching/counting-workspace.js';
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
export const MISSING = 0;
export const STRING = 1;
export const ESCAPED_STRING = 2;
export const NUMBER = 3;
export const TRUE = 4;
export const FALSE = 5;
export const NULL = 6;
export const OBJECT = 7;
export const ARRAY = 8;

/** Bytes a string holds as they are: not `"`, `\` or a control character. */
const PLAIN = new Uint8Array(256).fill(1, 0x20);
PLAIN[QUOTE] = 0;
PLAIN[BACKSLASH] = 0;
/** JSON's white space. */
const SPACE = new Uint8Array(256);
for (const code of [0x20, 0x09, 0x0a, 0x0d]) SPACE[code] = 1;
const DIGIT = new Uint8Array(256).fill(1, ZERO, NINE + 1);
const HEX = new Uint8Array(256)
  .fill(1, ZERO, NINE + 1)
  .fill(1, 0x41, 0x47)
  .fill(1, 0x61, 0x67);
/** The letters after `\` that JSON takes, `u` aside. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const code of [QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]) SHORT_ESCAPE[code] = 1;

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
  /** Open objects and arrays of the line being scanned: 1 for an object, 0 for an array. Grown as deep lines need. */
  private openers = new Uint8Array(64);
  /** The path nodes of the open objects that lie on a wanted path (always the outermost ones). */
  private readonly pathNodes: PathNode[];
  /** The depth of the deepest wanted path (1: top-level keys only). */
  private readonly deepest: number;
  /** The bits (keyFilterBit) of the keys on wanted paths: the kernel lists no other member but objects and arrays. */
  private readonly keyFilter = new Uint8Array(KEY_FILTER_BYTES);
  /**
   * When every wanted path is one top-level key (at most MAX_TABLE_KEYS, each of at most
   * MAX_TABLE_KEY_BYTES bytes of UTF-8), their table for the kernel, which then reads
   * their values itself (readJsonLine); else undefined (it lists members: scanJsonLine).
   */
  private readonly keyTable: Uint8Array | undefined;
  /** The bytes last scanned, and whether they lie in `workspace` (scanned by its kernel). */
  private lastBytes: Buffer | undefined;
  private inKernel = false;

  /** `workspace`: the thread's counting workspace, whose kernel scans the lines that lie in it. */
  constructor(
    readonly fields: readonly string[],
    private readonly workspace?: CountingWorkspace,
  ) {
    const targets = new Map<string, number>();
    let longest = 0;
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
        longest = Math.max(longest, path.length);
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
    this.pathNodes = new Array<PathNode>(longest + 1).fill(this.root);
    this.deepest = longest;
    const filterKeys = (at: PathNode): void => {
      for (const child of at.children) {
        // A key that may be written otherwise than its UTF-8 bytes (U+FFFD stands for any
        // invalid byte) lets every key through.
        if (child.byteComparable) {
          const bit = keyFilterBit(child.keyBytes);
          this.keyFilter[bit >> 3]! |= 1 << (bit & 7);
        } else this.keyFilter.fill(0xff);
        filterKeys(child);
      }
    };
    filterKeys(this.root);
    const keys = this.root.children;
    if (
      keys.length <= MAX_TABLE_KEYS &&
      keys.every((key, k) => key.target === k && key.children.length === 0 && key.byteComparable) &&
      keys.every((key) => key.keyBytes.length <= MAX_TABLE_KEY_BYTES)
    ) {
      this.keyTable = new Uint8Array(KEY_TABLE_BYTES);
      const table = new DataView(this.keyTable.buffer);
      table.setInt32(0, keys.length, true);
      keys.forEach((key, k) => {
        table.setInt32(4 + k * (4 + MAX_TABLE_KEY_BYTES), key.keyBytes.length, true);
        this.keyTable!.set(key.keyBytes, 8 + k * (4 + MAX_TABLE_KEY_BYTES));
      });
    }
  }

  /**
   * Reads the line [start, end) of `bytes` into `values` (one per field); returns false,
   * with every value missing, when the line is not one JSON object.
   */
  read(bytes: Buffer, start: number, end: number, values: FieldValue[]): boolean {
    const valid = this.scan(bytes, start, end);
    for (let i = 0; i < this.fields.length; i++) values[i] = valid ? this.value(i) : undefined;
    return valid;
  }

  /**
   * Scans the line [start, end) of `bytes`, decoding nothing: the fields are then read one
   * by one with `value`, `kind`, `start` and `end`. Returns false, with every field
   * missing, when the line is not one JSON object.
   */
  scan(bytes: Buffer, start: number, end: number): boolean {
    this.bytes = bytes;
    const kinds = this.kinds;
    // A loop: fill() costs more on so few.
    for (let i = 0; i < kinds.length; i++) kinds[i] = MISSING;
    if (bytes !== this.lastBytes) {
      this.lastBytes = bytes;
      this.inKernel = this.workspace?.holds(bytes) ?? false;
    }
    let valid: boolean;
    if (this.inKernel && this.keyTable !== undefined) {
      const read = this.workspace!.readJsonLine(bytes, start, end, this.keyTable);
      valid = read === -2 ? this.scanObject(bytes, start, end) : read === 0;
      if (read === 0) {
        const values = this.workspace!.jsonEntries();
        for (let target = 0, at = 0; target < kinds.length; target++, at += 3) {
          kinds[target] = values[at]!;
          this.starts[target] = values[at + 1]!;
          this.ends[target] = values[at + 2]!;
        }
      }
    } else if (this.inKernel) {
      const members = this.workspace!.scanJsonLine(bytes, start, end, this.deepest, this.keyFilter);
      valid = members === -2 ? this.scanObject(bytes, start, end) : members >= 0;
      if (members > 0) this.lookUp(members, bytes);
    } else {
      valid = this.scanObject(bytes, start, end);
    }
    if (!valid) {
      this.resolved.fill(-1);
      return false;
    }
    for (let i = 0; i < this.fields.length; i++) {
      const exact = this.exact[i]!;
      const nested = this.nested[i]!;
      this.resolved[i] = nested === -1 || kinds[exact] !== MISSING ? exact : nested;
    }
    return true;
  }

  /** What field `i` of the line just scanned holds: MISSING, STRING, …, ARRAY. */
  kind(i: number): number {
    const target = this.resolved[i]!;
    return target < 0 ? MISSING : this.kinds[target]!;
  }

  /** Where the value of field `i` lies in the bytes just scanned (a string's content, without its quotes). */
  start(i: number): number {
    return this.starts[this.resolved[i]!]!;
  }

  end(i: number): number {
    return this.ends[this.resolved[i]!]!;
  }

  /** Whether field `i` of the line just read is a JSON string (not a number or a boolean written as text). */
  isString(i: number): boolean {
    const kind = this.kind(i);
    return kind === STRING || kind === ESCAPED_STRING;
  }

  /** The value of field `i` of the line just scanned. */
  value(i: number): FieldValue {
    const target = this.resolved[i]!;
    return target < 0 ? undefined : valueOf(this.kinds[target]!, this.bytes, this.starts[target]!, this.ends[target]!);
  }

  /**
   * Notes the wanted values among the members the kernel found (see jsonLine in
   * kernel.wat), as scanObject notes them: a member counts when its object lies on a
   * wanted path, which is the case while no member less deep has come since that
   * object's own member.
   */
  private lookUp(members: number, bytes: Buffer): void {
    const entries = this.workspace!.jsonEntries();
    const base = bytes.byteOffset;
    const { kinds, starts, ends, pathNodes } = this;
    let pathDepth = 1;
    for (let at = 0; at < members * 5; at += 5) {
      const head = entries[at]!;
      const depth = head & 0xff;
      if (depth > pathDepth) continue;
      pathDepth = depth;
      const wanted = childFor(
        pathNodes[depth - 1]!,
        bytes,
        entries[at + 1]! - base,
        entries[at + 2]! - base,
        (head & 0x100) !== 0,
      );
      if (wanted === undefined) continue;
      for (const target of wanted.subtree) kinds[target] = MISSING;
      const kind = head >>> 16;
      const target = wanted.target;
      if (target >= 0) {
        kinds[target] = kind;
        starts[target] = entries[at + 3]! - base;
        ends[target] = entries[at + 4]! - base;
      }
      if (kind === OBJECT && wanted.children.length > 0) {
        pathNodes[depth] = wanted;
        pathDepth = depth + 1;
      }
    }
  }

  /** Checks the object at `start` (after white space) and that nothing but white space follows it, noting the wanted values. */
  private scanObject(bytes: Buffer, start: number, end: number): boolean {
    const kinds = this.kinds;
    const starts = this.starts;
    const ends = this.ends;
    const pathNodes = this.pathNodes;
    let openers = this.openers;
    let at = start;
    while (at < end && SPACE[bytes[at]!] === 1) at++;
    if (at >= end || bytes[at] !== OPEN_BRACE) return false;
    openers[0] = 1;
    let depth = 1;
    // The open objects, from the outermost, whose keys are looked up among the wanted ones.
    let pathDepth = 1;
    pathNodes[0] = this.root;
    at++;
    // Right after `{`: a key or `}`.
    let opened = true;
    for (;;) {
      // ---- At a key of the innermost object (or its `}` right after `{`). ----
      while (at < end && SPACE[bytes[at]!] === 1) at++;
      if (at >= end) return false;
      let code = bytes[at]!;
      let wanted: PathNode | undefined;
      if (code === QUOTE) {
        const keyStart = at + 1;
        let close = stringEnd(bytes, keyStart, end);
        if (close === -1) return false;
        const escaped = close < -1;
        if (escaped) close = -close - 2;
        if (pathDepth === depth) {
          wanted = childFor(pathNodes[depth - 1]!, bytes, keyStart, close, escaped);
          if (wanted !== undefined) for (const target of wanted.subtree) kinds[target] = MISSING;
        }
        at = close + 1;
        while (at < end && SPACE[bytes[at]!] === 1) at++;
        if (at >= end || bytes[at] !== COLON) return false;
        at++;
      } else if (code === CLOSE_BRACE && opened) {
        at++;
        depth--;
        if (pathDepth > depth) pathDepth = depth;
        code = -1;
      } else {
        return false;
      }
      // ---- At a value (code >= 0), or after one. ----
      for (;;) {
        if (code >= 0) {
          while (at < end && SPACE[bytes[at]!] === 1) at++;
          if (at >= end) return false;
          code = bytes[at]!;
          const target = wanted === undefined ? -1 : wanted.target;
          if (code === QUOTE) {
            let close = stringEnd(bytes, at + 1, end);
            if (close === -1) return false;
            let kind = STRING;
            if (close < -1) {
              close = -close - 2;
              kind = ESCAPED_STRING;
            }
            if (target >= 0) {
              kinds[target] = kind;
              starts[target] = at + 1;
              ends[target] = close;
            }
            at = close + 1;
          } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
            const isObject = code === OPEN_BRACE;
            if (target >= 0) kinds[target] = isObject ? OBJECT : ARRAY;
            if (depth === openers.length) {
              const grown = new Uint8Array(openers.length * 2);
              grown.set(openers);
              this.openers = openers = grown;
            }
            openers[depth] = isObject ? 1 : 0;
            if (isObject && wanted !== undefined && wanted.children.length > 0) pathNodes[pathDepth++] = wanted;
            depth++;
            at++;
            if (isObject) {
              opened = true;
              break;
            }
            // Right after `[`: a value or `]`.
            while (at < end && SPACE[bytes[at]!] === 1) at++;
            if (at < end && bytes[at] === CLOSE_BRACKET) {
              at++;
              depth--;
            } else {
              wanted = undefined;
              continue;
            }
          } else {
            const after =
              code === 0x74 || code === 0x66 || code === 0x6e ? wordEnd(bytes, at, end) : numberEnd(bytes, at, end);
            if (after < 0) return false;
            if (target >= 0) {
              kinds[target] = code === 0x74 ? TRUE : code === 0x66 ? FALSE : code === 0x6e ? NULL : NUMBER;
              starts[target] = at;
              ends[target] = after;
            }
            at = after;
          }
        }
        // ---- After a value: a comma, or what closes the innermost object or array. ----
        if (depth === 0) {
          while (at < end && SPACE[bytes[at]!] === 1) at++;
          return at === end;
        }
        while (at < end && SPACE[bytes[at]!] === 1) at++;
        if (at >= end) return false;
        code = bytes[at]!;
        const inObject = openers[depth - 1] === 1;
        at++;
        if (code === COMMA) {
          if (inObject) {
            opened = false;
            break;
          }
          wanted = undefined;
          code = 0;
          continue;
        }
        if (code !== (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) return false;
        depth--;
        if (pathDepth > depth) pathDepth = depth;
        code = -1;
      }
    }
  }
}

/** The bit that stands for a key (its UTF-8 bytes) in the kernel's key filter: as jsonLine in kernel.wat computes it. */
function keyFilterBit(key: Uint8Array): number {
  return key.length === 0 ? 0 : (key.length + 7 * key[0]! + 13 * key[key.length - 1]!) & 0xff;
}

/** The value of a wanted path as the records layer sees it (see field-value.ts). */
function valueOf(kind: number, bytes: Buffer, start: number, end: number): FieldValue {
  switch (kind) {
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

/** The child of `path` named by the key [start, end) (a JSON string's content), if any. */
function childFor(path: PathNode, bytes: Buffer, start: number, end: number, escaped: boolean): PathNode | undefined {
  const children = path.children;
  if (children.length === 0) return undefined;
  if (escaped) {
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

/**
 * The `"` that ends the string whose content starts at `at`: its index, `-index - 2` when
 * the string holds an escape, or -1 when it is no JSON string (a control character, a bad
 * escape, no end).
 */
function stringEnd(bytes: Buffer, at: number, end: number): number {
  let escaped = false;
  for (;;) {
    while (at < end && PLAIN[bytes[at]!] === 1) at++;
    if (at >= end) return -1;
    const code = bytes[at]!;
    if (code === QUOTE) return escaped ? -at - 2 : at;
    if (code !== BACKSLASH || at + 1 >= end) return -1;
    escaped = true;
    const next = bytes[at + 1]!;
    if (next === 0x75 /* u */) {
      if (at + 5 >= end) return -1;
      if (HEX[bytes[at + 2]!]! & HEX[bytes[at + 3]!]! & HEX[bytes[at + 4]!]! & HEX[bytes[at + 5]!]!) at += 6;
      else return -1;
    } else if (SHORT_ESCAPE[next] === 1) {
      at += 2;
    } else {
      return -1;
    }
  }
}

/** The end of the number at `at` as JSON writes numbers, or -1. */
function numberEnd(bytes: Buffer, at: number, end: number): number {
  if (bytes[at] === MINUS) at++;
  if (at >= end) return -1;
  const first = bytes[at]!;
  if (first === ZERO) at++;
  else if (DIGIT[first] === 1) while (at < end && DIGIT[bytes[at]!] === 1) at++;
  else return -1;
  if (at < end && bytes[at] === DOT) {
    at++;
    if (at >= end || DIGIT[bytes[at]!] !== 1) return -1;
    while (at < end && DIGIT[bytes[at]!] === 1) at++;
  }
  if (at < end && (bytes[at]! | 0x20) === 0x65 /* e */) {
    at++;
    if (at < end && (bytes[at] === PLUS || bytes[at] === MINUS)) at++;
    if (at >= end || DIGIT[bytes[at]!] !== 1) return -1;
    while (at < end && DIGIT[bytes[at]!] === 1) at++;
  }
  return at;
}

/** The end of `true`, `false` or `null` at `at` (its first letter checked by the caller), or -1. */
function wordEnd(bytes: Buffer, at: number, end: number): number {
  const code = bytes[at];
  if (code === 0x66) {
    return at + 5 <= end &&
      bytes[at + 1] === 0x61 &&
      bytes[at + 2] === 0x6c &&
      bytes[at + 3] === 0x73 &&
      bytes[at + 4] === 0x65
      ? at + 5
      : -1;
  }
  if (at + 4 > end) return -1;
  const word = code === 0x74 ? 0x72_75_65 /* rue */ : 0x75_6c_6c; /* ull */
  return ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) === word ? at + 4 : -1;
}

/**
 * A JSON number's text: as `String(JSON.parse(text))` gives it (`404` stays, `1.50` is
 * `1.5`, `1e3` is `1000`: one value, one text) when it has at most 15 significant digits,
 * which a double holds exactly, so that two different numbers never share a text; else as
 * written, since a double would round it (the ids `12345678901234567891` and `…892` would
 * both read `12345678901234567000`).
 */
export function numberText(raw: string): string {
  // Up to 15 digits without a fraction or exponent: already what String(Number()) writes.
  if (raw.length <= 15 && /^-?[1-9]\d*$|^0$/.test(raw)) return raw;
  return significantDigits(raw) <= 15 ? String(Number(raw)) : raw;
}

/** Digits of a JSON number's mantissa, leading and trailing zeros aside. */
function significantDigits(raw: string): number {
  const exponent = raw.search(/[eE]/);
  const digits = (exponent === -1 ? raw : raw.slice(0, exponent)).replace(/[-.]/g, '');
  const trimmed = digits.replace(/^0+/, '').replace(/0+$/, '');
  return trimmed.length;
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
