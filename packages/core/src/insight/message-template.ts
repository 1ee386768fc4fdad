/**
 * Message templates: a log line with its variable parts masked, so that lines that differ
 * only in ids, numbers, addresses, paths or quoted values group together.
 */

/** Masks, most specific first: one regex of alternatives, so that each part of a line is masked once. */
const MASKS: readonly [name: string, source: string][] = [
  ['ts', String.raw`\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:[Zz]|[+-]\d\d:?\d\d)?|\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d|\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b|\b\d{4}-\d\d-\d\d\b`],
  ['uuid', String.raw`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`],
  ['url', String.raw`\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`],
  ['email', String.raw`\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b`],
  ['ip', String.raw`\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-fA-F]{1,4}:)*::(?:[0-9a-fA-F]{1,4}:)*[0-9a-fA-F]{0,4}(?![\w:])`],
  ['str', String.raw`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'`],
  ['path', String.raw`(?<![\w/])(?:~|\.{1,2})?/[\w.@%+-]+(?:/[\w.@%+-]*)+|\b[A-Za-z]:\\[^\s"'<>]+`],
  ['hex', String.raw`\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b`],
  // A minus sign only where it cannot be a separator: `exec-1` is `exec-<num>`.
  ['num', String.raw`(?:(?<![\w.])-)?\d+(?:[.,]\d+)*`],
];

const MASK = new RegExp(MASKS.map(([, source]) => `(${source})`).join('|'), 'g');

/** Longest template kept; the rest is cut and marked with `…`. */
const MAX_TEMPLATE = 300;
/** Longest example line kept. */
const MAX_EXAMPLE = 500;

/**
 * The template of one log line. Masked (placeholders in angle brackets): timestamps
 * (`<ts>`), UUIDs, URLs, e-mail addresses, IPv4/IPv6 addresses with an optional port
 * (`<ip>`), quoted values (`"<str>"`), paths (`<path>`), hex ids (`0x…`, or 8+ hex digits
 * holding a digit and a letter: `<hex>`), and numbers anywhere — also inside words
 * (`worker-12` → `worker-<num>`, `user42` → `user<num>`, `250ms` → `<num>ms`), since ids
 * are often glued to words; words themselves, and keys of `key=value`, stay. Whitespace
 * runs become one space; the line is trimmed (a trailing `\r` too) and capped.
 */
export function messageTemplate(line: string): string {
  const masked = line.replace(MASK, (match: string, ...groups: unknown[]) => {
    const index = groups.findIndex((group, i) => i < MASKS.length && group !== undefined);
    const name = MASKS[index]?.[0] ?? 'num';
    if (name === 'str') return match[0] === '"' ? '"<str>"' : "'<str>'";
    return `<${name}>`;
  });
  const template = masked.replace(/\s+/g, ' ').trim();
  return template.length <= MAX_TEMPLATE ? template : `${template.slice(0, MAX_TEMPLATE - 1)}…`;
}

/** One template's tally within some lines. `firstLine`/`lastLine` are line numbers as the caller gives them. */
export interface TemplateTally {
  count: number;
  example: string;
  firstLine: number;
  lastLine: number;
}

/**
 * Templates of matching lines, in line order. Bounded: at most `maxTemplates` distinct
 * templates are kept; lines of further new templates are counted in `overflow`.
 */
export class TemplateTallies {
  private readonly tallies = new Map<string, TemplateTally>();
  private dropped = 0;

  constructor(private readonly maxTemplates = 10_000) {}

  add(line: string, lineNumber: number): void {
    const template = messageTemplate(line);
    const seen = this.tallies.get(template);
    if (seen) {
      seen.count++;
      seen.lastLine = lineNumber;
    } else if (this.tallies.size < this.maxTemplates) {
      const example = line.replace(/\r$/, '');
      this.tallies.set(template, { count: 1, example: example.length <= MAX_EXAMPLE ? example : `${example.slice(0, MAX_EXAMPLE - 1)}…`, firstLine: lineNumber, lastLine: lineNumber });
    } else this.dropped++;
  }

  /** Lines whose template was beyond the bound. */
  get overflow(): number {
    return this.dropped;
  }

  entries(): [string, TemplateTally][] {
    return [...this.tallies.entries()];
  }
}

/** Merges tallies of parts given in line order (earlier first): counts add; example and firstLine from the earliest, lastLine from the latest. */
export function mergeTallies(into: Map<string, TemplateTally>, from: Iterable<[string, TemplateTally]>): void {
  for (const [template, tally] of from) {
    const seen = into.get(template);
    if (seen) {
      seen.count += tally.count;
      seen.lastLine = tally.lastLine;
    } else into.set(template, { ...tally });
  }
}

/** The top `n` by count; ties go to the earlier first line, then the template text. */
export function topTemplates<T extends TemplateTally>(tallies: Map<string, T>, n: number): [string, T][] {
  return [...tallies.entries()].sort((a, b) => b[1].count - a[1].count || a[1].firstLine - b[1].firstLine || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
}
