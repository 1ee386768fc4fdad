import { isAscii } from 'node:buffer';
import type { PatternSpec } from '../contract/pattern-spec.js';
import { grepIgnoreCaseLiteral, isAsciiFoldable } from './ascii-fold.js';
import { linesHolding, linesMatching, mergeDistinct } from './candidate-lines.js';
import { type ChunkCounts, type PatternCount, emptyPatternCount } from './counts.js';
import { countFolded, foldedLiteralSearch } from './folded-literal.js';
import {
  type CountingWorkspace,
  type KernelNeedle,
  MAX_KERNEL_NEEDLE,
  caseFoldedNeedle,
  exactNeedle,
} from './counting-workspace.js';
import { countLiteral } from './literal.js';
import { countLines, linesOfNewlines } from './newlines.js';
import { compilePatternRegex, escapeRegExp } from './pattern.js';
import { isScoped, lineRegexOf, patternRegexSource } from './line-regex.js';
import { type LineDfa, countWithLineDfa, lineDfaOf } from './line-dfa.js';
import { countInLine, countRegexesByLine } from './regex-lines.js';
import { exactLiteral, requiredLiterals } from './required-literals.js';

/**
 * Counts every pattern's matches in a line-aligned run of bytes, and its lines unless
 * the caller knows them already (the coordinator counted them when it cut the chunk).
 */
export type ChunkCounter = (bytes: Uint8Array, knownLines?: number, options?: CountOptions) => ChunkCounts;

export interface CountOptions {
  /** Count `any` (the lines the patterns select together) when there are several patterns; default true. */
  any?: boolean;
}

/** How one pattern is counted; see `createChunkCounter`. */
type Plan =
  | { kind: 'every-line' }
  | { kind: 'bytes'; needle: Buffer; kernelNeedle: KernelNeedle | null }
  | { kind: 'folded'; search: RegExp; kernelNeedle: KernelNeedle | null }
  | {
      kind: 'prefiltered';
      regex: RegExp;
      needles: Buffer[];
      kernelNeedles: KernelNeedle[] | null;
      dense: DenseCandidates;
    }
  | {
      kind: 'prefiltered-folded';
      regex: RegExp;
      search: RegExp;
      kernelNeedles: KernelNeedle[] | null;
      dense: DenseCandidates;
    }
  | { kind: 'line-dfa'; dfa: LineDfa; regex: RegExp }
  | { kind: 'every-line-regex'; regex: RegExp };

/**
 * How the lines that match any of several patterns are counted (`any`): all of them (an
 * empty pattern), the lines holding one of several literals, the patterns as one
 * alternation counted like a pattern, or each pattern's own line regex on each line
 * where they cannot be one regex.
 */
type UnionPlan =
  | { kind: 'every-line' }
  | { kind: 'lines-holding'; needles: Buffer[]; kernelNeedles: KernelNeedle[] | null }
  | { kind: 'lines-holding-folded'; search: RegExp; kernelNeedles: KernelNeedle[] | null }
  | { kind: 'alternation'; plan: Plan }
  | { kind: 'by-line'; regexes: RegExp[] };

/**
 * Compiles patterns into one counter. Each pattern takes the cheapest exact path:
 * - a literal (or a regex that can only match one literal string) is searched on the
 *   raw bytes, without decoding: with SIMD in the workspace's WebAssembly kernel when
 *   the chunk lies in `workspace` (as a counting thread places it), else with indexOf;
 * - an ignore-case ASCII literal is matched the same way with its letters' case masked
 *   in the kernel, else with `/gi` on the chunk read as Latin-1;
 * - a regex with literal text that every match must contain runs only on the lines that
 *   hold that text (found on the bytes, by the kernel where it can), decoded one by one;
 *   in the kernel, where such lines are many, its line automaton runs instead;
 * - any other regex runs as a line automaton on the bytes when it can (line-dfa.ts: in
 *   the kernel when the chunk is in `workspace`; a line that is not valid UTF-8 goes to
 *   V8), else on every line of the chunk decoded as UTF-8;
 * - an empty literal matches every line and has no occurrences, as in grep;
 * - with -w or -x (line-regex.ts), the pattern's line regex decides, on the lines that
 *   hold the literal text its matches hold, or as above for a regex without any;
 * - with -v, a pattern's `lines` are the lines it does not match, and it has no occurrences.
 * With several patterns, `any` counts the lines that match at least one of them (with -v:
 * none of them), as grep -c -e … -e … does: see `unionPlan`.
 * The Latin-1 and UTF-8 readings are made once per chunk, only if a pattern needs them.
 */
