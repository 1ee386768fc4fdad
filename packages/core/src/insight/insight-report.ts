import type { ChunkInsight, TemplateTally, WindowKeyCount } from '../contract/chunk-findings.js';
import { DEFAULT_SPIKE_RULE, type RunInsightSpec, type SpikeRule } from '../contract/insight-spec.js';
import { mergeTallies, topTemplates } from './message-template.js';
import { formatWindowSize } from './timestamps.js';

/** Keys shown per window (`windows.buckets[].keys`, with `--by`): the window's busiest. */
export const WINDOW_TOP_KEYS = 10;

/**
 * `windows` of the JSON report. In a run with a record spec (`--where`, `--since`/`--until`,
 * `--schema`, `--by`…), every figure here (`lines`, `matches`, `untimedLines`, `keys`) counts
 * the selected lines only, as `totals.matches` does; a selected line without a timestamp
 * still counts in the window of the last line before it with one, selected or not.
 */
export interface WindowsReport {
  size: string;
  untimedLines: number;
  /** With `--multiline`: events whose first line comes before any timestamp. */
  untimedEvents?: number;
  buckets: WindowBucket[];
  /** Present when some timestamps had no year (syslog, Android, Proxifier): the years given them, and why. */
  yearAssumed?: YearAssumed;
  /** Present when no line had a timestamp: the first line read, to write a `--time-format` for. */
  untimedExample?: { source: string; line: number | null; text: string };
}

/** One window of `windows.buckets`: its lines and each pattern's matching lines. */
export interface WindowBucket {
  start: string;
  lines: number;
  matches: Record<string, number>;
  /**
   * With `--by`: the window's top keys (at most WINDOW_TOP_KEYS) by lines, then by the
   * JSON text of the key; exact, whatever the chunks. A missing field is null in `key`.
   */
  keys?: WindowKey[];
  /** With `--multiline`: the events whose first line is in the window, and per pattern those it matches. */
  events?: number;
  matchingEvents?: Record<string, number>;
}

/** One key of a window: its selected lines there, and each pattern's matching lines among them. */
export interface WindowKey {
  key: (string | null)[];
  lines: number;
  matches: Record<string, number>;
}

/** `windows.yearAssumed`: which years timestamps without one were given, how many, and by what rule. */
export interface YearAssumed {
  /** Ascending; two around New Year (Dec 31 read on Jan 1 is last year's). */
  years: number[];
  /** Lines whose own timestamp had no year. */
  lines: number;
  /** When the run was submitted: the years are chosen from it, the same on every worker. */
  submittedAt: string;
  rule: string;
}

/** What `yearAssumed.rule` says: the rule of `createTimestampParser`. */
export const YEAR_RULE =
  'a timestamp without a year is given the year the run was submitted, or the year before when that would put it more than a day after the submission (as syslog readers do)';

/** One entry of `spikes`: a window whose count of a pattern's lines jumped. */
export interface SpikeReport {
  start: string;
  pattern: string;
  count: number;
  /** The average count of the windows before it. */
  baseline: number;
}

/** One entry of `topMessages[pattern]`. */
export interface TopMessage {
  template: string;
  count: number;
  example: string;
  /** The source where the template first appears; `firstLine`/`lastLine` are its lines there (null if unknown). */
  source: string;
  firstLine: number | null;
  lastLine: number | null;
}

export interface InsightReport {
  /** Per-window counts (`--window`). */
  windows?: WindowsReport;
  /** Windows whose count jumped (`--window`); with a record spec, of selected lines. */
  spikes?: SpikeReport[];
  /** The most frequent message templates per pattern (`--top`); with a record spec, of selected lines. */
  topMessages?: Record<string, TopMessage[]>;
  /** Matching lines left out of `topMessages` because a chunk held too many distinct templates; only when some were. */
  ungroupedLines?: Record<string, number>;
}

/** A chunk's insight with where it sits, as the run keeps it. */
export interface PlacedInsight {
  source: number;
  seq: number;
  insight: ChunkInsight;
}

/**
 * Merges the chunks' findings in line order: per-window counts (a chunk's lines before its
 * first timestamp go to the window of the line before the chunk), spikes, and the top
 * message templates per pattern. `deadLines(source, seq)` gives a dead-lettered chunk's
 * line count, if known, to keep line numbers right past it.
 */
export function assembleInsight(
  spec: RunInsightSpec,
  patterns: readonly string[],
  sources: readonly string[],
  chunks: readonly PlacedInsight[],
  deadLines: (source: number, seq: number) => number | null = () => null,
): InsightReport {
  const ordered = [...chunks].sort((a, b) => a.source - b.source || a.seq - b.seq);
  const report: InsightReport = {};
  if (spec.windowMs !== undefined) {
    report.windows = mergeWindows(spec.windowMs, spec.now, patterns, sources, ordered);
    report.spikes = findSpikes(report.windows, spec.windowMs, patterns, spec.spikes ?? DEFAULT_SPIKE_RULE);
  }
  if (spec.top !== undefined) Object.assign(report, mergeTemplates(spec.top, patterns, sources, ordered, deadLines));
  return report;
}

