import { readFileSync } from 'node:fs';
import { NEWLINE } from '../char-codes.js';
import type { PatternCount } from './counts.js';
import { type LineDfa, countWithLineDfa } from './line-dfa.js';
import { type LineDfaImage, lineDfaImage } from './line-dfa-image.js';
import { countInLine } from './regex-lines.js';

const WASM_PAGE = 64 * 1024;
/**
 * The first page holds the needle being searched and its case mask, the next two the
 * line ranges a scan finds (pairs of i32), the next 17 (1 MiB and 64 KiB) the line
 * automaton being run, the next the members a JSON line's scan finds and the next its
 * stack of open objects and arrays; chunks go after them.
 */
const NEEDLE_AT = 0;
const MASK_AT = WASM_PAGE / 4;
/** The four line streams a line automaton runs over side by side (see scanDfa in kernel.wat), 32 bytes each. */
const STREAMS = [0, 1, 2, 3].map((k) => WASM_PAGE / 2 + 32 * k) as [number, number, number, number];
/** The last 32 bytes of the first page: the key filter of the JSON line scan (256 bits). */
const KEY_FILTER_AT = WASM_PAGE - 32;
export const KEY_FILTER_BYTES = 32;
/** After the streams: the table of wanted keys of the JSON line scan (see $jsonWantedKey in kernel.wat). */
const KEY_TABLE_AT = WASM_PAGE / 2 + 1024;
export const MAX_TABLE_KEYS = 8;
export const MAX_TABLE_KEY_BYTES = 64;
export const KEY_TABLE_BYTES = 4 + MAX_TABLE_KEYS * (4 + MAX_TABLE_KEY_BYTES);
const PAIRS_AT = WASM_PAGE;
const MAX_PAIRS = (2 * WASM_PAGE) / 8;
const AUTOMATON_AT = 3 * WASM_PAGE;
const AUTOMATON_SIZE = 17 * WASM_PAGE;
const JSON_ENTRIES_AT = AUTOMATON_AT + AUTOMATON_SIZE;
/** Five i32 per member (see jsonLine in kernel.wat). */
const JSON_ENTRY_INTS = 5;
const MAX_JSON_ENTRIES = Math.floor(WASM_PAGE / (4 * JSON_ENTRY_INTS));
const JSON_STACK_AT = JSON_ENTRIES_AT + WASM_PAGE;
const MAX_JSON_DEPTH = WASM_PAGE;
const DATA_AT = JSON_STACK_AT + WASM_PAGE;
/**
 * Bytes of memory kept after every chunk: the kernel compares a short needle with the 16
 * bytes at a candidate position in one vector, which may read past the chunk.
 */
const READ_PAST = 16;
/** Bytes copied in at a time to count the newlines of bytes held elsewhere. */
const COPY_BLOCK = 256 * 1024;
/** Longer needles are searched in JavaScript. */
export const MAX_KERNEL_NEEDLE = WASM_PAGE / 4;

interface KernelExports {
  memory: WebAssembly.Memory;
  lines: { value: number };
  resume: { value: number };
  countNewlines(pointer: number, length: number): number;
  newlines: { value: number };
  countLiteralLines(
    pointer: number,
    length: number,
    needle: number,
    mask: number,
    needleLength: number,
    exact: number,
  ): number;
  scanLiteral(
    pointer: number,
    length: number,
    needle: number,
    mask: number,
    needleLength: number,
    pairs: number,
    maxPairs: number,
  ): number;
  dfaLines: { value: number };
  dfaOccurrences: { value: number };
  loadDfa(...load: LineDfaImage['load']): void;
  openStream(stream: number, start: number, end: number): void;
  startLine(stream: number, pointer: number): void;
  scanDfa(...streams: typeof STREAMS): number;
  jsonLine(
    start: number,
    end: number,
    out: number,
    maxEntries: number,
    stack: number,
    maxOpen: number,
    maxDepth: number,
    filter: number,
    keys: number,
    base: number,
  ): number;
}

