import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunReport, messageTemplate } from '@logcluster/core';
import { type TestRedis, grepCounts, runCli, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Windows, spikes and top messages on a realistic service log: log4j timestamps, stack
 * traces without timestamps, a header before the first timestamp, some out-of-order
 * lines and CRLF, and an ERROR storm in one minute. The log is cut into many small
 * chunks, and every figure is checked against a plain reading of the file here.
 */

const MINUTE = 60_000;
let dir: string;
let log: string;
let text: string;
const STORM_MINUTE = 25;
const START = Date.UTC(2024, 2, 5, 14, 0, 0);

/** A seeded generator, so that the log is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function stamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

function serviceLog(): string {
  const next = random(7);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const lines = ['# orders-service log', '# started by systemd'];
  let at = START;
  while (at < START + 40 * MINUTE) {
    at += Math.floor(next() * 900);
    const storm = Math.floor((at - START) / MINUTE) === STORM_MINUTE;
    // Now and then a line written late, with a timestamp from half a minute before.
    const when = next() < 0.01 ? at - 30_000 : at;
    const roll = next();
    const eol = next() < 0.05 ? '\r' : '';
    if (roll < (storm ? 0.6 : 0.04)) {
      const message = pick([
        `Connection to 10.0.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}:5432 refused after ${Math.floor(next() * 5000)} ms`,
        `Order ${Math.floor(next() * 1e6)} failed: payment declined for user "${pick(['alice', 'bob', 'carol'])}"`,
        `Timeout calling /api/v1/inventory/${Math.floor(next() * 9999)} after 30s`,
        `Unexpected null in request 7f3a${Math.floor(next() * 0xffffff)
          .toString(16)
          .padStart(6, '0')}c2e1`,
      ]);
      lines.push(
        `${stamp(when)} ERROR [http-nio-8080-exec-${Math.floor(next() * 20)}] c.e.orders.OrderService - ${message}${eol}`,
      );
      if (next() < 0.3)
        lines.push(
          'java.lang.IllegalStateException: ERROR state',
          '\tat com.example.orders.OrderService.place(OrderService.java:142)',
        );
    } else if (roll < 0.15) {
      lines.push(
        `${stamp(when)} WARN  [scheduler-1] c.e.orders.Retry - retrying order ${Math.floor(next() * 1e6)} (attempt ${1 + Math.floor(next() * 3)})${eol}`,
      );
    } else {
      lines.push(
        `${stamp(when)} INFO  [http-nio-8080-exec-${Math.floor(next() * 20)}] c.e.orders.OrderService - order ${Math.floor(next() * 1e6)} placed in ${Math.floor(next() * 300)} ms${eol}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-insight-'));
  log = join(dir, 'orders.log');
  text = serviceLog();
  await writeFile(log, text);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The file read plainly: each line's window (a line without a timestamp: the previous line's). */
function reference(patterns: string[]) {
  const lines = text.split('\n').slice(0, -1);
  const buckets = new Map<number, { lines: number; matches: Record<string, number> }>();
  let untimedLines = 0;
  let current: number | null = null;
  const tallies = new Map<string, Map<string, { count: number; example: string; firstLine: number; lastLine: number }>>(
    patterns.map((p) => [p, new Map()]),
  );
  lines.forEach((line, i) => {
    const found = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3})/.exec(line);
    if (found) {
      const [y, mo, d, h, mi, s, ms] = found.slice(1).map(Number);
      current = Math.floor(Date.UTC(y!, mo! - 1, d, h, mi, s, ms) / MINUTE) * MINUTE;
    }
    const matched = patterns.filter((p) => line.includes(p));
    if (current === null) untimedLines++;
    else {
      const bucket = buckets.get(current) ?? { lines: 0, matches: Object.fromEntries(patterns.map((p) => [p, 0])) };
      bucket.lines++;
      for (const p of matched) bucket.matches[p]!++;
      buckets.set(current, bucket);
    }
    for (const p of matched) {
      const template = messageTemplate(line);
      const seen = tallies.get(p)!.get(template);
      if (seen) {
        seen.count++;
        seen.lastLine = i + 1;
      } else
        tallies
          .get(p)!
          .set(template, { count: 1, example: line.replace(/\r$/, ''), firstLine: i + 1, lastLine: i + 1 });
    }
  });
  return { buckets, untimedLines, tallies };
}