function mergeWindows(
  windowMs: number,
  now: number,
  patterns: readonly string[],
  sources: readonly string[],
  ordered: readonly PlacedInsight[],
): WindowsReport {
  const buckets = new Map<
    number,
    { lines: number; matches: number[]; keys: Map<string, number[]>; events: number[] }
  >();
  const bucket = (start: number) => {
    let found = buckets.get(start);
    if (!found)
      buckets.set(
        start,
        (found = {
          lines: 0,
          matches: new Array<number>(patterns.length).fill(0),
          keys: new Map(),
          events: new Array<number>(1 + patterns.length).fill(0),
        }),
      );
    return found;
  };
  // With --multiline (the chunks then count events per window): [events, then per pattern], added up.
  let withEvents = false;
  const untimedEvents = new Array<number>(1 + patterns.length).fill(0);
  const addEvents = (into: number[], counts: readonly number[]) => counts.forEach((n, i) => (into[i]! += n));
  // With --by (the chunks then list their keys), every window's count of every key, added up.
  let keyed = false;
  const addKeys = (into: Map<string, number[]>, texts: readonly string[], counts: readonly WindowKeyCount[]) => {
    for (const [index, ...row] of counts) {
      const key = texts[index!]!;
      const sum = into.get(key);
      if (sum) row.forEach((n, i) => (sum[i]! += n));
      else into.set(key, row);
    }
  };
  let untimedLines = 0;
  let source = -1;
  let previous: number | null = null;
  const yearAssumed = new Map<number, number>();
  let untimedExample: WindowsReport['untimedExample'];
  for (const { source: s, seq, insight } of ordered) {
    const windows = insight.windows;
    if (!windows) continue;
    for (const [year, lines] of windows.yearAssumed ?? []) yearAssumed.set(year, (yearAssumed.get(year) ?? 0) + lines);
    if (untimedExample === undefined && windows.lead.example !== undefined) {
      untimedExample = {
        source: sources[s] ?? String(s),
        line: insight.firstLine ?? (seq === 0 ? 1 : null),
        text: windows.lead.example,
      };
    }
    if (s !== source) {
      source = s;
      previous = null;
    }
    const texts = windows.keys ?? [];
    if (windows.keys) keyed = true;
    if (windows.lead.lines > 0) {
      if (previous === null) untimedLines += windows.lead.lines;
      else {
        const into = bucket(previous);
        into.lines += windows.lead.lines;
        windows.lead.matches.forEach((count, i) => (into.matches[i]! += count));
        if (windows.lead.keys) addKeys(into.keys, texts, windows.lead.keys);
      }
    }
    for (const [start, lines, matches, keys] of windows.buckets) {
      const into = bucket(start);
      into.lines += lines;
      matches.forEach((count, i) => (into.matches[i]! += count));
      if (keys) addKeys(into.keys, texts, keys);
    }
    if (windows.events) {
      withEvents = true;
      // Events before the chunk's first timestamp go where its lines before it go.
      if (windows.events.lead[0]! > 0)
        addEvents(previous === null ? untimedEvents : bucket(previous).events, windows.events.lead);
      for (const [start, counts] of windows.events.buckets) addEvents(bucket(start).events, counts);
    }
    if (windows.last !== null) previous = windows.last;
  }
  const years = [...yearAssumed.keys()].sort((a, b) => a - b);
  return {
    size: formatWindowSize(windowMs),
    untimedLines,
    ...(withEvents ? { untimedEvents: untimedEvents[0]! } : {}),
    buckets: [...buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, { lines, matches, keys, events }]) => ({
        start: new Date(start).toISOString(),
        lines,
        matches: byPattern(patterns, matches),
        ...(keyed ? { keys: topKeys(keys, patterns) } : {}),
        ...(withEvents ? { events: events[0]!, matchingEvents: byPattern(patterns, events.slice(1)) } : {}),
      })),
    ...(years.length > 0
      ? {
          yearAssumed: {
            years,
            lines: years.reduce((total, year) => total + yearAssumed.get(year)!, 0),
            submittedAt: new Date(now).toISOString(),
            rule: YEAR_RULE,
          },
        }
      : {}),
    // Only when no line had a timestamp: then it says what the lines look like.
    ...(buckets.size === 0 && untimedExample !== undefined ? { untimedExample } : {}),
  };
}

/**
 * Windows where a pattern's count exceeds `factor` × the average over the `history`
 * windows before it (windows without lines count as 0), and is at least `minCount`. A
 * window needs at least min(3, history) windows before it to be judged.
 */
