import regjsparser, { type AstNode, type RootNode } from 'regjsparser';

// A CommonJS module: its functions come through the default export.
const { parse } = regjsparser;

/** What a regex node is known to match: exactly one string, and/or some strings one of which every match contains. */
interface Knowledge {
  /** The only string the node can match, or null. */
  exact: string | null;
  /** Every match contains at least one of these (none of them empty), or null if nothing is known. */
  required: string[] | null;
}

const NOTHING: Knowledge = { exact: null, required: null };

/**
 * Literal strings at least one of which every match of the regex contains, or null when
 * none can be proven: a prefilter may skip every line holding none of them. Conservative:
 * any construct it does not understand (classes, backreferences, lookarounds, anything
 * optional) contributes nothing, and a pattern it cannot parse yields null.
 */
export function requiredLiterals(pattern: string, unicode: boolean): string[] | null {
  let root: RootNode<{ lookbehind: true; namedGroups: true; unicodePropertyEscape: true }>;
  try {
    root = parse(pattern, unicode ? 'u' : '', { lookbehind: true, namedGroups: true, unicodePropertyEscape: true });
  } catch {
    return null;
  }
  const { exact, required } = knowledge(root as AstNode);
  const literals = exact !== null && exact.length > 0 ? [exact] : required;
  // U+FFFD stands for invalid bytes once decoded, which its UTF-8 encoding does not match;
  // a literal holding a newline is never within a line (the regex then runs on every line).
  if (!literals || literals.some((text) => text.length === 0 || text.includes('\uFFFD') || text.includes('\n')))
    return null;
  return literals;
}

/** The regex matches exactly this string (no classes, quantifiers or alternatives), or null. */
export function exactLiteral(pattern: string, unicode: boolean): string | null {
  try {
    const root = parse(pattern, unicode ? 'u' : '', {
      lookbehind: true,
      namedGroups: true,
      unicodePropertyEscape: true,
    });
    const { exact } = knowledge(root as AstNode);
    // A match holding a newline (`a\nb`) is no match within a line, as grep reads lines:
    // such a regex is left to the paths that run it on lines, which find none.
    return exact !== null && exact.length > 0 && !exact.includes('\uFFFD') && !exact.includes('\n') ? exact : null;
  } catch {
    return null;
  }
}

function knowledge(node: AstNode): Knowledge {
  switch (node.type) {
    case 'value': {
      const char = String.fromCodePoint(node.codePoint);
      return { exact: char, required: [char] };
    }
    case 'alternative':
      return sequence(node.body);
    case 'disjunction': {
      const branches = (node.body as AstNode[]).map(knowledge);
      if (branches.some((branch) => branch.required === null)) return NOTHING;
      return { exact: null, required: [...new Set(branches.flatMap((branch) => branch.required!))] };
    }
    case 'group':
      return node.behavior === 'normal' || node.behavior === 'ignore' ? sequence(node.body) : NOTHING;
    case 'quantifier': {
      const inner = knowledge(node.body[0]);
      if (node.min === 0) return NOTHING;
      if (inner.exact !== null && node.min === node.max && node.min <= 16) {
        const exact = inner.exact.repeat(node.min);
        return { exact, required: exact ? [exact] : null };
      }
      return { exact: null, required: inner.required };
    }
    default:
      return NOTHING;
  }
}

/** A concatenation: adjacent exact parts join into longer literals; the most selective requirement wins. */
function sequence(items: AstNode[]): Knowledge {
  const candidates: string[][] = [];
  let run = '';
  let allExact = true;
  for (const item of items) {
    const part = knowledge(item);
    if (part.exact !== null) {
      run += part.exact;
      continue;
    }
    allExact = false;
    if (run) candidates.push([run]);
    run = '';
    if (part.required) candidates.push(part.required);
  }
  if (run) candidates.push([run]);
  if (allExact) return { exact: run, required: run ? [run] : null };
  let best: string[] | null = null;
  for (const candidate of candidates) {
    if (!best || selectivity(candidate) > selectivity(best)) best = candidate;
  }
  return { exact: null, required: best };
}

/** Longer required strings are rarer; among equals, fewer alternatives are better. */
function selectivity(literals: string[]): number {
  return Math.min(...literals.map((text) => text.length)) * 100 - literals.length;
}