export function createChunkCounter(specs: readonly PatternSpec[], workspace?: CountingWorkspace): ChunkCounter {
  const plans = specs.map(plan);
  const everyLineRegexes = plans.flatMap((p, i) =>
    p.kind === 'every-line-regex' ? [{ index: i, regex: p.regex }] : [],
  );
  const union = specs.length > 1 ? unionPlan(specs) : null;
  // An alternation run on every line is run in the same pass as the patterns that are.
  const unionOnEveryLine =
    union?.kind === 'alternation' && union.plan.kind === 'every-line-regex' ? union.plan.regex : null;
  const invert = specs.some((spec) => spec.invert === true);

  return (input, knownLines, options) => {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const kernel = workspace?.holds(bytes) ? workspace : undefined;
    const withLines = kernel && knownLines === undefined ? countLiteralWithLines(plans, bytes, kernel) : undefined;
    const lines = knownLines ?? withLines?.lines ?? countLines(bytes, kernel);
    const read = readingsOf(bytes);
    const matches: PatternCount[] = plans.map((p, i) =>
      i === withLines?.index ? withLines.count : countPlan(p, bytes, kernel, lines, read),
    );
    const countAny = union !== null && options?.any !== false;
    const regexes = everyLineRegexes.map((entry) => entry.regex);
    const counts = everyLineRegexes.map((entry) => matches[entry.index]!);
    const unionCount = emptyPatternCount();
    if (countAny && unionOnEveryLine) {
      regexes.push(unionOnEveryLine);
      counts.push(unionCount);
    }
    if (regexes.length > 0) countRegexesByLine(read.text(), regexes, counts);
    const any = countAny
      ? unionOnEveryLine
        ? unionCount.lines
        : countUnion(union, bytes, kernel, lines, read)
      : undefined;
    if (!invert) return { bytes: bytes.length, lines, matches, ...(any !== undefined ? { any } : {}) };
    return {
      bytes: bytes.length,
      lines,
      matches: matches.map((count) => ({ lines: lines - count.lines, occurrences: 0 })),
      ...(any !== undefined ? { any: lines - any } : {}),
    };
  };
}

/**
 * The first pattern the kernel counts as a literal (exact or with its case folded),
 * counted in the same read of the chunk as the chunk's lines: one pass over the bytes
 * instead of two. Its index among the plans, its count, the chunk's lines.
 */
function countLiteralWithLines(
  plans: readonly Plan[],
  bytes: Buffer,
  kernel: CountingWorkspace,
): { index: number; count: PatternCount; lines: number } | undefined {
  for (const [index, p] of plans.entries()) {
    if ((p.kind === 'bytes' || p.kind === 'folded') && p.kernelNeedle) {
      const { count, newlines } = kernel.countLiteralAndNewlines(bytes, p.kernelNeedle);
      return { index, count, lines: linesOfNewlines(newlines, bytes) };
    }
  }
  return undefined;
}

/** A chunk read as text, each reading made at most once, and only if asked for. */
interface Readings {
  /** One character per byte: offsets are byte offsets. */
  latin1: () => string;
  /** As UTF-8 (the Latin-1 reading when the chunk is ASCII, which is the same text). */
  text: () => string;
}

function readingsOf(bytes: Buffer): Readings {
  let latin1: string | undefined;
  let text: string | undefined;
  const readings: Readings = {
    latin1: () => (latin1 ??= bytes.toString('latin1')),
    text: () => (text ??= isAscii(bytes) ? readings.latin1() : bytes.toString('utf8')),
  };
  return readings;
}