/** Each automaton's layout for the kernel, made once (null: too large, it runs in JavaScript). */
const images = new WeakMap<LineDfa, LineDfaImage | null>();

/**
 * A literal as the kernel searches it: its bytes (the lower case of each ASCII letter
 * under ignore-case) and a mask ORed into each haystack byte before it is compared
 * (0x20 for those letters, else 0).
 */
export interface KernelNeedle {
  bytes: Uint8Array;
  mask: Uint8Array;
}

export function exactNeedle(bytes: Uint8Array): KernelNeedle {
  return { bytes, mask: new Uint8Array(bytes.length) };
}

/** An ASCII literal matched ignoring the case of its letters only, as grep -i does for ASCII without i or s. */
export function caseFoldedNeedle(ascii: string): KernelNeedle {
  const bytes = Buffer.from(ascii.toLowerCase(), 'latin1');
  const mask = bytes.map((byte) => (byte >= 0x61 && byte <= 0x7a ? 0x20 : 0));
  return { bytes, mask };
}

let compiled: WebAssembly.Module | undefined;

/**
 * A workspace in WebAssembly memory where a chunk is placed (read straight from a file,
 * with no copy) and counted with SIMD, 16 bytes at a time: its newlines, and a literal's
 * matching lines and occurrences. One per thread; it grows to the largest chunk it has
 * held. Buffers it hands out stay valid until it grows (the next `reserve`).
 */
export class CountingWorkspace {
  private readonly exports: KernelExports;
  private memory: Buffer;
  /** The members the last `scanJsonLine` found, a view made again when the memory grows. */
  private entries: Int32Array | undefined;
  /** The key filter in the filter's bytes, and the key table in the table's. */
  private keyFilter: Uint8Array | undefined;
  private keyTable: Uint8Array | undefined;
  /** The automaton in the workspace's automaton pages. */
  private loaded: LineDfa | undefined;

  constructor() {
    // Resolved through the package's exports, so that it is found from src/ (tests),
    // dist/ and a bundle alike.
    compiled ??= new WebAssembly.Module(readFileSync(new URL(import.meta.resolve('@logcluster/core/kernel.wasm'))));
    this.exports = new WebAssembly.Instance(compiled).exports as unknown as KernelExports;
    this.memory = Buffer.from(this.exports.memory.buffer);
  }

  /** A buffer of `length` bytes in the workspace (with READ_PAST bytes of memory after it). */
  reserve(length: number): Buffer {
    const { memory } = this.exports;
    const needed = DATA_AT + length;
    if (memory.buffer.byteLength < needed + READ_PAST) {
      memory.grow(Math.ceil((needed + READ_PAST - memory.buffer.byteLength) / WASM_PAGE));
      this.memory = Buffer.from(memory.buffer);
      this.entries = undefined;
    }
    return this.memory.subarray(DATA_AT, needed);
  }

  /** A copy of `bytes` in the workspace (which loses what it held). */
  place(bytes: Uint8Array): Buffer {
    const placed = this.reserve(bytes.length);
    placed.set(bytes);
    return placed;
  }

  /** Whether `bytes` lie in this workspace (a buffer from `reserve`, or part of one). */
  holds(bytes: Uint8Array): boolean {
    return bytes.buffer === this.exports.memory.buffer && bytes.byteOffset >= DATA_AT;
  }

  /** Newlines in `[start, start + length)` of the reserved buffer. */
  countNewlines(start: number, length: number): number {
    return this.exports.countNewlines(DATA_AT + start, length);
  }

  /**
   * Newlines in any bytes: counted in place if this workspace holds them, else copied
   * in, a block at a time that stays in the processor's cache (what it held is lost).
   */
  countNewlinesIn(bytes: Uint8Array): number {
    if (this.holds(bytes)) return this.exports.countNewlines(bytes.byteOffset, bytes.byteLength);
    const block = this.reserve(Math.min(bytes.length, COPY_BLOCK));
    let total = 0;
    for (let at = 0; at < bytes.length; at += COPY_BLOCK) {
      const piece = bytes.subarray(at, at + COPY_BLOCK);
      block.set(piece);
      total += this.exports.countNewlines(DATA_AT, piece.length);
    }
    return total;
  }

