import { NEWLINE } from '../char-codes.js';
import type { PatternCount } from './counts.js';
import { ASCII, type Alphabet, type WideClasses, buildAlphabet, wideSymbolOf } from './regex-alphabet.js';
import { type LineNfa, type Look, type NfaState, compileLineNfa } from './regex-nfa.js';
import { countInLine } from './regex-lines.js';

/** More states than this and the pattern is left to V8 (a table of 2 MiB). */
const MAX_DFA_STATES = 2048;
/**
 * NFA states visited while building, at most: a pattern like `[a-z]{2000}` stays under
 * both limits on states but takes seconds to build (each DFA state holds up to 2,000
 * threads); it is left to V8 within milliseconds instead.
 */
const BUILD_BUDGET = 4_000_000;

/*
 * State ids are premultiplied by 256, the row length, so that a step is one load:
 * `state = table[state + byte]`. The first ids are the ones the scan must look at, so
 * that one comparison (`state < special`) lets every other step through. The kernel
 * (kernel.wat) relies on these rows:
 */
/** A byte outside ASCII: a character of two to four bytes, read by the scan itself. */
const WIDE = 0;
/** The line's end, where no match ends but one found before waits to be counted. */
const END = 1 << 8;
/** The line's end, where a match ends. */
const END_MATCH = 2 << 8;
/** No match can go on from here (reached only after a match, which waits to be counted). */
const DEAD = 3 << 8;
/** A match ended before the character just read, and none can go on from here. */
const DEAD_MATCH = 4 << 8;
/**
 * A byte that cannot go on with the character begun: the line goes to V8. Only the
 * kernel's layout steps to it (see line-dfa-image.ts); the row is kept free here.
 */
export const TO_V8 = 5 << 8;
/** Ids from here up to `special` (exclusive): a match ended before the character just read. */
export const FIRST_MATCH = 6 << 8;

/**
 * A deterministic automaton that finds, on a line of UTF-8, the match JavaScript's
 * RegExp finds: leftmost, and of the matches starting there the one backtracking tries
 * first (leftmost-first). Built from the NFA by subset construction over *ordered* lists
 * of NFA states, the way Rust's regex-automata does: threads keep their priority, and
 * once one reaches the match, the threads after it (lower priority, and the unanchored
 * loop that would start later matches) are dropped. The search runs on until the
 * automaton dies; the last match end it passed is the match's end.
 *
 * A match is reported one character late (on the step that reads the character after
 * it), so that `\b` and `$` can look at that character; the line's `\n` resolves them at
 * its end. An ASCII byte steps through `table`; a character outside ASCII through
 * `wide`, by its symbol (see regex-alphabet.ts).
 *
 * States also know whether their line has a match counted already (`lineMatched`: the
 * next one found adds no line) and whether a match found waits to be counted (it is
 * counted where the automaton stops, or at the line's end). A line's `\n` is an event
 * only when something waits; on every other line it simply leads to `startOfLine`, so
 * the scan stops only where a match is.
 */
export interface LineDfa {
  table: Int32Array;
  /** Rows of `wideSymbols` targets, one per state (the row of id `s` starts at `(s >> 8) * wideSymbols`). */
  wide: Int32Array;
  wideSymbols: number;
  /** The wide symbols of code points (offset by `firstWide`; -1: the line goes to V8), or null: every line outside ASCII goes to V8. */
  wideClass: WideClasses | null;
  firstWide: number;
  /** Per state (id >> 8): whether the character just read is a word character. */
  afterWordChar: Uint8Array;
  /** Per state (id >> 8): whether its line has a match counted already. */
  lineMatched: Uint8Array;
  /** Ids below this need the scan's attention. */
  special: number;
  startOfLine: number;
  /** Where a search resumes after a match (counted) that ended after a word character. */
  afterWord: number;
  afterOther: number;
}

/**
 * The automaton of a pattern's RegExp as the counter compiles it (flags `gsu`, or `gisu`
 * under ignore-case), or null for any other flags or when it must run on V8.
 */
export function lineDfaOf(regex: RegExp): LineDfa | null {
  return regex.flags === 'gsu' || regex.flags === 'gisu' ? compileLineDfa(regex.source, regex.ignoreCase) : null;
}

/** The pattern's automaton, or null when it must run on V8 (see compileLineNfa, and the limits above). */
export function compileLineDfa(pattern: string, ignoreCase: boolean): LineDfa | null {
  const nfa = compileLineNfa(pattern);
  if (!nfa) return null;
  let alphabet: Alphabet;
  try {
    alphabet = buildAlphabet(nfa.atoms, `su${ignoreCase ? 'i' : ''}`);
  } catch {
    return null; // an atom V8 does not take on its own
  }
  return determinize(nfa, alphabet);
}

