import { describe, expect, it } from 'vitest';
import type { ChunkRecordSpec, PatternSpec } from '../src/index.js';
import { LineSelection, createChunkCounter, createRecordPass, parseRecordFormat, parseWhere } from '../src/index.js';
import { createInsightFinder } from '../src/insight/chunk-insight.js';
import { type PlacedInsight, WINDOW_TOP_KEYS, assembleInsight } from '../src/insight/insight-report.js';

/*
 * Windows, per-window keys and top messages of the selected lines only (a run with a
 * record spec): the records pass marks the lines, the finder counts them. Checked against
 * a plain reading of generated JSON lines (JSON.parse, the `time` field), however the
 * lines are cut into chunks.
 */

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);

interface Line {
  text: string;
  fields: Record<string, unknown> | null;
  time?: number;
}

/** JSON lines over ~12 minutes, with what makes windows hard: lines without a time (first ones too), text lines, a late line. */
function generate(count: number, seed: number): Line[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const services = ['api', 'auth', 'billing', 'search', 'web'];
  const lines: Line[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const service = random() < 0.08 ? undefined : services[Math.floor(random() * services.length)];
    const duration = Math.floor(random() * 300);
    const msg = roll < 0.3 ? `ERROR upstream timed out after ${duration} ms` : `handled in ${duration} ms`;
    // ERROR outside the message too: --in msg must not see it.
    const detail = random() < 0.2 ? 'ERROR in a detail' : 'ok';
    if (i < 3 || random() < 0.08) {
      const fields = { service, duration_ms: duration, msg: `continued ${msg}`, detail };
      lines.push({ text: JSON.stringify(fields), fields });
    } else if (random() < 0.05) {
      lines.push({ text: `  at com.example.Worker.run ERROR trace ${i}`, fields: null });
    } else {
      const late = random() < 0.03 ? -90_000 : 0;
      const time = T0 + Math.floor((i / count) * 12 * MINUTE) + late;
      const fields = { time: new Date(time).toISOString(), service, duration_ms: duration, msg, detail };
      lines.push({ text: JSON.stringify(fields) + (i % 17 === 0 ? '\r' : ''), fields, time });
    }
  }
  return lines;
}

interface Case {
  name: string;
  spec: ChunkRecordSpec;
  patterns: PatternSpec[];
  selected: (line: Line) => boolean;
  /** Whether a selected line counts as matching pattern p. */
  matches: (line: Line, p: number) => boolean;
}

const json = parseRecordFormat('json');
const slow = (line: Line) => typeof line.fields?.duration_ms === 'number' && line.fields.duration_ms > 100;
const ERROR: PatternSpec = { pattern: 'ERROR', regex: false, ignoreCase: false };
const TIMED: PatternSpec = { pattern: 'time(d|out)', regex: true, ignoreCase: true };

const cases: Case[] = [
  {
    name: '--by service --where duration_ms>100 -p ERROR',
    spec: { format: json, by: ['service'], where: [parseWhere('duration_ms>100')], now: T0 },
    patterns: [ERROR],
    selected: slow,
    matches: (line) => line.text.includes('ERROR'),
  },
  {
    name: '--where duration_ms>100, a literal and a regex, no --by',
    spec: { format: json, where: [parseWhere('duration_ms>100')], now: T0 },
    patterns: [ERROR, TIMED],
    selected: slow,
    matches: (line, p) => (p === 0 ? line.text.includes('ERROR') : /time(d|out)/i.test(line.text)),
  },
  {
    name: '--by service --in msg --where duration_ms>100',
    spec: { format: json, by: ['service'], in: 'msg', where: [parseWhere('duration_ms>100')], now: T0 },
    patterns: [ERROR],
    selected: slow,
    matches: (line) => typeof line.fields?.msg === 'string' && line.fields.msg.includes('ERROR'),
  },
  {
    name: '--by service, every line selected',
    spec: { format: json, by: ['service'], now: T0 },
    patterns: [ERROR],
    selected: () => true,
    matches: (line) => line.text.includes('ERROR'),
  },
  {
    name: '--count-distinct only, every line selected (the pass leaves matching to the finder)',
    spec: { format: json, countDistinct: ['service'], now: T0 },
    patterns: [ERROR, TIMED],
    selected: () => true,
    matches: (line, p) => (p === 0 ? line.text.includes('ERROR') : /time(d|out)/i.test(line.text)),
  },
];

interface PlainBucket {
  lines: number;
  matches: number[];
  keys: Map<string, number[]>;
}