/** One pattern's count by its plan; an `every-line-regex` is counted apart, with the others of its kind, in one pass. */
function countPlan(
  p: Plan,
  bytes: Buffer,
  kernel: CountingWorkspace | undefined,
  lines: number,
  read: Readings,
): PatternCount {
  switch (p.kind) {
    case 'every-line':
      return { lines, occurrences: 0 };
    case 'bytes':
      return kernel && p.kernelNeedle ? kernel.countLiteral(bytes, p.kernelNeedle) : countLiteral(bytes, p.needle);
    case 'folded':
      return kernel && p.kernelNeedle
        ? kernel.countLiteral(bytes, p.kernelNeedle)
        : countFolded(read.latin1(), p.search);
    case 'prefiltered':
    case 'prefiltered-folded':
      if (kernel && p.kernelNeedles) return countCandidates(kernel, bytes, p.kernelNeedles, p.regex, p.dense);
      if (p.kind === 'prefiltered') return countOnLines(bytes, linesHolding(bytes, p.needles), p.regex, read.latin1);
      return countOnLines(bytes, linesMatching(read.latin1(), p.search), p.regex, read.latin1);
    case 'line-dfa': {
      if (kernel) return countWithDfa(kernel, bytes, p.dfa, p.regex);
      const count = emptyPatternCount();
      countWithLineDfa(bytes, p.dfa, p.regex, count);
      return count;
    }
    case 'every-line-regex':
      return emptyPatternCount();
  }
}

/** The lines that match at least one pattern (before -v); an alternation run on every line is counted with the patterns that are. */
function countUnion(
  union: UnionPlan,
  bytes: Buffer,
  kernel: CountingWorkspace | undefined,
  lines: number,
  read: Readings,
): number {
  switch (union.kind) {
    case 'every-line':
      return lines;
    case 'lines-holding':
      return (
        (kernel && union.kernelNeedles
          ? kernelLinesHolding(kernel, bytes, union.kernelNeedles)
          : linesHolding(bytes, union.needles)
        ).length / 2
      );
    case 'lines-holding-folded':
      return (
        (kernel && union.kernelNeedles
          ? kernelLinesHolding(kernel, bytes, union.kernelNeedles)
          : linesMatching(read.latin1(), union.search)
        ).length / 2
      );
    case 'alternation':
      return countPlan(union.plan, bytes, kernel, lines, read).lines;
    case 'by-line':
      return countLinesMatchingAny(read.text(), union.regexes);
  }
}

/**
 * How the lines that match any of the patterns are counted, cheapest first:
 * - an empty pattern (without -w/-x) matches every line;
 * - literals without -w/-x (and under -i only ASCII ones without i or s, whose folding
 *   the byte search does): the lines holding any of them, found as candidates are;
 * - otherwise the patterns as one alternation, narrowed by -w/-x as a whole (a line holds
 *   a whole-word match of one of them exactly when it holds one of the alternation),
 *   counted as one more pattern, which gives it the prefilters and the automaton;
 * - where they cannot make one regex (under -i, grep's folding of ASCII literals beside
 *   JavaScript's of others; patterns scoped differently; numbered back-references, which
 *   the alternation would renumber; names given twice), each pattern's line regex is
 *   asked of each line.
 */