  /**
   * A literal's matching lines and non-overlapping occurrences in `bytes`, which this
   * workspace holds; the needle is at most MAX_KERNEL_NEEDLE bytes and holds no newline.
   */
  countLiteral(bytes: Uint8Array, needle: KernelNeedle): PatternCount {
    this.placeNeedle(needle);
    const occurrences = this.exports.scanLiteral(
      bytes.byteOffset,
      bytes.byteLength,
      NEEDLE_AT,
      MASK_AT,
      needle.bytes.length,
      0,
      0,
    );
    return { lines: this.exports.lines.value, occurrences };
  }

  /**
   * `countLiteral` and the newlines of `bytes` (which this workspace holds), in one read
   * of the bytes instead of two: a chunk's line count and one literal's, as a counting
   * thread needs them.
   */
  countLiteralAndNewlines(bytes: Uint8Array, needle: KernelNeedle): { count: PatternCount; newlines: number } {
    this.placeNeedle(needle);
    const occurrences = this.exports.countLiteralLines(
      bytes.byteOffset,
      bytes.byteLength,
      NEEDLE_AT,
      MASK_AT,
      needle.bytes.length,
      needle.mask.every((byte) => byte === 0) ? 1 : 0,
    );
    return { count: { lines: this.exports.lines.value, occurrences }, newlines: this.exports.newlines.value };
  }

  /**
   * The lines of `bytes` (which this workspace holds) that hold the needle, as sorted
   * [start, end) offsets in `bytes` (end at the `\n`, or the end of `bytes`).
   */
  linesHolding(bytes: Uint8Array, needle: KernelNeedle): number[] {
    this.placeNeedle(needle);
    const found: number[] = [];
    const pairs = new Int32Array(this.exports.memory.buffer, PAIRS_AT, 2 * MAX_PAIRS);
    const end = bytes.byteOffset + bytes.byteLength;
    for (let at = bytes.byteOffset; at < end;) {
      const count = this.exports.scanLiteral(
        at,
        end - at,
        NEEDLE_AT,
        MASK_AT,
        needle.bytes.length,
        PAIRS_AT,
        MAX_PAIRS,
      );
      const base = at - bytes.byteOffset;
      for (let i = 0; i < 2 * count; i++) found.push(base + pairs[i]!);
      at = this.exports.resume.value;
    }
    return found;
  }