/** The plain reading: a line's window is its own time's, else that of the last line before it with a time. */
function plainWindows(lines: readonly Line[], c: Case) {
  const buckets = new Map<number, PlainBucket>();
  let untimed = 0;
  let window: number | undefined;
  for (const line of lines) {
    if (line.time !== undefined) window = Math.floor(line.time / MINUTE) * MINUTE;
    if (!c.selected(line)) continue;
    if (window === undefined) {
      untimed++;
      continue;
    }
    let bucket = buckets.get(window);
    if (!bucket) buckets.set(window, (bucket = { lines: 0, matches: c.patterns.map(() => 0), keys: new Map() }));
    bucket.lines++;
    const key = JSON.stringify((c.spec.by ?? []).map((field) => (line.fields?.[field] as string | undefined) ?? null));
    let row = bucket.keys.get(key);
    if (!row) bucket.keys.set(key, (row = c.patterns.map(() => 0).concat(0)));
    row[0]!++;
    c.patterns.forEach((_, p) => {
      if (c.matches(line, p)) {
        bucket.matches[p]!++;
        row[1 + p]!++;
      }
    });
  }
  const names = c.patterns.map((p) => p.pattern);
  const byName = (counts: number[]) => Object.fromEntries(names.map((name, p) => [name, counts[p]]));
  return {
    untimedLines: untimed,
    buckets: [...buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, bucket]) => ({
        start: new Date(start).toISOString(),
        lines: bucket.lines,
        matches: byName(bucket.matches),
        ...(c.spec.by
          ? {
              keys: [...bucket.keys.entries()]
                .sort(([a, x], [b, y]) => y[0]! - x[0]! || (a < b ? -1 : a > b ? 1 : 0))
                .slice(0, WINDOW_TOP_KEYS)
                .map(([key, [n, ...matches]]) => ({
                  key: JSON.parse(key) as unknown,
                  lines: n,
                  matches: byName(matches),
                })),
            }
          : {}),
      })),
  };
}

/** Cuts the lines into chunks and runs kernel → records pass → finder on each, as a worker thread does. */
function findAll(lines: readonly Line[], c: Case, cuts: readonly number[], top?: number) {
  const counter = createChunkCounter(c.patterns);
  const pass = createRecordPass(c.spec, c.patterns, counter);
  const find = createInsightFinder({ windowMs: MINUTE, templates: top !== undefined, now: T0 }, c.patterns, counter);
  const selection = new LineSelection();
  const bounds = [0, ...cuts, lines.length];
  const placed: PlacedInsight[] = [];
  const totals = c.patterns.map(() => 0);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const bytes = Buffer.from(
      lines
        .slice(bounds[i], bounds[i + 1])
        .map((line) => `${line.text}\n`)
        .join(''),
    );
    const counts = pass(bytes, counter(bytes), selection);
    counts.matches.forEach((m, p) => (totals[p]! += m.lines));
    const insight = find(
      bytes,
      bounds[i]! + 1,
      counts.lines,
      counts.matches.map((m) => m.lines),
      selection,
    );
    placed.push({ source: 0, seq: i, insight });
  }
  const names = c.patterns.map((p) => p.pattern);
  return {
    report: assembleInsight({ windowMs: MINUTE, now: T0, ...(top !== undefined ? { top } : {}) }, names, ['x'], placed),
    totals,
  };
}

function cutsOf(count: number, size: number, seed: number): number[] {
  const cuts: number[] = [];
  let state = seed;
  for (let at = 0; ;) {
    state = (state * 48271) % 2147483647;
    at += 1 + (state % size);
    if (at >= count) return cuts;
    cuts.push(at);
  }
}

describe('windows of the selected lines', () => {
  const lines = generate(1500, 7);

  for (const c of cases) {
    it(`${c.name}: windows and keys equal a plain reading, however the lines are cut`, () => {
      const expected = plainWindows(lines, c);
      expect(expected.buckets.length).toBeGreaterThan(10);
      expect(expected.untimedLines).toBeGreaterThan(0);
      for (const cuts of [[], cutsOf(lines.length, 3, 1), cutsOf(lines.length, 40, 2), cutsOf(lines.length, 400, 3)]) {
        const { report, totals } = findAll(lines, c, cuts);
        const { size: _size, ...windows } = report.windows!;
        expect(windows).toEqual(expected);
        // The windows add up to the chunks' own counts of selected lines.
        c.patterns.forEach((p, i) => {
          const inWindows = report.windows!.buckets.reduce((sum, bucket) => sum + bucket.matches[p.pattern]!, 0);
          const untimed = lines
            .slice(
              0,
              lines.findIndex((line) => line.time !== undefined),
            )
            .filter((line) => c.selected(line) && c.matches(line, i)).length;
          expect(untimed).toBeGreaterThanOrEqual(0);
          expect(inWindows + untimed).toBe(totals[i]);
        });
      }
    });
  }

  it('top messages are those of the selected matching lines', () => {
    const c = cases[0]!;
    const selected = lines.filter(c.selected);
    // The same templates as a run over the selected lines alone (every line selected), line numbers aside.
    const withSelection = findAll(lines, c, cutsOf(lines.length, 50, 4), 20).report.topMessages!.ERROR!;
    const expected = findAll(selected, { ...c, spec: { format: json, now: T0 } }, [], 20).report.topMessages!.ERROR!;
    const shape = (top: typeof expected) => top.map(({ template, count, example }) => ({ template, count, example }));
    expect(shape(withSelection)).toEqual(shape(expected));
    const matching = selected.filter((line) => c.matches(line, 0)).length;
    expect(withSelection.reduce((sum, m) => sum + m.count, 0)).toBe(matching);
    expect(matching).toBeLessThan(lines.filter((line) => c.matches(line, 0)).length);
  });
});
