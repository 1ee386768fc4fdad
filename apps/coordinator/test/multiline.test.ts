import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '@logcluster/core';
import { type Follower, clusterFlags, runCli, sleep, startFollow, startWorker, until } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followCluster } from './follow-cluster.js';

/*
 * --multiline: a Kafka broker's log with Java stack traces, counted as events by analyze,
 * by submit to two workers, and while it is written (follow), each against a plain
 * reading of the file in the test.
 */

const PREFIX = 't-multiline';
const cluster = followCluster(PREFIX, 'multiline-a');
const SAMPLE = fileURLToPath(new URL('../../../samples/kafka/server.log', import.meta.url));
/** Kafka's events start with `[yyyy-MM-dd`; so does every line log4j writes but a stack trace's. */
const STARTS = 'start:^\\[\\d{4}-';
/** The same events, said by their continuation lines: frames, causes, and the exception's own line. */
const CONTINUES = '^(\\t|Caused by:|[\\w.$]+(Exception|Error)\\b)';
const PATTERNS = ['ERROR', 'TimeoutException', 'No space left', 'SchemaException'];

/** The plain reading: events as the regex groups lines (the first line always starts one), each pattern looked for in their lines. */
function plainReading(text: string, multiline: string, patterns: readonly string[], invert = false) {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  const starts = multiline.startsWith('start:')
    ? (line: string) => new RegExp(multiline.slice('start:'.length), 'su').test(line)
    : (line: string) => !new RegExp(multiline, 'su').test(line);
  const events: string[][] = [];
  lines.forEach((line, i) => (i === 0 || starts(line) ? events.push([line]) : events.at(-1)!.push(line)));
  const has = (event: string[], pattern: string) => event.some((line) => line.includes(pattern));
  const counts = (pattern: string) => ({
    lines: lines.filter((line) => line.includes(pattern) !== invert).length,
    events: events.filter((event) => (invert ? event.every((line) => !line.includes(pattern)) : has(event, pattern)))
      .length,
  });
  return {
    lines: lines.length,
    events: events.length,
    matches: Object.fromEntries(patterns.map((pattern) => [pattern, counts(pattern)])),
    anyEvents: events.filter((event) =>
      invert
        ? event.every((line) => patterns.every((pattern) => !line.includes(pattern)))
        : patterns.some((pattern) => has(event, pattern)),
    ).length,
  };
}

/** What the report says of lines and events, in the plain reading's shape. */
function eventsOf(report: RunReport, at: RunReport['totals'] | RunReport['sources'][number] = report.totals) {
  return {
    lines: at.lines,
    events: at.events,
    matches: Object.fromEntries(
      Object.entries(at.matches).map(([pattern, count]) => [pattern, { lines: count.lines, events: count.events }]),
    ),
    anyEvents: at.any?.events,
  };
}

const patternFlags = PATTERNS.flatMap((pattern) => ['-p', pattern]);

/** The sample's events, as a plain reading splits them: each starts with `[yyyy-`. */
function sampleEvents(): string[] {
  return sample.replace(/\n$/, '').split(/\n(?=\[\d{4}-)/);
}

/** `submit --json` of the sample to the two workers, in 2 KiB chunks, with --multiline STARTS and `extra`. */
function submitSample(extra: string[]) {
  return runCli([
    'submit',
    ...clusterFlags(cluster.redis.url, PREFIX),
    '--json',
    '--chunk-size',
    '2KiB',
    '--multiline',
    STARTS,
    ...extra,
    SAMPLE,
  ]);
}
let sample: string;
let secondWorker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  sample = await readFile(SAMPLE, 'utf8');
  secondWorker = await startWorker(cluster.redis.url, PREFIX, 'multiline-b');
}, 60_000);

afterAll(async () => {
  await secondWorker?.stop('SIGKILL');
});