  /**
   * Adds a line automaton's matching lines and matches in `bytes`, which this workspace
   * holds, to `count`, as countWithLineDfa does: the kernel runs it, and hands the lines
   * that are not valid UTF-8 to `regex`.
   */
  countLineDfa(bytes: Uint8Array, dfa: LineDfa, regex: RegExp, count: PatternCount): void {
    let image = images.get(dfa);
    if (image === undefined) {
      image = lineDfaImage(dfa, AUTOMATON_AT, AUTOMATON_SIZE);
      images.set(dfa, image);
    }
    const held = this.memory.subarray(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    if (image === null) {
      countWithLineDfa(held, dfa, regex, count);
      return;
    }
    if (this.loaded !== dfa) {
      this.memory.set(image.bytes, AUTOMATON_AT);
      this.exports.loadDfa(...image.load);
      this.loaded = dfa;
    }
    const complete = held.lastIndexOf(NEWLINE) + 1;
    // Four quarters, cut at lines' ends, run side by side.
    const { exports } = this;
    let from = bytes.byteOffset;
    const end = from + complete;
    STREAMS.forEach((stream, k) => {
      const cut = bytes.byteOffset + Math.floor((complete * (k + 1)) / STREAMS.length);
      const to =
        k === STREAMS.length - 1 ? end : Math.min(end, cut <= from ? from : this.memory.indexOf(NEWLINE, cut - 1) + 1);
      exports.openStream(stream, from, to);
      from = to;
    });
    exports.dfaLines.value = 0;
    exports.dfaOccurrences.value = 0;
    for (let stream = exports.scanDfa(...STREAMS); stream >= 0; stream = exports.scanDfa(...STREAMS)) {
      const lineStart = this.memory.readInt32LE(stream + 28);
      const lineEnd = this.memory.indexOf(NEWLINE, lineStart);
      countInLine(this.memory.toString('utf8', lineStart, lineEnd), regex, count);
      exports.startLine(stream, lineEnd + 1);
    }
    count.lines += exports.dfaLines.value;
    count.occurrences += exports.dfaOccurrences.value;
    // A last line without a newline: the JavaScript scan gives it one.
    if (complete < held.length) countWithLineDfa(held.subarray(complete), dfa, regex, count);
  }

  /**
   * Scans the JSON line [start, end) of `bytes`, which this workspace holds: the number of
   * members at most `maxDepth` deep it found that `keyFilter` (KEY_FILTER_BYTES) lets
   * through (read them from `jsonEntries`), -1 when the line is not one JSON object, -2
   * when it is too deep or has too many members for the kernel (see jsonLine in
   * kernel.wat). Addresses in the entries are offsets in the workspace's memory
   * (`bytes.byteOffset` is that of `bytes`).
   */
  scanJsonLine(bytes: Uint8Array, start: number, end: number, maxDepth: number, keyFilter: Uint8Array): number {
    if (keyFilter !== this.keyFilter) {
      this.memory.set(keyFilter, KEY_FILTER_AT);
      this.keyFilter = keyFilter;
    }
    return this.jsonLine(bytes, start, end, maxDepth, 0);
  }

  /**
   * Reads the wanted top-level keys of the JSON line [start, end) of `bytes`, which this
   * workspace holds: `keyTable` (KEY_TABLE_BYTES) says which (see $jsonWantedKey in
   * kernel.wat). Returns 0 when the line is one JSON object, with per key, in
   * `jsonEntries`, its value's kind (0: missing) and where it lies in `bytes`; -1 when
   * the line is not one JSON object; -2 when the kernel leaves the line to the caller
   * (too deep, or a top-level key with an escape).
   */
  readJsonLine(bytes: Uint8Array, start: number, end: number, keyTable: Uint8Array): number {
    if (keyTable !== this.keyTable) {
      this.memory.set(keyTable, KEY_TABLE_AT);
      this.keyTable = keyTable;
    }
    return this.jsonLine(bytes, start, end, 0, KEY_TABLE_AT);
  }

  /** The kernel's jsonLine on [start, end) of `bytes`: listing members (`keys` 0) or reading those of the key table at `keys`. */
  private jsonLine(bytes: Uint8Array, start: number, end: number, maxDepth: number, keys: number): number {
    const at = bytes.byteOffset;
    return this.exports.jsonLine(
      at + start,
      at + end,
      JSON_ENTRIES_AT,
      MAX_JSON_ENTRIES,
      JSON_STACK_AT,
      MAX_JSON_DEPTH,
      maxDepth,
      KEY_FILTER_AT,
      keys,
      at,
    );
  }

  /** What `scanJsonLine` found (per member, five numbers) or `readJsonLine` read (per key, three): see jsonLine in kernel.wat. */
  jsonEntries(): Int32Array {
    this.entries ??= new Int32Array(this.exports.memory.buffer, JSON_ENTRIES_AT, MAX_JSON_ENTRIES * JSON_ENTRY_INTS);
    return this.entries;
  }

  private placeNeedle(needle: KernelNeedle): void {
    const length = needle.bytes.length;
    if (length > MAX_KERNEL_NEEDLE) throw new RangeError(`a needle of ${length} bytes is longer than the kernel takes`);
    this.memory.set(needle.bytes, NEEDLE_AT);
    this.memory.set(needle.mask, MASK_AT);
  }
}