/** Where a thread set stands: before or after a word character, at the line's start. */
interface Context {
  afterWord: boolean;
  atStart: boolean;
}

interface DfaState extends Context {
  /** NFA states reached by the last byte, in priority order, before following ε-moves. */
  kernel: number[];
  /** A match ended before the last byte. */
  matched: boolean;
  /** The line has a match counted. */
  lineMatched: boolean;
  /** A match found (`matched` here or before) waits to be counted. */
  pending: boolean;
}

/** The automaton: its states found by subset construction, then numbered and laid out in tables. */
function determinize(nfa: LineNfa, alphabet: Alphabet): LineDfa | null {
  const graph = exploreStates(nfa, alphabet);
  return graph === null ? null : layOut(graph, alphabet);
}

/** The automaton's states and their moves, before they are numbered. */
interface StateGraph {
  states: DfaState[];
  /** Per state and symbol, then the line's end: a state's index in `states`, or a pseudo id as `-1 - id`. */
  targets: Int32Array[];
  dead: number;
  deadMatch: number;
  startOfLine: number;
  afterWord: number;
  afterOther: number;
}

/**
 * Every state reachable from the start of a line and from a search resumed after a match,
 * with their moves on each symbol and at the line's end; null past MAX_DFA_STATES states or
 * BUILD_BUDGET NFA states visited.
 */
function exploreStates(nfa: LineNfa, alphabet: Alphabet): StateGraph | null {
  const { symbols, word } = alphabet;
  const threads = new Threads(nfa.states, alphabet);
  const states: DfaState[] = [];
  const index = new Map<string, number>();
  const intern = (state: DfaState): number | null => {
    const flags = `${+state.matched}${+state.afterWord}${+state.atStart}${+state.lineMatched}${+state.pending}`;
    const key = state.kernel.length === 0 ? `dead${+state.matched}` : `${flags}:${state.kernel.join(',')}`;
    let at = index.get(key);
    if (at === undefined) {
      if (states.length >= MAX_DFA_STATES) return null;
      at = states.length;
      states.push(state);
      index.set(key, at);
    }
    return at;
  };
  const none = { matched: false, afterWord: false, atStart: false, lineMatched: false, pending: false };
  const dead = intern({ ...none, kernel: [] })!;
  const deadMatch = intern({ ...none, kernel: [], matched: true })!;
  const startOfLine = intern({ ...none, kernel: [nfa.start], atStart: true })!;
  const afterWord = intern({ ...none, kernel: [nfa.start], afterWord: true, lineMatched: true })!;
  const afterOther = intern({ ...none, kernel: [nfa.start], lineMatched: true })!;

  const targets: Int32Array[] = [];
  for (let at = 0; at < states.length; at++) {
    const state = states[at]!;
    const row = new Int32Array(symbols + 1).fill(-1 - DEAD);
    targets.push(row);
    if (state.kernel.length === 0) continue; // never stepped from
    // The line's end: an event if a match ends there or one waits; else the next line.
    row[symbols] = threads.closure(state.kernel, state, -1).matched
      ? -1 - END_MATCH
      : state.pending
        ? -1 - END
        : startOfLine;
    for (let symbol = 0; symbol < symbols; symbol++) {
      const { matched, chars } = threads.closure(state.kernel, state, symbol);
      const kernel = threads.step(chars, symbol);
      const target = intern({
        kernel,
        matched,
        afterWord: word[symbol] === 1,
        atStart: false,
        lineMatched: state.lineMatched,
        pending: state.pending || matched,
      });
      if (target === null || threads.budget < 0) return null;
      row[symbol] = target;
    }
  }
  return { states, targets, dead, deadMatch, startOfLine, afterWord, afterOther };
}

/**
 * The NFA's threads as subset construction follows them: each NFA state visited once per
 * pass (marked with the pass's stamp), every visit counted against BUILD_BUDGET.
 */
class Threads {
  readonly #states: readonly NfaState[];
  readonly #alphabet: Alphabet;
  readonly #seen: Int32Array;
  #stamp = 0;
  /** NFA states that may still be visited; below 0, the pattern is left to V8. */
  budget = BUILD_BUDGET;

  constructor(states: readonly NfaState[], alphabet: Alphabet) {
    this.#states = states;
    this.#alphabet = alphabet;
    this.#seen = new Int32Array(states.length);
  }