describe('--multiline', () => {
  it('the sample holds real stack traces: events are far fewer than lines, and some match only in a trace', () => {
    const plain = plainReading(sample, STARTS, PATTERNS);
    expect(plain.events).toBe(3000);
    expect(plain.lines).toBeGreaterThan(5000);
    // TimeoutException is never on an event's first line: only a per-event reading finds its events.
    expect(plain.matches.TimeoutException!.events).toBeGreaterThan(50);
    expect(plainReading(sample, CONTINUES, PATTERNS)).toEqual(plain);
  });

  for (const [mode, multiline] of [
    ['start:<regex>', STARTS],
    ['a continuation <regex>', CONTINUES],
  ] as const) {
    it(`analyze with ${mode}, in 4 KiB chunks and in one: events equal the plain reading`, async () => {
      for (const chunking of [['--chunk-size', '4KiB'], []]) {
        const result = await runCli([
          'analyze',
          '--json',
          '--multiline',
          multiline,
          ...chunking,
          ...patternFlags,
          SAMPLE,
        ]);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const report = JSON.parse(result.stdout) as RunReport;
        expect(eventsOf(report)).toEqual(plainReading(sample, multiline, PATTERNS));
        expect(eventsOf(report, report.sources[0])).toEqual(eventsOf(report));
        if (chunking.length > 0) expect(report.totals.chunks).toBeGreaterThan(100);
      }
    });
  }

  it('submit to two workers, with -v too: every chunk cut where an event starts, events exact', async () => {
    for (const invert of [false, true]) {
      const result = await submitSample([...(invert ? ['-v'] : []), ...patternFlags]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(Object.keys(report.workers).sort()).toEqual(['multiline-a', 'multiline-b']);
      expect(eventsOf(report)).toEqual(plainReading(sample, STARTS, PATTERNS, invert));
    }
  });

  it("--window and --top count events: each in the window of its first line, templates of matching events' first lines", async () => {
    const result = await runCli([
      'analyze',
      '--json',
      '--chunk-size',
      '4KiB',
      '--multiline',
      STARTS,
      '--window',
      '5m',
      '--top',
      '50',
      ...patternFlags,
      SAMPLE,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    // The plain reading: each event's time is its first line's ([yyyy-MM-dd HH:mm:ss,SSS], UTC).
    const events = sampleEvents();
    const expected = new Map<string, { events: number; matchingEvents: Record<string, number> }>();
    for (const event of events) {
      const [, date, time, ms] = /^\[(\S+) (\S+),(\d+)\]/.exec(event)!;
      const at = Date.parse(`${date}T${time}.${ms}Z`);
      const start = new Date(Math.floor(at / 300_000) * 300_000).toISOString();
      const bucket = expected.get(start) ?? {
        events: 0,
        matchingEvents: Object.fromEntries(PATTERNS.map((p) => [p, 0])),
      };
      bucket.events++;
      for (const pattern of PATTERNS) if (event.includes(pattern)) bucket.matchingEvents[pattern]!++;
      expected.set(start, bucket);
    }
    expect(report.windows!.untimedEvents).toBe(0);
    expect(
      report.windows!.buckets.map(({ start, events: count, matchingEvents }) => [
        start,
        { events: count, matchingEvents },
      ]),
    ).toEqual([...expected.entries()].sort((a, b) => a[0].localeCompare(b[0])));
    // Every matching event is one message, found at an event's first line.
    const plain = plainReading(sample, STARTS, PATTERNS);
    const firstLines = new Set<number>();
    let line = 1;
    for (const event of events) {
      firstLines.add(line);
      line += event.split('\n').length;
    }
    for (const pattern of PATTERNS) {
      const top = report.topMessages![pattern]!;
      expect(top.reduce((sum, message) => sum + message.count, 0)).toBe(plain.matches[pattern]!.events);
      for (const message of top) {
        expect(message.example).toMatch(/^\[\d{4}-/);
        expect(firstLines.has(message.firstLine!) && firstLines.has(message.lastLine!)).toBe(true);
      }
    }
    // TimeoutException is in traces only: its messages are the WARN lines that start those events.
    expect(report.topMessages!.TimeoutException!.map((message) => message.template)).toEqual([
      '[<ts>] WARN [Controller id=<num>] Timed out waiting for ZooKeeper session; retrying (kafka.controller.KafkaController)',
    ]);
  });

  it("--by counts each key's events by their first line, and --where selects events by it: two workers, 2 KiB chunks", async () => {
    const level = (line: string) => /^\[[^\]]+\] (?<level>[A-Z]+)/.exec(line)?.groups?.level ?? null;
    const extract = ['--extract', '^\\[[^\\]]+\\] (?<level>[A-Z]+)'];
    const patterns = ['TimeoutException', 'ERROR'];
    const events = sampleEvents();
    const lines = events.flatMap((event) => event.split('\n'));
    const submit = (extra: string[]) =>
      submitSample([...extract, ...patterns.flatMap((pattern) => ['-p', pattern]), ...extra]);
    const byLevel = await submit(['--by', 'level']);
    expect(byLevel.code).toBe(0);
    const report = JSON.parse(byLevel.stdout) as RunReport;
    expect(Object.keys(report.workers).sort()).toEqual(['multiline-a', 'multiline-b']);
    const keys = [...new Set(lines.map(level))];
    const expected = keys.map((key) => {
      const keyed = events.filter((event) => level(event) === key);
      return {
        key: [key],
        lines: lines.filter((line) => level(line) === key).length,
        events: keyed.length,
        matches: Object.fromEntries(
          patterns.map((pattern) => [
            pattern,
            {
              lines: lines.filter((line) => level(line) === key && line.includes(pattern)).length,
              events: keyed.filter((event) => event.includes(pattern)).length,
            },
          ]),
        ),
      };
    });
    const rows = report.groups!.keys.map(({ key, lines: count, events: eventCount, matches }) => ({
      key,
      lines: count,
      events: eventCount,
      matches: Object.fromEntries(
        Object.entries(matches).map(([pattern, found]) => [pattern, { lines: found.lines, events: found.events }]),
      ),
    }));
    const byKey = (a: { key: (string | null)[] }, b: { key: (string | null)[] }) =>
      JSON.stringify(a.key).localeCompare(JSON.stringify(b.key));
    expect(rows.sort(byKey)).toEqual(expected.sort(byKey));
    // Only WARN events hold a TimeoutException (in their traces, whose lines have no level).
    expect(rows.find((row) => row.key[0] === 'WARN')!.matches.TimeoutException!.events).toBe(
      plainReading(sample, STARTS, ['TimeoutException']).matches.TimeoutException!.events,
    );

    const warnings = JSON.parse((await submit(['--where', 'level=WARN'])).stdout) as RunReport;
    const warned = events.filter((event) => level(event) === 'WARN');
    expect(warnings.totals.events).toBe(events.length);
    expect(warnings.totals.selectedEvents).toBe(warned.length);
    expect(warnings.totals.matches.TimeoutException!.events).toBe(
      warned.filter((event) => event.includes('TimeoutException')).length,
    );
    expect(warnings.totals.matches.ERROR!.events).toBe(0);
  });

  it('the human report and --format csv show events beside lines', async () => {
    const human = await runCli(['analyze', '--multiline', STARTS, '-p', 'TimeoutException', SAMPLE]);
    expect(human.code).toBe(0);
    const plain = plainReading(sample, STARTS, ['TimeoutException']);
    expect(human.stdout).toContain(`${plain.lines} lines, 3000 events`);
    expect(human.stdout).toMatch(/LINES\s+EVENTS\s+PATTERN\s+MATCHING LINES\s+MATCHING EVENTS\s+OCCURRENCES/);
    const csv = await runCli(['analyze', '--format', 'csv', '--multiline', STARTS, '-p', 'TimeoutException', SAMPLE]);
    const [header, row] = csv.stdout.trim().split('\n');
    expect(header).toBe('source,lines,bytes,pattern,matching_lines,occurrences,events,matching_events');
    expect(row!.split(',').slice(-2)).toEqual(['3000', String(plain.matches.TimeoutException!.events)]);
    const keyed = await runCli([
      'analyze',
      '--format',
      'csv',
      '--multiline',
      STARTS,
      '--extract',
      '^\\[[^\\]]+\\] (?<level>[A-Z]+)',
      '--by',
      'level',
      '-p',
      'TimeoutException',
      SAMPLE,
    ]);
    const table = keyed.stdout.trim().split('\n');
    expect(table[0]).toBe('row,level,lines,pattern,matching_lines,occurrences,events,matching_events');
    expect(
      table
        .find((line) => line.startsWith('key,WARN,'))!
        .split(',')
        .at(-1),
    ).toBe(String(plain.matches.TimeoutException!.events));
  });

  it('refuses a regex that does not compile, and an empty one', async () => {
    for (const [args, message] of [
      [['--multiline', 'start:^[('], /--multiline: invalid regular expression/],
      [['--multiline', 'start:'], /the regex is empty/],
    ] as const) {
      const result = await runCli(['analyze', ...args, SAMPLE]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('follows a log whose traces end a while after they start: the final events equal the plain reading', async () => {
    const path = join(cluster.dir, 'server.log');
    await writeFile(path, '');
    // Each of these is only on the last line of a trace.
    const lastLines = ['more', 'ShutdownableThread', 'flushDirtyLogs'];
    // A flush interval well above the pause inside an event: an event's lines are all in before it is sent.
    const follower: Follower = startFollow(clusterFlags(cluster.redis.url, PREFIX), path, [
      '--multiline',
      STARTS,
      '--flush-interval',
      '400',
      ...lastLines.flatMap((pattern) => ['-p', pattern]),
    ]);
    const runId = await follower.runId;
    // 30 of the sample's events with a trace, each written but its last line, which comes
    // 150 ms later: a flush falls inside most of them, and must hold the event back.
    const events = sample
      .split(/\n(?=\[\d{4}-)/)
      .filter((event) => event.split('\n').length >= 3)
      .slice(0, 30);
    for (const event of events) {
      const lines = `${event}\n`.split(/(?<=\n)/);
      await appendFile(path, lines.slice(0, -1).join(''));
      await sleep(150);
      await appendFile(path, lines.at(-1)!);
    }
    const written = await readFile(path, 'utf8');
    const plain = plainReading(written, STARTS, lastLines);
    expect(plain.events).toBe(30);
    // Live: every event is counted once the file has been quiet for a flush interval.
    await until(
      () => `run ${runId} to count ${plain.events} events`,
      async () => {
        const result = await runCli(['report', ...clusterFlags(cluster.redis.url, PREFIX), '--json', runId]);
        const report = JSON.parse(result.stdout) as RunReport;
        return report.totals.events === plain.events && report.totals.chunksDone === report.totals.chunks;
      },
      { timeoutMs: 30_000, everyMs: 200 },
    );
    follower.child.kill('SIGINT');
    expect(await follower.exited).toBe(0);
    const report = JSON.parse(follower.stdout()) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.totals.chunks).toBeGreaterThan(3);
    expect(eventsOf(report)).toEqual(plain);
  });
});