async function analyze(args: string[]): Promise<RunReport> {
  const result = await runCli(['analyze', '--json', '--chunk-size', '8KiB', ...args, log]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

describe('windows, spikes and top messages', () => {
  it('counts lines and matches per minute exactly, across chunks, with untimed and out-of-order lines', async () => {
    const report = await analyze(['--window', '1m', '-p', 'ERROR', '-p', 'WARN']);
    expect(report.totals.chunks).toBeGreaterThan(50);
    const expected = reference(['ERROR', 'WARN']);
    expect(report.windows!.size).toBe('1m');
    expect(report.windows!.untimedLines).toBe(2);
    expect(report.windows!.buckets).toEqual(
      [...expected.buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([start, bucket]) => ({ start: new Date(start).toISOString(), ...bucket })),
    );
    // Every line and every matching line is in exactly one window (or untimed).
    const inWindows = report.windows!.buckets.reduce((sum, bucket) => sum + bucket.lines, 0);
    expect(inWindows + report.windows!.untimedLines).toBe(report.totals.lines);
    expect(report.windows!.buckets.reduce((sum, bucket) => sum + bucket.matches.ERROR!, 0)).toBe(
      grepCounts(log, { pattern: 'ERROR' }).lines,
    );
  });

  it('flags the ERROR storm as a spike, and nothing else', async () => {
    const report = await analyze(['--window', '1m']);
    const stormStart = new Date(START + STORM_MINUTE * MINUTE).toISOString();
    expect(report.spikes!.map((spike) => [spike.start, spike.pattern])).toEqual([[stormStart, 'ERROR']]);
    const storm = report.windows!.buckets.find((bucket) => bucket.start === stormStart)!;
    expect(report.spikes![0]!.count).toBe(storm.matches.ERROR);
    expect(report.spikes![0]!.baseline).toBeLessThan(storm.matches.ERROR! / 3);
    // A higher factor than the storm reaches flags nothing.
    const strict = await analyze(['--window', '1m', '--spike-factor', '1000']);
    expect(strict.spikes).toEqual([]);
  });

  it('groups matching lines into templates, with exact counts, first and last lines and an example', async () => {
    const report = await analyze(['--top', '3', '-p', 'ERROR']);
    const expected = [...reference(['ERROR']).tallies.get('ERROR')!.entries()]
      .sort((a, b) => b[1].count - a[1].count || a[1].firstLine - b[1].firstLine || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([template, tally]) => ({ template, ...tally, source: log }));
    expect(report.topMessages!.ERROR).toEqual(expected);
    expect(report.windows).toBeUndefined();
    // The four kinds of error message each group as one template, whatever their ids, IPs and numbers.
    expect(expected[0]!.count).toBeGreaterThan(20);
  });

  it('shows a histogram, the spikes and the top messages in the human report', async () => {
    const result = await runCli(['analyze', '--chunk-size', '8KiB', '--window', '1m', '--top', '2', log]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /windows of 1m \(2 lines before any timestamp\); █ lines, ▓ ERROR:\n {2}2024-03-05 14:00Z /,
    );
    expect(result.stdout).toMatch(/spikes \(1\):\n {2}2024-03-05 14:25:00Z {2}ERROR: \d+ lines/);
    expect(result.stdout).toMatch(/top messages for ERROR:\n +\d+ {2}.*ERROR/);
  });

  it('refuses a bad --window or --time-format before anything runs (exit 2)', async () => {
    for (const args of [
      ['--window', '0s'],
      ['--window', 'soon'],
      ['--time-format', '%Y'],
      ['--window', '1m', '--time-format', '%H'],
      ['--hide-zero'],
      ['--top', '3', '--hide-zero'],
    ]) {
      const result = await runCli(['analyze', ...args, log]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/--window|--time-format|--hide-zero needs --window/);
    }
    // A number without a unit is no window size (it was read as 1 ms windows).
    const bare = await runCli(['analyze', '--window', '1', log]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(
      '--window needs a unit: "1" is 1 of what? Write 1s, 1m or 1h (units: ms, s, m, h, d)',
    );
    expect(bare.stdout).toBe('');
  });
});

describe('timestamps of real logs', () => {
  async function logFile(name: string, lines: string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `${lines.join('\n')}\n`);
    return path;
  }

  it('keeps the year written in the line (Apache error log): windows are in 2005, not this year', async () => {
    const path = await logFile('apache-error.log', [
      '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
      '[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6',
      '[Sun Dec 04 04:51:08 2005] [notice] jk2_init() Found child 6725 in scoreboard slot 10',
      '[Sun Dec 04 05:15:09 2005] [error] [client 222.166.160.184] Directory index forbidden by rule: /var/www/html/',
    ]);
    const result = await runCli(['analyze', '--json', '--window', '1h', '-p', 'error', path]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.windows).toEqual({
      size: '1h',
      untimedLines: 0,
      buckets: [
        { start: '2005-12-04T04:00:00.000Z', lines: 3, matches: { error: 1 } },
        { start: '2005-12-04T05:00:00.000Z', lines: 1, matches: { error: 1 } },
      ],
    });
  });

  it('says which year it gave timestamps without one, in the JSON and the human report', async () => {
    const path = await logFile('openssh.log', [
      'Jan  1 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!',
      'Jan  1 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186',
      'Jan  1 07:02:47 LabSZ sshd[24203]: Connection closed by 212.47.254.145 [preauth]',
    ]);
    const before = Date.now();
    const result = await runCli(['analyze', '--json', '--window', '1h', '-p', 'Invalid', path]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    // Jan 1 is never more than a day after now: it is this year's.
    const year = new Date(before).getUTCFullYear();
    const { submittedAt, ...assumed } = report.windows!.yearAssumed!;
    expect(assumed).toEqual({
      years: [year],
      lines: 3,
      rule: 'a timestamp without a year is given the year the run was submitted, or the year before when that would put it more than a day after the submission (as syslog readers do)',
    });
    expect(Date.parse(submittedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(submittedAt)).toBeLessThanOrEqual(Date.parse(report.startedAt));
    expect(report.windows!.buckets).toEqual([
      { start: `${year}-01-01T06:00:00.000Z`, lines: 2, matches: { Invalid: 1 } },
      { start: `${year}-01-01T07:00:00.000Z`, lines: 1, matches: { Invalid: 0 } },
    ]);

    const human = await runCli(['analyze', '--window', '1h', '-p', 'Invalid', path]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      `\n  no year in 3 timestamps: read as ${year}, the year the run was submitted (syslog's rule: a date more than a day after the submission would be the year before)\n`,
    );
  });

  it('shows the first line and suggests --time-format when no line has a timestamp', async () => {
    const path = await logFile('custom.log', [
      'ts=18.10.2015-18:06 level=info msg=started',
      'ts=18.10.2015-18:07 level=error msg=ERROR',
      'ts=18.10.2015-18:08 level=info msg=done',
    ]);
    const json = await runCli(['analyze', '--json', '--window', '1m', path]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as RunReport).windows).toEqual({
      size: '1m',
      untimedLines: 3,
      buckets: [],
      untimedExample: { source: path, line: 1, text: 'ts=18.10.2015-18:06 level=info msg=started' },
    });
    const human = await runCli(['analyze', '--window', '1m', path]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      [
        '',
        'windows of 1m: no timestamp found in any of the 3 lines. The first line:',
        `  ts=18.10.2015-18:06 level=info msg=started  (${path}:1)`,
        "  If it has a time, give its format with --time-format, e.g. --time-format '%d/%m/%Y %H:%M:%S' (fields: %Y %y %m %d %e %b %H %M %S %f %z %s)",
        '',
      ].join('\n'),
    );
    // And with that format, it has windows.
    const timed = await runCli(['analyze', '--json', '--window', '1m', '--time-format', '%d.%m.%Y-%H:%M', path]);
    expect((JSON.parse(timed.stdout) as RunReport).windows!.buckets.map((bucket) => bucket.start)).toEqual([
      '2015-10-18T18:06:00.000Z',
      '2015-10-18T18:07:00.000Z',
      '2015-10-18T18:08:00.000Z',
    ]);
  });
});

describe('the histogram of windows', () => {
  /*
   * A log with a line a minute from 2015-10-18 00:00 to 18:59 (an ERROR every tenth) and
   * from 2015-10-20 08:00 to 12:59 (an ERROR every thirtieth): 1m windows are shown 1h to
   * a row, and the 37 empty hours between the two are one line.
   */
  let path: string;
  let redis: TestRedis;
  const day1 = '  ' + '▓'.repeat(4) + '█'.repeat(36);
  const day3 = '  ' + '▓'.repeat(2) + '█'.repeat(38);
  const rows = [
    ...Array.from({ length: 19 }, (_, h) => `  2015-10-18 ${String(h).padStart(2, '0')}:00Z        60       6${day1}`),
    '  … 37 empty rows (2015-10-18 19:00Z – 2015-10-20 07:00Z) …',
    ...Array.from(
      { length: 5 },
      (_, h) => `  2015-10-20 ${String(8 + h).padStart(2, '0')}:00Z        60       2${day3}`,
    ),
  ];

  beforeAll(async () => {
    const lines: string[] = [];
    const add = (from: number, minutes: number, every: number) => {
      for (let m = 0; m < minutes; m++) {
        const at = new Date(from + m * MINUTE).toISOString();
        const level = m % every === 0 ? 'ERROR' : 'INFO ';
        lines.push(`${at.slice(0, 10)} ${at.slice(11, 19)},000 ${level} [main] c.e.Batch - step ${m} of the batch`);
      }
    };
    add(Date.UTC(2015, 9, 18, 0, 0), 19 * 60, 10);
    add(Date.UTC(2015, 9, 20, 8, 0), 5 * 60, 30);
    path = join(dir, 'batch.log');
    await writeFile(path, `${lines.join('\n')}\n`);
    redis = await startTestRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  /** The histogram's lines of a human report: from its header to the blank line after it. */
  function histogramOf(stdout: string): string[] {
    const lines = stdout.split('\n');
    const from = lines.findIndex((line) => line.startsWith('windows of'));
    const to = lines.indexOf('', from);
    return lines.slice(from, to);
  }

  it('shows round rows from round times, and one line for a run of empty rows', async () => {
    const result = await runCli(['analyze', '--chunk-size', '8KiB', '--window', '1m', path]);
    expect(result.code).toBe(0);
    expect(histogramOf(result.stdout)).toEqual(['windows of 1m, shown 1h to a row; █ lines, ▓ ERROR:', ...rows]);
  });

  it('leaves out empty rows with --hide-zero, on analyze and on report', async () => {
    const hidden = [
      'windows of 1m, shown 1h to a row, empty rows left out; █ lines, ▓ ERROR:',
      ...rows.filter((row) => !row.includes('empty rows')),
    ];
    const analyzed = await runCli(['analyze', '--chunk-size', '8KiB', '--window', '1m', '--hide-zero', path]);
    expect(analyzed.code).toBe(0);
    expect(histogramOf(analyzed.stdout)).toEqual(hidden);

    const prefix = `hist-${process.pid}`;
    const json = await runCli([
      'analyze',
      '--redis',
      redis.url,
      '--prefix',
      prefix,
      '--json',
      '--chunk-size',
      '8KiB',
      '--window',
      '1m',
      path,
    ]);
    expect(json.code).toBe(0);
    const { runId, windows } = JSON.parse(json.stdout) as RunReport;
    // The JSON is as before: every window with lines, none empty, none merged.
    expect(windows!.buckets).toHaveLength(19 * 60 + 5 * 60);
    expect(Object.keys(windows!)).toEqual(['size', 'untimedLines', 'buckets']);
    const report = await runCli(['report', runId, '--redis', redis.url, '--prefix', prefix, '--hide-zero']);
    expect(report.code).toBe(0);
    expect(histogramOf(report.stdout)).toEqual(hidden);
    const shown = await runCli(['report', runId, '--redis', redis.url, '--prefix', prefix]);
    expect(histogramOf(shown.stdout)).toEqual(['windows of 1m, shown 1h to a row; █ lines, ▓ ERROR:', ...rows]);
    for (const command of ['analyze', 'submit', 'report']) {
      expect((await runCli([command, '--help'])).stdout, command).toContain('--hide-zero');
    }
  });
});