  /**
   * The NFA's character states reachable from `kernel` without reading, in priority
   * order, where the next character is of symbol `next` (-1 at the line's end);
   * `matched` if the match state is reached, and then only the threads before it.
   */
  closure(kernel: readonly number[], context: Context, next: number): { matched: boolean; chars: number[] } {
    const stamp = ++this.#stamp;
    const seen = this.#seen;
    const nextWord = next >= 0 && this.#alphabet.word[next] === 1;
    const chars: number[] = [];
    // Depth first in priority order, each state once: what backtracking would try.
    const stack = kernel.slice().reverse();
    while (stack.length > 0) {
      this.budget--;
      const id = stack.pop()!;
      if (seen[id] === stamp) continue;
      seen[id] = stamp;
      const state = this.#states[id]!;
      switch (state.kind) {
        case 'char':
          chars.push(id);
          break;
        case 'match':
          return { matched: true, chars };
        case 'split':
          for (let j = state.next.length - 1; j >= 0; j--) stack.push(state.next[j]!);
          break;
        case 'look':
          if (lookHolds(state.look, context, next < 0, nextWord)) stack.push(state.next);
          break;
      }
    }
    return { matched: false, chars };
  }

  /** The states the character states `chars` go to on a character of `symbol`: a kernel, in priority order. */
  step(chars: readonly number[], symbol: number): number[] {
    const stamp = ++this.#stamp;
    const seen = this.#seen;
    const member = this.#alphabet.member[symbol]!;
    const kernel: number[] = [];
    for (const id of chars) {
      const char = this.#states[id] as { atom: number; next: number };
      if (member[char.atom] === 1 && seen[char.next] !== stamp) {
        seen[char.next] = stamp;
        kernel.push(char.next);
      }
    }
    this.budget -= kernel.length; // its key is built next
    return kernel;
  }
}

/** Whether an assertion holds between the character before (`context`) and the next one. */
function lookHolds(look: Look, context: Context, atEnd: boolean, nextWord: boolean): boolean {
  switch (look) {
    case 'start':
      return context.atStart;
    case 'end':
      return atEnd;
    case 'boundary':
      return context.afterWord !== nextWord;
    case 'not-boundary':
      return context.afterWord === nextWord;
  }
}

/**
 * The graph's states numbered (the dead ones first, then those that report a match, then
 * the rest; see the ids above) and their moves laid out as the scan and the kernel read them.
 */
function layOut(graph: StateGraph, alphabet: Alphabet): LineDfa {
  const { states, targets, dead, deadMatch } = graph;
  const { symbols, asciiClasses } = alphabet;
  const rank = (at: number): number => (at === dead ? 0 : at === deadMatch ? 1 : states[at]!.matched ? 2 : 3);
  const order = [...states.keys()].sort((a, b) => rank(a) - rank(b));
  const id = new Int32Array(states.length);
  order.forEach(
    (at, position) => (id[at] = position < 2 ? DEAD + (position << 8) : FIRST_MATCH + ((position - 2) << 8)),
  );
  const special = FIRST_MATCH + (states.filter((state, at) => state.matched && at !== deadMatch).length << 8);
  const resolve = (target: number): number => (target >= 0 ? id[target]! : -1 - target);

  const rows = (FIRST_MATCH >> 8) + states.length - 2;
  const wideSymbols = symbols - asciiClasses;
  const table = new Int32Array(rows << 8);
  const wide = new Int32Array(rows * wideSymbols);
  const afterWordChar = new Uint8Array(rows);
  const lineMatched = new Uint8Array(rows);
  for (let at = 0; at < states.length; at++) {
    const base = id[at]!;
    const row = targets[at]!;
    for (let byte = 0; byte < 256; byte++) {
      table[base + byte] =
        byte === NEWLINE ? resolve(row[symbols]!) : byte < ASCII ? resolve(row[alphabet.byteClass[byte]!]!) : WIDE;
    }
    for (let w = 0; w < wideSymbols; w++) wide[(base >> 8) * wideSymbols + w] = resolve(row[asciiClasses + w]!);
    afterWordChar[base >> 8] = states[at]!.afterWord ? 1 : 0;
    lineMatched[base >> 8] = states[at]!.lineMatched ? 1 : 0;
  }
  return {
    table,
    wide,
    wideSymbols,
    wideClass: alphabet.wideClass,
    firstWide: asciiClasses,
    afterWordChar,
    lineMatched,
    special,
    startOfLine: id[graph.startOfLine]!,
    afterWord: id[graph.afterWord]!,
    afterOther: id[graph.afterOther]!,
  };
}

/**
 * Adds the matching lines and non-overlapping matches of the automaton's pattern in
 * `bytes` (lines split on `\n`) to `count`. A line that is not valid UTF-8 (or holds a
 * character the automaton leaves to V8) is decoded and counted with `regex`, the same
 * pattern in V8, as every line was before.
 */
export function countWithLineDfa(bytes: Buffer, dfa: LineDfa, regex: RegExp, count: PatternCount): void {
  const complete =
    bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? bytes.lastIndexOf(NEWLINE) + 1 : bytes.length;
  scan(bytes, complete, dfa, regex, count);
  if (complete < bytes.length) {
    // The last line has no `\n` to resolve `$` and `\b` at its end: scanned with one.
    const last = Buffer.allocUnsafe(bytes.length - complete + 1);
    bytes.copy(last, 0, complete);
    last[last.length - 1] = NEWLINE;
    scan(last, last.length, dfa, regex, count);
  }
}

