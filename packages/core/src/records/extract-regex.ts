import regjsparser, { type AstNode } from 'regjsparser';
import { groupNames } from './record-checks.js';

// A CommonJS module: its functions come through the default export.
const { parse } = regjsparser;

/**
 * An `--extract` regex ready to run once per line. V8 builds the `groups` object of every
 * match of a regex with named groups, which costs as much as the match itself on a short
 * line; so the names are taken out of the source (`(?<status>` becomes `(`) and each name
 * read by its group's number. Groups are numbered by their `(` from the left whether they
 * are named or not, so the numbers are those of the regex as written.
 *
 * Whenever the rewrite cannot be shown to be the same regex (the parser does not read the
 * source, a named backreference `\k<name>` which would lose its meaning, a group count or
 * names that differ from V8's own reading), the regex is kept as written and its names
 * read from `groups`.
 *
 * A regex is also marked `chunkSearchable` when a search of a text of whole lines, from a
 * line's start, finds what the regex run on the line alone finds, whenever the match found
 * ends within the line (see TextExtract in record-reader.ts): when it holds no `^`, `$` or
 * lookaround, the only parts of a regex that look at the text around a match (a `\b` at a
 * line's ends sees a line break there, which is no word character, as the end of the
 * text is not). A match at a position of the line that reads no character past its end
 * is then a match of the line alone and the other way round, tried in the same order.
 */
export interface ExtractRegex {
  regex: RegExp;
  /** Per group name, its group's number in `regex`; null: read the names from `match.groups`. */
  numbers: Map<string, number> | null;
  chunkSearchable: boolean;
}

export function extractRegex(source: string): ExtractRegex {
  const asWritten: ExtractRegex = { regex: new RegExp(source), numbers: null, chunkSearchable: false };
  let root: AstNode;
  try {
    root = parse(source, '', { lookbehind: true, namedGroups: true, unicodePropertyEscape: true }) as AstNode;
  } catch {
    return asWritten;
  }
  const groups: { start: number; nameEnd: number; name: string | undefined }[] = [];
  let namedReference = false;
  let looksAround = false;
  const visit = (node: AstNode): void => {
    if (node.type === 'reference' && (node as { name?: unknown }).name !== undefined) namedReference = true;
    if (node.type === 'anchor' && node.kind !== 'boundary' && node.kind !== 'not-boundary') looksAround = true;
    if (node.type === 'group' && node.behavior !== 'normal' && node.behavior !== 'ignore') looksAround = true;
    if (node.type === 'group' && node.behavior === 'normal') {
      const name = (node as { name?: { value: string; range: [number, number] } }).name;
      groups.push({ start: node.range[0], nameEnd: name ? name.range[1] : -1, name: name?.value });
    }
    if ('body' in node && Array.isArray(node.body)) for (const child of node.body as AstNode[]) visit(child);
  };
  visit(root);
  asWritten.chunkSearchable = !looksAround;
  if (namedReference) return asWritten;
  groups.sort((a, b) => a.start - b.start);
  const numbers = new Map<string, number>();
  let rewritten = '';
  let copied = 0;
  for (let i = 0; i < groups.length; i++) {
    const { start, nameEnd, name } = groups[i]!;
    if (name === undefined) continue;
    if (numbers.has(name) || source.slice(start, nameEnd + 1) !== `(?<${name}>`) return asWritten;
    numbers.set(name, i + 1);
    rewritten += source.slice(copied, start) + '(';
    copied = nameEnd + 1;
  }
  rewritten += source.slice(copied);
  let regex: RegExp;
  try {
    regex = new RegExp(rewritten);
  } catch {
    return asWritten;
  }
  // V8's own reading: as many groups, none named, and the names the parser found.
  const count = (r: RegExp) => new RegExp(`${r.source}|`, r.flags).exec('')!.length - 1;
  const names = groupNames(asWritten.regex);
  if (
    count(regex) !== count(asWritten.regex) ||
    count(regex) !== groups.length ||
    groupNames(regex).length !== 0 ||
    names.length !== numbers.size ||
    names.some((name) => !numbers.has(name))
  )
    return asWritten;
  return { regex, numbers, chunkSearchable: !looksAround };
}
