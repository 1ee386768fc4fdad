/** ASCII has 128 characters, each one byte in UTF-8. */
export const ASCII = 128;
/** More classes of characters outside ASCII than this and such lines are left to V8. */
const MAX_WIDE_CLASSES = 255;

/**
 * The characters a regex's atoms tell apart, grouped into classes that every atom (and
 * `\w`, for `\b`) treats alike: the automaton's input symbols. Symbols below
 * `asciiClasses` stand for ASCII bytes (`byteClass`), the others for code points outside
 * ASCII (`wideClass`). Which atom matches which character is asked of V8 with the run's
 * flags, so case folding (`ſ` and `K` are `s` and `k` under ignore-case) and Unicode
 * classes are V8's own.
 */
export interface Alphabet {
  /** The symbol of each ASCII byte. */
  byteClass: Uint8Array;
  asciiClasses: number;
  /** Symbols in all, ASCII and wide. */
  symbols: number;
  /** Per symbol, per atom: 1 if the atom matches the symbol's characters. */
  member: Uint8Array[];
  /** Per symbol: its characters are word characters (`\w` with the run's flags). */
  word: Uint8Array;
  /** The wide symbols of code points outside ASCII, or null if lines outside ASCII are left to V8. */
  wideClass: WideClasses | null;
}

/** Code points' wide symbols: a table for the Basic Multilingual Plane, segments above it. */
export interface WideClasses {
  /** Per code point below U+10000: its symbol (-1 for ASCII and surrogates, which valid UTF-8 never decodes to). */
  bmp: Int16Array;
  /** From U+10000: segments' first code points, ascending (the first is U+10000), and their symbols. */
  astralStarts: Int32Array;
  astralSymbols: Int16Array;
}

/** A code point's wide symbol (-1: none). */
export function wideSymbolOf(classes: WideClasses, codePoint: number): number {
  if (codePoint < 0x10000) return classes.bmp[codePoint]!;
  const { astralStarts, astralSymbols } = classes;
  let low = 0;
  let high = astralStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (astralStarts[mid]! <= codePoint) low = mid;
    else high = mid - 1;
  }
  return astralSymbols[low]!;
}

/**
 * Every code point outside ASCII except surrogates, in order, as one string (4.4 MB,
 * built in milliseconds when an atom is new, and not kept); and back from an index in it.
 */