/** The scan over whole lines, `bytes[0, length)`, which ends with `\n`. */
function scan(bytes: Buffer, length: number, dfa: LineDfa, regex: RegExp, count: PatternCount): void {
  const { table, special, startOfLine, wide, wideSymbols, wideClass, firstWide, afterWordChar, lineMatched } = dfa;
  let lines = 0;
  let occurrences = 0;
  /** Matches counted on the line of the last one counted (taken back if that line goes to V8). */
  let onLine = 0;
  let state = startOfLine;
  /** Where the match found and waiting to be counted ends (-1: none), and whether a word character precedes that end. */
  let matchEnd = -1;
  let matchAfterWord = 0;
  for (let i = 0; i < length; i++) {
    let next = table[state + bytes[i]!]!;
    if (next >= special) {
      state = next;
      continue;
    }
    const at = i;
    if (next === WIDE) {
      const decoded = utf8At(bytes, i);
      const symbol = decoded >= 0 && wideClass ? wideSymbolOf(wideClass, decoded >> 3) : -1;
      if (symbol < 0) {
        // Not valid UTF-8, or a character left to V8: the whole line goes to V8, and
        // what this scan counted on it is taken back.
        if (lineMatched[state >> 8] === 1) {
          lines--;
          occurrences -= onLine;
        }
        const start = bytes.lastIndexOf(NEWLINE, i) + 1;
        const end = bytes.indexOf(NEWLINE, i);
        const viaV8 = { lines: 0, occurrences: 0 };
        countInLine(bytes.toString('utf8', start, end), regex, viaV8);
        lines += viaV8.lines;
        occurrences += viaV8.occurrences;
        i = end;
        state = startOfLine;
        matchEnd = -1;
        continue;
      }
      next = wide[(state >> 8) * wideSymbols + symbol - firstWide]!;
      i += (decoded & 7) - 1;
      if (next >= special) {
        state = next;
        continue;
      }
    }
    if (next >= FIRST_MATCH || next === END_MATCH || next === DEAD_MATCH) {
      matchEnd = at;
      matchAfterWord = afterWordChar[state >> 8]!;
    }
    if (next >= FIRST_MATCH) {
      state = next;
      continue;
    }
    // The automaton stopped, or the line ended: the match waiting is counted.
    if (matchEnd >= 0) {
      if (lineMatched[state >> 8] === 0) {
        lines++;
        onLine = 0;
      }
      occurrences++;
      onLine++;
      if (matchEnd < at || next === DEAD_MATCH) {
        // The next search starts where this match ended, as `lastIndex` does.
        i = matchEnd - 1;
        state = matchAfterWord === 1 ? dfa.afterWord : dfa.afterOther;
        matchEnd = -1;
        continue;
      }
    } else if (next === DEAD) {
      i = bytes.indexOf(NEWLINE, i); // unreachable: DEAD follows a match
    }
    state = startOfLine;
    matchEnd = -1;
  }
  count.lines += lines;
  count.occurrences += occurrences;
}

/**
 * The code point of the valid UTF-8 sequence at `i` times 8 plus its length (2 to 4),
 * or -1 where the sequence is invalid (V8 would decode U+FFFD there). A sequence never
 * runs past the line: its `\n` is not a continuation byte.
 */
function utf8At(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const b1 = bytes[i + 1] ?? 0;
  if (b0 < 0xc2) return -1; // a continuation byte, or an overlong lead
  if (b0 < 0xe0) return (b1 & 0xc0) === 0x80 ? ((((b0 & 0x1f) << 6) | (b1 & 0x3f)) << 3) | 2 : -1;
  const b2 = bytes[i + 2] ?? 0;
  if (b0 < 0xf0) {
    // E0 must not be overlong; ED must not encode a surrogate.
    if (b1 < (b0 === 0xe0 ? 0xa0 : 0x80) || b1 > (b0 === 0xed ? 0x9f : 0xbf) || (b2 & 0xc0) !== 0x80) return -1;
    return ((((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f)) << 3) | 3;
  }
  const b3 = bytes[i + 3] ?? 0;
  if (b0 > 0xf4) return -1;
  // F0 must not be overlong; F4 must stay below U+110000.
  if (
    b1 < (b0 === 0xf0 ? 0x90 : 0x80) ||
    b1 > (b0 === 0xf4 ? 0x8f : 0xbf) ||
    (b2 & 0xc0) !== 0x80 ||
    (b3 & 0xc0) !== 0x80
  )
    return -1;
  return ((((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) << 3) | 4;
}
