import { isAscii } from 'node:buffer';
import { countLines } from '../chunking/newlines.js';
import { grepIgnoreCaseLiteral, isAsciiFoldable } from './ascii-fold.js';
import { linesHolding, linesMatching, sortDistinct } from './candidate-lines.js';
import { type ChunkCounts, type PatternCount, emptyPatternCount } from './counts.js';
import { countFolded, foldedLiteralSearch } from './folded-literal.js';
import { type CountingWorkspace, type KernelNeedle, MAX_KERNEL_NEEDLE, caseFoldedNeedle, exactNeedle } from './counting-workspace.js';
import { countLiteral } from './literal.js';
import { type PatternSpec, compilePatternRegex, escapeRegExp } from './pattern.js';
import { type LineDfa, countWithLineDfa, lineDfaOf } from './line-dfa.js';
import { countInLine, countRegexesByLine } from './regex-lines.js';
import { exactLiteral, requiredLiterals } from './required-literals.js';

/**
 * Counts every pattern's matches in a line-aligned run of bytes, and its lines unless
 * the caller knows them already (the coordinator counted them when it cut the chunk).
 */
export type ChunkCounter = (bytes: Uint8Array, knownLines?: number) => ChunkCounts;

/** How one pattern is counted; see `createChunkCounter`. */
type Plan =
  | { kind: 'every-line' }
  | { kind: 'bytes'; needle: Buffer; kernelNeedle: KernelNeedle | null }
  | { kind: 'folded'; search: RegExp; kernelNeedle: KernelNeedle | null }
  | { kind: 'prefiltered'; regex: RegExp; needles: Buffer[]; kernelNeedles: KernelNeedle[] | null; dense: DenseCandidates }
  | { kind: 'prefiltered-folded'; regex: RegExp; search: RegExp; kernelNeedles: KernelNeedle[] | null; dense: DenseCandidates }
  | { kind: 'line-dfa'; dfa: LineDfa; regex: RegExp }
  | { kind: 'every-line-regex'; regex: RegExp };

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
 * - an empty literal matches every line and has no occurrences, as in grep.
 * The Latin-1 and UTF-8 readings are made once per chunk, only if a pattern needs them.
 */
export function createChunkCounter(specs: readonly PatternSpec[], workspace?: CountingWorkspace): ChunkCounter {
  const plans = specs.map(plan);
  const everyLineRegexes = plans.flatMap((p, i) => (p.kind === 'every-line-regex' ? [{ index: i, regex: p.regex }] : []));

  return (input, knownLines) => {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const kernel = workspace?.holds(bytes) ? workspace : undefined;
    const lines = knownLines ?? countLines(bytes, kernel);
    let latin1: string | undefined;
    const asLatin1 = () => (latin1 ??= bytes.toString('latin1'));
    const matches: PatternCount[] = plans.map((p) => {
      switch (p.kind) {
        case 'every-line':
          return { lines, occurrences: 0 };
        case 'bytes':
          return kernel && p.kernelNeedle ? kernel.countLiteral(bytes, p.kernelNeedle) : countLiteral(bytes, p.needle);
        case 'folded':
          return kernel && p.kernelNeedle ? kernel.countLiteral(bytes, p.kernelNeedle) : countFolded(asLatin1(), p.search);
        case 'prefiltered':
        case 'prefiltered-folded':
          if (kernel && p.kernelNeedles) return countCandidates(kernel, bytes, p.kernelNeedles, p.regex, p.dense);
          if (p.kind === 'prefiltered') return countOnLines(bytes, linesHolding(bytes, p.needles), p.regex, asLatin1);
          return countOnLines(bytes, linesMatching(asLatin1(), p.search), p.regex, asLatin1);
        case 'line-dfa': {
          if (kernel) return countWithDfa(kernel, bytes, p.dfa, p.regex);
          const count = emptyPatternCount();
          countWithLineDfa(bytes, p.dfa, p.regex, count);
          return count;
        }
        case 'every-line-regex':
          return emptyPatternCount(); // counted below, in one pass with the others
      }
    });
    if (everyLineRegexes.length > 0) {
      const text = isAscii(bytes) ? asLatin1() : bytes.toString('utf8');
      countRegexesByLine(
        text,
        everyLineRegexes.map((entry) => entry.regex),
        everyLineRegexes.map((entry) => matches[entry.index]!),
      );
    }
    return { bytes: bytes.length, lines, matches };
  };
}

function plan(spec: PatternSpec): Plan {
  if (!spec.regex && spec.pattern === '') return { kind: 'every-line' };
  const regex = compilePatternRegex(spec);
  // A regex that can only match one string counts as that literal.
  const exact = spec.regex ? exactLiteral(spec.pattern, regex.unicode) : spec.pattern;
  if (exact !== null && !spec.ignoreCase) {
    const needle = Buffer.from(exact, 'utf8');
    return { kind: 'bytes', needle, kernelNeedle: kernelForm(exactNeedle(needle)) };
  }
  if (exact !== null && isAsciiFoldable(exact)) return { kind: 'folded', search: foldedLiteralSearch(exact), kernelNeedle: kernelForm(caseFoldedNeedle(exact)) };
  const grepFolded = exact !== null && spec.ignoreCase ? grepIgnoreCaseLiteral(exact) : null;
  if (grepFolded) {
    const [longest] = grepFolded.fragments.sort((a, b) => b.length - a.length);
    return longest
      ? { kind: 'prefiltered-folded', regex: grepFolded.regex, search: foldedLiteralSearch(longest), kernelNeedles: kernelForms([caseFoldedNeedle(longest)]), dense: denseCandidates() }
      : { kind: 'every-line-regex', regex: grepFolded.regex };
  }
  const literals = spec.regex ? requiredLiterals(spec.pattern, regex.unicode) : exact !== null ? [exact] : null;
  if (literals && literals.every((text) => text.length >= 2)) {
    if (!spec.ignoreCase) {
      const needles = literals.map((text) => Buffer.from(text, 'utf8'));
      return { kind: 'prefiltered', regex, needles, kernelNeedles: kernelForms(needles.map(exactNeedle)), dense: denseCandidates() };
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
  if (needles.length === 1) return kernel.linesHolding(bytes, needles[0]!);
  return sortDistinct(needles.flatMap((needle) => kernel.linesHolding(bytes, needle)));
}

/**
 * Candidate lines past which the line automaton over the whole chunk is faster than V8
 * on each candidate (the finding of candidates included): one per this many bytes.
 * Measured on the bench's logs, 256 MiB: `timed out after [0-9]+ ms` (a candidate line
 * in 880 bytes) ran at 2.0 GB/s through V8 and 1.4 through the automaton;
 * `(?:WARN|ERROR) \[\w+\]` (one in 440) at 0.32–0.47 and 1.4.
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
function countCandidates(kernel: CountingWorkspace, bytes: Buffer, needles: readonly KernelNeedle[], regex: RegExp, dense: DenseCandidates): PatternCount {
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
    for (let i = 0; i < lineRanges.length; i += 2) countInLine(text.slice(lineRanges[i], lineRanges[i + 1]), regex, count);
  } else {
    for (let i = 0; i < lineRanges.length; i += 2) countInLine(bytes.toString('utf8', lineRanges[i], lineRanges[i + 1]), regex, count);
  }
  return count;
}