function unionPlan(specs: readonly PatternSpec[]): UnionPlan {
  if (specs.some((spec) => !isScoped(spec) && spec.pattern === '')) return { kind: 'every-line' };
  if (specs.every((spec) => !spec.regex && !isScoped(spec))) {
    const texts = specs.map((spec) => spec.pattern);
    if (specs.every((spec) => !spec.ignoreCase)) {
      const needles = texts.map((text) => Buffer.from(text, 'utf8'));
      return { kind: 'lines-holding', needles, kernelNeedles: kernelForms(needles.map(exactNeedle)) };
    }
    if (specs.every((spec) => spec.ignoreCase) && texts.every(isAsciiFoldable)) {
      return {
        kind: 'lines-holding-folded',
        search: new RegExp(texts.map(escapeRegExp).join('|'), 'gi'),
        kernelNeedles: kernelForms(texts.map(caseFoldedNeedle)),
      };
    }
  }
  const sources = specs.map(patternRegexSource);
  const [first] = specs;
  const oneRegex =
    sources.every((source) => source.ignoreCase === sources[0]!.ignoreCase) &&
    specs.every((spec) => spec.wholeWord === first!.wholeWord && spec.wholeLine === first!.wholeLine) &&
    !specs.some((spec) => spec.regex && /\\[1-9]/.test(spec.pattern));
  if (oneRegex) {
    const alternation: PatternSpec = {
      pattern: sources.map(({ source }) => `(?:${source})`).join('|'),
      regex: true,
      ignoreCase: sources[0]!.ignoreCase,
      ...(first!.wholeWord ? { wholeWord: true } : {}),
      ...(first!.wholeLine ? { wholeLine: true } : {}),
    };
    try {
      return { kind: 'alternation', plan: plan(alternation) };
    } catch {
      // A name given to groups of two patterns: not one regex.
    }
  }
  return { kind: 'by-line', regexes: specs.map(lineRegexOf) };
}

function matchesLine(regex: RegExp, line: string): boolean {
  regex.lastIndex = 0;
  return regex.test(line);
}

/** The lines of `text` that at least one regex matches. */
function countLinesMatchingAny(text: string, regexes: readonly RegExp[]): number {
  let count = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    if (regexes.some((regex) => matchesLine(regex, line))) count++;
    start = end + 1;
  }
  return count;
}

function plan(spec: PatternSpec): Plan {
  const scoped = isScoped(spec);
  if (!scoped && !spec.regex && spec.pattern === '') return { kind: 'every-line' };
  const own = compilePatternRegex(spec);
  // With -w or -x the line regex decides which matches count; the literal text that every
  // match of the pattern holds still finds the candidate lines.
  const regex = scoped ? lineRegexOf(spec) : own;
  // A regex that can only match one string counts as that literal.
  const exact = spec.regex ? exactLiteral(spec.pattern, own.unicode) : spec.pattern;
  if (!scoped && exact !== null && !spec.ignoreCase) {
    const needle = Buffer.from(exact, 'utf8');
    return { kind: 'bytes', needle, kernelNeedle: kernelForm(exactNeedle(needle)) };
  }
  if (!scoped && exact !== null && isAsciiFoldable(exact))
    return { kind: 'folded', search: foldedLiteralSearch(exact), kernelNeedle: kernelForm(caseFoldedNeedle(exact)) };
  const grepFolded = exact !== null && spec.ignoreCase ? grepIgnoreCaseLiteral(exact) : null;
  if (grepFolded) {
    const folded = scoped ? regex : grepFolded.regex;
    const [longest] = grepFolded.fragments.sort((a, b) => b.length - a.length);
    return longest
      ? {
          kind: 'prefiltered-folded',
          regex: folded,
          search: foldedLiteralSearch(longest),
          kernelNeedles: kernelForms([caseFoldedNeedle(longest)]),
          dense: denseCandidates(),
        }
      : { kind: 'every-line-regex', regex: folded };
  }
  const literals = spec.regex ? requiredLiterals(spec.pattern, own.unicode) : exact !== null ? [exact] : null;
  if (literals && literals.every((text) => text.length >= 2)) {
    if (!spec.ignoreCase) {
      const needles = literals.map((text) => Buffer.from(text, 'utf8'));
      return {
        kind: 'prefiltered',
        regex,
        needles,
        kernelNeedles: kernelForms(needles.map(exactNeedle)),
        dense: denseCandidates(),
      };
    }
    if (literals.every(isAsciiFoldable)) {
      return {
        kind: 'prefiltered-folded',
        regex,
        search: new RegExp(literals.map(escapeRegExp).join('|'), 'gi'),
        kernelNeedles: kernelForms(literals.map(caseFoldedNeedle)),
        dense: denseCandidates(),
      };
    }
  }
  const dfa = lineDfaOf(regex);
  return dfa ? { kind: 'line-dfa', dfa, regex } : { kind: 'every-line-regex', regex };
}

