import regjsparser, { type AstNode } from 'regjsparser';

// A CommonJS module: its functions come through the default export.
const { parse } = regjsparser;

/** More states than this and the pattern is left to V8 (a{1000}b{1000} would be 2,000). */
const MAX_NFA_STATES = 4096;

/** An assertion: `^` and `$` at the line's ends (no `m` flag), `\b` and `\B`. */
export type Look = 'start' | 'end' | 'boundary' | 'not-boundary';

/**
 * One state of a Thompson automaton. A `split` lists where it leads in priority order
 * (a greedy loop prefers another round; alternation prefers its left side), as
 * JavaScript's backtracking tries them.
 */
export type NfaState =
  | { kind: 'char'; atom: number; next: number }
  | { kind: 'split'; next: number[] }
  | { kind: 'look'; look: Look; next: number }
  | { kind: 'match' };

/**
 * A regex as an automaton over the characters of a line, searching from any position:
 * `start` is an unanchored loop that prefers to try the pattern before stepping one
 * character on. A `char` state reads one character that its atom matches; `atoms` holds
 * each atom's source text (a literal, `.`, a class, an escape), the last one `[^]`, any
 * character, for that loop.
 */
export interface LineNfa {
  states: NfaState[];
  start: number;
  atoms: string[];
}

type Features = { lookbehind: true; namedGroups: true; unicodePropertyEscape: true };
type Node = AstNode<Features>;

/** Thrown inside the compiler for what it leaves to V8; never escapes. */
class Unsupported extends Error {}

/**
 * The pattern as an automaton that matches exactly where JavaScript's RegExp (flags
 * `gsu`, with `i` under ignore-case) matches on a line, or null when it uses
 * what the automaton cannot express the same way: backreferences, lookarounds, a
 * quantified part that can match the empty string (JavaScript's empty-iteration rule),
 * a pattern that can match the empty string (every line would match, with empty
 * matches), or more than MAX_NFA_STATES states. Which characters each atom matches is
 * left to the alphabet (regex-alphabet.ts), which asks V8 with the run's flags.
 */
export function compileLineNfa(pattern: string): LineNfa | null {
  let root: Node;
  try {
    root = parse<Features>(pattern, 'u', { lookbehind: true, namedGroups: true, unicodePropertyEscape: true });
  } catch {
    return null;
  }
  const states: NfaState[] = [];
  const atoms: string[] = [];
  const atomIndex = new Map<string, number>();
  const add = (state: NfaState): number => {
    if (states.length >= MAX_NFA_STATES) throw new Unsupported('too many states');
    states.push(state);
    return states.length - 1;
  };
  const atom = (raw: string): number => {
    let index = atomIndex.get(raw);
    if (index === undefined) {
      index = atoms.push(raw) - 1;
      atomIndex.set(raw, index);
    }
    return index;
  };

  /** The entry of `node` followed by `next` (built back to front). */
  const emit = (node: Node, next: number): number => {
    switch (node.type) {
      case 'value':
      case 'dot':
      case 'characterClass':
      case 'characterClassEscape':
      case 'unicodePropertyEscape':
        return add({ kind: 'char', atom: atom(node.raw), next });
      case 'anchor':
        return add({ kind: 'look', look: node.kind, next });
      case 'alternative':
        return sequence(node.body, next);
      case 'disjunction':
        return add({ kind: 'split', next: node.body.map((branch) => emit(branch, next)) });
      case 'group':
        if (node.behavior !== 'normal' && node.behavior !== 'ignore') throw new Unsupported(node.behavior);
        return sequence(node.body, next);
      case 'quantifier':
        return quantified(node.body[0], node.min, node.max, node.greedy, next);
      default:
        throw new Unsupported(node.type);
    }
  };
  const sequence = (body: Node[], next: number): number => {
    let entry = next;
    for (let i = body.length - 1; i >= 0; i--) entry = emit(body[i]!, entry);
    return entry;
  };
  const quantified = (body: Node, min: number, max: number | undefined, greedy: boolean, next: number): number => {
    if (nullable(body)) throw new Unsupported('a quantified part that can match the empty string');
    if (min + (max ?? min + 1) > MAX_NFA_STATES) throw new Unsupported('too many repetitions');
    let entry: number;
    if (max === undefined) {
      const loop = add({ kind: 'split', next: [] });
      const round = emit(body, loop);
      (states[loop] as { next: number[] }).next = greedy ? [round, next] : [next, round];
      entry = loop;
    } else {
      entry = next;
      for (let optional = max - min; optional > 0; optional--) {
        const round = emit(body, entry);
        entry = add({ kind: 'split', next: greedy ? [round, next] : [next, round] });
      }
    }
    for (let i = 0; i < min; i++) entry = emit(body, entry);
    return entry;
  };

  try {
    if (nullable(root)) return null;
    const match = add({ kind: 'match' });
    const pattern = emit(root, match);
    const start = add({ kind: 'split', next: [pattern] });
    const step = add({ kind: 'char', atom: atom('[^]'), next: start });
    (states[start] as { next: number[] }).next.push(step);
    return { states, start, atoms };
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

/**
 * Whether the pattern may match the empty string somewhere: over-approximated (every
 * assertion, lookaround and back-reference is taken to match it), and true for a pattern
 * that does not parse.
 */
export function canMatchEmpty(pattern: string): boolean {
  try {
    return nullable(
      parse<Features>(pattern, 'u', { lookbehind: true, namedGroups: true, unicodePropertyEscape: true }),
    );
  } catch {
    return true;
  }
}

/** Whether the node can match the empty string (assertions match it). */
function nullable(node: Node): boolean {
  switch (node.type) {
    case 'anchor':
      return true;
    case 'alternative':
      return node.body.every(nullable);
    case 'disjunction':
      return node.body.some(nullable);
    case 'group':
      return node.behavior === 'normal' || node.behavior === 'ignore' ? node.body.every(nullable) : true;
    case 'quantifier':
      return node.min === 0 || nullable(node.body[0]);
    case 'reference':
      return true;
    default:
      return false;
  }
}