export function findSpikes(
  windows: WindowsReport,
  windowMs: number,
  patterns: readonly string[],
  rule: SpikeRule,
): SpikeReport[] {
  if (windows.buckets.length === 0) return [];
  const byStart = new Map(windows.buckets.map((bucket) => [Date.parse(bucket.start), bucket]));
  const first = Date.parse(windows.buckets[0]!.start);
  const last = Date.parse(windows.buckets[windows.buckets.length - 1]!.start);
  const spikes: SpikeReport[] = [];
  const needed = Math.min(3, rule.history);
  patterns.forEach((pattern) => {
    const history: number[] = [];
    for (let start = first; start <= last; start += windowMs) {
      const count = byStart.get(start)?.matches[pattern] ?? 0;
      if (history.length >= needed) {
        const baseline = history.reduce((total, n) => total + n, 0) / history.length;
        if (count >= rule.minCount && count > rule.factor * baseline) {
          spikes.push({
            start: new Date(start).toISOString(),
            pattern,
            count,
            baseline: Math.round(baseline * 1000) / 1000,
          });
        }
      }
      history.push(count);
      if (history.length > rule.history) history.shift();
    }
  });
  return spikes.sort(
    (a, b) => a.start.localeCompare(b.start) || patterns.indexOf(a.pattern) - patterns.indexOf(b.pattern),
  );
}

function mergeTemplates(
  top: number,
  patterns: readonly string[],
  sources: readonly string[],
  ordered: readonly PlacedInsight[],
  deadLines: (source: number, seq: number) => number | null,
): Pick<InsightReport, 'topMessages' | 'ungroupedLines'> {
  // Per pattern and source, in line order, with line numbers made absolute.
  const merged = patterns.map(() => new Map<number, Map<string, TemplateTally>>());
  const ungrouped = new Array<number>(patterns.length).fill(0);
  let source = -1;
  let nextSeq = 0;
  let nextLine: number | null = 1;
  for (const { source: s, seq, insight } of ordered) {
    if (s !== source) {
      source = s;
      nextSeq = 0;
      nextLine = 1;
    }
    // Chunks between the last one seen and this one (dead-lettered, or not counted yet).
    for (; nextSeq < seq; nextSeq++) {
      const lines = deadLines(s, nextSeq);
      nextLine = nextLine === null || lines === null ? null : nextLine + lines;
    }
    const firstLine: number | null = insight.firstLine ?? nextLine;
    nextLine = firstLine === null ? null : firstLine + insight.lines;
    nextSeq = seq + 1;
    insight.templates?.forEach(({ tallies, overflow }, p) => {
      ungrouped[p]! += overflow;
      const perSource = merged[p]!;
      let into = perSource.get(s);
      if (!into) perSource.set(s, (into = new Map<string, TemplateTally>()));
      mergeTallies(
        into,
        tallies.map(([template, tally]) => [
          template,
          {
            ...tally,
            firstLine: firstLine === null ? Number.NaN : firstLine - 1 + tally.firstLine,
            lastLine: firstLine === null ? Number.NaN : firstLine - 1 + tally.lastLine,
          },
        ]),
      );
    });
  }
  const topMessages: Record<string, TopMessage[]> = {};
  patterns.forEach((pattern, p) => {
    // Across sources: counts add up; the first source a template appears in names it.
    const all = new Map<string, TemplateTally>();
    const sourceOf = new Map<string, number>();
    for (const [s, tallies] of [...merged[p]!.entries()].sort((a, b) => a[0] - b[0])) {
      for (const [template, tally] of tallies) {
        const seen = all.get(template);
        if (seen) seen.count += tally.count;
        else {
          all.set(template, { ...tally });
          sourceOf.set(template, s);
        }
      }
    }
    topMessages[pattern] = topTemplates(all, top).map(([template, tally]) => {
      const s = sourceOf.get(template)!;
      return {
        template,
        count: tally.count,
        example: tally.example,
        source: sources[s] ?? String(s),
        firstLine: Number.isNaN(tally.firstLine) ? null : tally.firstLine,
        lastLine: Number.isNaN(tally.lastLine) ? null : tally.lastLine,
      };
    });
  });
  return {
    topMessages,
    ...(ungrouped.some((n) => n > 0) ? { ungroupedLines: byPattern(patterns, ungrouped) } : {}),
  };
}

/** A window's WINDOW_TOP_KEYS busiest keys: by lines, then by key text (as the groups table orders them). */
function topKeys(keys: Map<string, number[]>, patterns: readonly string[]): WindowKey[] {
  return [...keys.entries()]
    .sort(([a, x], [b, y]) => y[0]! - x[0]! || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, WINDOW_TOP_KEYS)
    .map(([key, [lines, ...matches]]) => ({
      key: JSON.parse(key) as (string | null)[],
      lines: lines!,
      matches: byPattern(patterns, matches),
    }));
}

function byPattern(patterns: readonly string[], counts: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  patterns.forEach((pattern, i) =>
    Object.defineProperty(out, pattern, {
      value: counts[i] ?? 0,
      enumerable: true,
      writable: true,
      configurable: true,
    }),
  );
  return out;
}