/** A needle as the kernel takes it, or null if it is too long for the kernel (JavaScript searches it then). */
function kernelForm(needle: KernelNeedle): KernelNeedle | null {
  return needle.bytes.length <= MAX_KERNEL_NEEDLE ? needle : null;
}

function kernelForms(needles: KernelNeedle[]): KernelNeedle[] | null {
  return needles.every((needle) => kernelForm(needle) !== null) ? needles : null;
}

/** The lines holding any of the needles, found by the kernel, sorted and distinct. */
function kernelLinesHolding(kernel: CountingWorkspace, bytes: Buffer, needles: readonly KernelNeedle[]): number[] {
  return mergeDistinct(needles.map((needle) => kernel.linesHolding(bytes, needle)));
}

/**
 * Candidate lines past which the line automaton over the whole chunk is faster than V8
 * on each candidate (the finding of candidates included): one per this many bytes,
 * between a sparse and a dense case measured (docs/benchmarks.md, "Regexes without a
 * literal part: a line automaton").
 */
const BYTES_PER_CANDIDATE_FOR_DFA = 700;
/** Chunks counted by the automaton before the candidates are looked at again. */
const DENSE_RECHECK = 16;

/**
 * A prefiltered regex's automaton (built when its candidates are first found dense:
 * undefined until then, null if it has none) and how many more chunks it counts
 * without looking at candidates.
 */
interface DenseCandidates {
  dfa: LineDfa | null | undefined;
  chunksLeft: number;
}

function denseCandidates(): DenseCandidates {
  return { dfa: undefined, chunksLeft: 0 };
}

/**
 * A prefiltered regex's count in the kernel: on its candidate lines with V8, or, where
 * they are many, with its automaton over the whole chunk (and the chunks after it for a
 * while, without finding candidates first). Either way the count is exact.
 */
function countCandidates(
  kernel: CountingWorkspace,
  bytes: Buffer,
  needles: readonly KernelNeedle[],
  regex: RegExp,
  dense: DenseCandidates,
): PatternCount {
  if (dense.dfa && dense.chunksLeft > 0) {
    dense.chunksLeft--;
    return countWithDfa(kernel, bytes, dense.dfa, regex);
  }
  const lineRanges = kernelLinesHolding(kernel, bytes, needles);
  if ((lineRanges.length / 2) * BYTES_PER_CANDIDATE_FOR_DFA > bytes.length) {
    dense.dfa ??= lineDfaOf(regex);
    if (dense.dfa) {
      dense.chunksLeft = DENSE_RECHECK - 1;
      return countWithDfa(kernel, bytes, dense.dfa, regex);
    }
  }
  return countOnLines(bytes, lineRanges, regex, null);
}

function countWithDfa(kernel: CountingWorkspace, bytes: Buffer, dfa: LineDfa, regex: RegExp): PatternCount {
  const count = emptyPatternCount();
  kernel.countLineDfa(bytes, dfa, regex, count);
  return count;
}

/**
 * Runs the regex on the given lines only. Given a Latin-1 reading, an all-ASCII chunk
 * is read as Latin-1 once and sliced (a slice is a view, not a copy); otherwise (and
 * always in the kernel, where the lines are few next to the chunk) each line is decoded
 * as UTF-8 on its own.
 */
function countOnLines(bytes: Buffer, lineRanges: number[], regex: RegExp, latin1: (() => string) | null): PatternCount {
  const count = emptyPatternCount();
  if (lineRanges.length === 0) return count;
  if (latin1 && isAscii(bytes)) {
    const text = latin1();
    for (let i = 0; i < lineRanges.length; i += 2)
      countInLine(text.slice(lineRanges[i], lineRanges[i + 1]), regex, count);
  } else {
    for (let i = 0; i < lineRanges.length; i += 2)
      countInLine(bytes.toString('utf8', lineRanges[i], lineRanges[i + 1]), regex, count);
  }
  return count;
}