const BMP_LOW = 0xd800 - ASCII;
const BMP_HIGH = 0x10000 - 0xe000;
function everyWideCharacter(): string {
  const units = new Uint16Array(BMP_LOW + BMP_HIGH + 2 * (0x110000 - 0x10000));
  let at = 0;
  for (let cp = ASCII; cp < 0xd800; cp++) units[at++] = cp;
  for (let cp = 0xe000; cp < 0x10000; cp++) units[at++] = cp;
  for (let cp = 0x10000; cp < 0x110000; cp++) {
    units[at++] = 0xd800 + ((cp - 0x10000) >> 10);
    units[at++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
  }
  return new TextDecoder('utf-16le').decode(units);
}

function codePointAt(index: number): number {
  if (index < BMP_LOW) return ASCII + index;
  if (index < BMP_LOW + BMP_HIGH) return 0xe000 + index - BMP_LOW;
  return 0x10000 + ((index - BMP_LOW - BMP_HIGH) >> 1);
}

/** Per atom and flags: the ASCII characters it matches, and the ranges [start, end) of wider code points. */
const atomCache = new Map<string, { ascii: Uint8Array; wide: number[] }>();
/** Atoms remembered, at most (each a few hundred bytes, most much less). */
const MAX_CACHED_ATOMS = 1024;

function atomMembers(raw: string, flags: string, text: () => string): { ascii: Uint8Array; wide: number[] } {
  const key = `${flags}/${raw}`;
  let found = atomCache.get(key);
  if (!found) {
    const one = new RegExp(`^(?:${raw})$`, flags);
    const ascii = new Uint8Array(ASCII);
    for (let c = 0; c < ASCII; c++) ascii[c] = one.test(String.fromCharCode(c)) ? 1 : 0;
    // Runs of matching code points in code point order are the atom's ranges.
    const runs = new RegExp(`(?:${raw})+`, `g${flags}`);
    const every = text();
    const wide: number[] = [];
    for (let match = runs.exec(every); match !== null; match = runs.exec(every)) {
      const end = match.index + match[0].length;
      wide.push(codePointAt(match.index), end < every.length ? codePointAt(end) : 0x110000);
    }
    found = { ascii, wide };
    if (atomCache.size >= MAX_CACHED_ATOMS) atomCache.clear();
    atomCache.set(key, found);
  }
  return found;
}

/**
 * The alphabet of atoms given as source text (each one character: a literal, `.`, a
 * class, an escape), with the regex's flags (`su`, and `i` under ignore-case). Throws if
 * an atom does not compile on its own.
 */
export function buildAlphabet(atoms: readonly string[], flags: string): Alphabet {
  let every: string | undefined;
  const text = () => (every ??= everyWideCharacter());
  const members = [...atoms, '\\w'].map((raw) => atomMembers(raw, flags, text));
  const wordAt = atoms.length;

  // ASCII: bytes with the same memberships share a symbol.
  const byteClass = new Uint8Array(ASCII);
  const member: Uint8Array[] = [];
  const word: number[] = [];
  const symbolOf = new Map<string, number>();
  const intern = (vector: Uint8Array): number => {
    const key = vector.join('');
    let symbol = symbolOf.get(key);
    if (symbol === undefined) {
      symbol = member.length;
      member.push(vector.subarray(0, wordAt));
      word.push(vector[wordAt]!);
      symbolOf.set(key, symbol);
    }
    return symbol;
  };
  for (let c = 0; c < ASCII; c++) byteClass[c] = intern(Uint8Array.from(members, (m) => m.ascii[c]!));
  const asciiClasses = member.length;

  // Wide: the ranges' ends cut the code points into segments, each with one vector.
  symbolOf.clear();
  const cuts = new Set([ASCII, 0xd800, 0xe000, 0x10000, 0x110000]);
  for (const m of members) for (const cut of m.wide) cuts.add(cut);
  const bounds = [...cuts].sort((a, b) => a - b);
  const cursors = members.map(() => 0);
  const segmentStarts: number[] = [];
  const segmentEnds: number[] = [];
  const segmentSymbols: number[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const start = bounds[k]!;
    if (start === 0xd800) continue;
    const vector = Uint8Array.from(members, (m, a) => {
      while (cursors[a]! < m.wide.length && m.wide[cursors[a]! + 1]! <= start) cursors[a]! += 2;
      const at = cursors[a]!;
      return at < m.wide.length && m.wide[at]! <= start ? 1 : 0;
    });
    segmentStarts.push(start);
    segmentEnds.push(bounds[k + 1]!);
    segmentSymbols.push(intern(vector));
  }
  const wideClasses = member.length - asciiClasses;
  const wideClass = wideClasses <= MAX_WIDE_CLASSES ? wideLookup(segmentStarts, segmentEnds, segmentSymbols) : null;
  return { byteClass, asciiClasses, symbols: member.length, member, word: Uint8Array.from(word), wideClass };
}

function wideLookup(starts: number[], ends: number[], symbols: number[]): WideClasses {
  const bmp = new Int16Array(0x10000).fill(-1);
  let k = 0;
  for (; k < starts.length && starts[k]! < 0x10000; k++) {
    bmp.fill(symbols[k]!, starts[k], Math.min(0x10000, ends[k]!));
  }
  return { bmp, astralStarts: Int32Array.from(starts.slice(k)), astralSymbols: Int16Array.from(symbols.slice(k)) };
}
