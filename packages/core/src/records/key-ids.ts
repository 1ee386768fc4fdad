/**
 * The keys of `--by` as small numbers, so that a line's row is found by an index, and a
 * key's text (its values as a JSON array) is made once, not once per line.
 *
 * A key is found by its text, by its one value (one-field `--by`), or, for JSON lines, by
 * the raw bytes of its one value and what they are (a string, an escaped string, a
 * number): the value is then not even decoded. Different bytes that decode to one value
 * (invalid UTF-8 read as U+FFFD, `1.50` and `1.5`, `"a"` and `"\u0061"`) are each taken to
 * the id of that value's key, found by its decoded text the first time: so the bytes are a
 * cache in front of the text, never a key of their own.
 */
import { MAX_KEY_BYTES } from '../contract/record-spec.js';

/** Ids kept across chunks; past this many, the table starts again at the next chunk. */
const MAX_KEPT_IDS = 10_000;
/** A value longer than this (bytes) is not kept by its bytes (it is found by its text). */
const MAX_BYTES_KEPT = 64;

export class KeyIds {
  /** Per id: the key's text. */
  readonly texts: string[] = [];
  /** Per id: 1 when the key's text is longer than MAX_KEY_BYTES (a line with it is rejected). */
  private tooLongs = new Uint8Array(64);
  private readonly byText = new Map<string, number>();
  private readonly byValue = new Map<string, number>();
  /** Open addressing over (kind, bytes): per slot, its id + 1 (0: empty), and where its bytes lie in `arena`. */
  private slots = new Int32Array(1024);
  private slotStarts = new Int32Array(1024);
  private slotLengths = new Int32Array(1024);
  private slotKinds = new Uint8Array(1024);
  private slotsUsed = 0;
  private arena = new Uint8Array(4096);
  private arenaUsed = 0;

  get size(): number {
    return this.texts.length;
  }

  /** Called between chunks (ids must stay the same within one): forgets every key past MAX_KEPT_IDS. */
  startChunk(): void {
    if (this.texts.length <= MAX_KEPT_IDS) return;
    this.texts.length = 0;
    this.byText.clear();
    this.byValue.clear();
    this.slots.fill(0);
    this.slotsUsed = 0;
    this.arenaUsed = 0;
  }

  tooLong(id: number): boolean {
    return this.tooLongs[id] === 1;
  }

  /** The id of the key with this text. */
  ofText(text: string): number {
    let id = this.byText.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      this.byText.set(text, id);
      if (id === this.tooLongs.length) {
        const grown = new Uint8Array(id * 2);
        grown.set(this.tooLongs);
        this.tooLongs = grown;
      }
      this.tooLongs[id] = text.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(text) > MAX_KEY_BYTES ? 1 : 0;
    }
    return id;
  }

  /** The id of the one-field key of this value (missing: `[null]`). */
  ofValue(value: string | undefined): number {
    if (value === undefined) return this.ofText('[null]');
    let id = this.byValue.get(value);
    if (id === undefined) {
      id = this.ofText(JSON.stringify([value]));
      this.byValue.set(value, id);
    }
    return id;
  }

  /** The id kept for the value whose raw bytes are [start, end) of `bytes`, of kind `kind`; -1 if none is kept. */
  ofBytes(kind: number, bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length > MAX_BYTES_KEPT) return -1;
    const mask = this.slots.length - 1;
    for (let slot = hashOf(kind, bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      if (this.slotKinds[slot] !== kind || this.slotLengths[slot] !== length) continue;
      const arena = this.arena;
      const from = this.slotStarts[slot]!;
      let i = 0;
      while (i < length && arena[from + i] === bytes[start + i]) i++;
      if (i === length) return entry - 1;
    }
  }

  /** Keeps `id` as the key of the value whose raw bytes are [start, end) of `bytes`, of kind `kind`. */
  keepBytes(kind: number, bytes: Uint8Array, start: number, end: number, id: number): void {
    const length = end - start;
    if (length > MAX_BYTES_KEPT) return;
    if ((this.slotsUsed + 1) * 2 > this.slots.length) this.growSlots();
    if (this.arenaUsed + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      grown.set(this.arena);
      this.arena = grown;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.place(hashOf(kind, bytes, start, end), kind, this.arenaUsed, length, id + 1);
    this.arenaUsed += length;
    this.slotsUsed++;
  }

  private place(hash: number, kind: number, start: number, length: number, entry: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = entry;
    this.slotKinds[slot] = kind;
    this.slotStarts[slot] = start;
    this.slotLengths[slot] = length;
  }

  private growSlots(): void {
    const { slots, slotKinds, slotStarts, slotLengths } = this;
    const size = slots.length * 2;
    this.slots = new Int32Array(size);
    this.slotKinds = new Uint8Array(size);
    this.slotStarts = new Int32Array(size);
    this.slotLengths = new Int32Array(size);
    for (let slot = 0; slot < slots.length; slot++) {
      if (slots[slot] === 0) continue;
      const start = slotStarts[slot]!;
      const length = slotLengths[slot]!;
      const hash = hashOf(slotKinds[slot]!, this.arena, start, start + length);
      this.place(hash, slotKinds[slot]!, start, length, slots[slot]!);
    }
  }
}

/** FNV-1a over the kind and the bytes. */
function hashOf(kind: number, bytes: Uint8Array, start: number, end: number): number {
  let hash = Math.imul(0x811c9dc5 ^ kind, 0x01000193);
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return (hash ^ (hash >>> 15)) >>> 0;
}
