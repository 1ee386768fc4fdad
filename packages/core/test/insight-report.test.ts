import { describe, expect, it } from 'vitest';
import { createChunkCounter } from '../src/matching/matcher.js';
import { createInsightFinder } from '../src/insight/chunk-insight.js';
import { type PlacedInsight, assembleInsight, findSpikes } from '../src/insight/insight-report.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);
const patterns = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
const counter = createChunkCounter(patterns);
const spec = { windowMs: MINUTE, templates: true, now: T0 };
const find = createInsightFinder(spec, patterns, counter);

/** Cuts `text` into chunks at the given line numbers and finds each chunk's insight, as workers would. */
function chunks(text: string, cuts: number[]): PlacedInsight[] {
  const lines = text.split(/(?<=\n)/);
  const bounds = [0, ...cuts, lines.length];
  const placed: PlacedInsight[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const bytes = Buffer.from(lines.slice(bounds[i], bounds[i + 1]).join(''));
    const counts = counter(bytes);
    placed.push({
      source: 0,
      seq: i,
      insight: find(
        bytes,
        bounds[i]! + 1,
        counts.lines,
        counts.matches.map((m) => m.lines),
      ),
    });
  }
  return placed;
}

const log = [
  'starting up', // before any timestamp
  '2024-01-01T10:00:05Z INFO ready',
  '2024-01-01T10:00:50Z ERROR disk /dev/sda1 full (93%)',
  '  ERROR detail without a timestamp',
  '2024-01-01T10:01:10Z ERROR disk /dev/sdb2 full (97%)',
  'continuation of 10:01',
  '2024-01-01T10:00:59Z INFO late line for 10:00',
  '2024-01-01T10:02:00Z INFO done',
  '',
].join('\n');

describe('assembleInsight', () => {
  it('gives the same windows and templates however the log is cut into chunks', () => {
    const whole = assembleInsight({ ...spec, top: 5 }, ['ERROR'], ['app.log'], chunks(log, []));
    expect(whole.windows).toEqual({
      size: '1m',
      untimedLines: 1,
      buckets: [
        // 10:00:05, 10:00:50, the untimed ERROR line after it, and the late 10:00:59 line.
        { start: new Date(T0).toISOString(), lines: 4, matches: { ERROR: 2 } },
        { start: new Date(T0 + MINUTE).toISOString(), lines: 2, matches: { ERROR: 1 } },
        { start: new Date(T0 + 2 * MINUTE).toISOString(), lines: 1, matches: { ERROR: 0 } },
      ],
    });
    expect(whole.topMessages!.ERROR).toEqual([
      {
        template: '<ts> ERROR disk <path> full (<num>%)',
        count: 2,
        example: '2024-01-01T10:00:50Z ERROR disk /dev/sda1 full (93%)',
        source: 'app.log',
        firstLine: 3,
        lastLine: 5,
      },
      {
        template: 'ERROR detail without a timestamp',
        count: 1,
        example: '  ERROR detail without a timestamp',
        source: 'app.log',
        firstLine: 4,
        lastLine: 4,
      },
    ]);
    for (const cuts of [[1], [3], [3, 4], [1, 2, 3, 4, 5, 6, 7]]) {
      expect(assembleInsight({ ...spec, top: 5 }, ['ERROR'], ['app.log'], chunks(log, cuts)), String(cuts)).toEqual(
        whole,
      );
    }
  });

  it('keeps line numbers right past a dead-lettered chunk whose lines are known, and says null when they are not', () => {
    const all = chunks(log, [2, 4]);
    const withoutMiddle = [all[0]!, { ...all[2]!, insight: { ...all[2]!.insight, firstLine: null } }];
    const known = assembleInsight({ ...spec, top: 5 }, ['ERROR'], ['app.log'], withoutMiddle, (source, seq) =>
      source === 0 && seq === 1 ? 2 : null,
    );
    expect(known.topMessages!.ERROR![0]).toMatchObject({ count: 1, firstLine: 5, lastLine: 5 });
    const unknown = assembleInsight({ ...spec, top: 5 }, ['ERROR'], ['app.log'], withoutMiddle);
    expect(unknown.topMessages!.ERROR![0]).toMatchObject({ count: 1, firstLine: null, lastLine: null });
  });
});

describe('assembleInsight: timestamps without a year, and runs without timestamps', () => {
  // The run was submitted on 2024-01-01 10:00 UTC: Dec 31 is last year's, Jan 1 this year's.
  const syslog = [
    'Dec 31 23:59:58 host app: ERROR last of the year',
    '  continued',
    'Jan  1 00:00:01 host app: first of the year',
    '- 1704067205 2024.01.01 host Jan 1 00:00:05 host app: a year written in the line',
    '2024-01-01T00:00:09Z host app: ISO',
    'Jan  1 00:00:10 host app: ERROR again',
    '',
  ].join('\n');

  it('says which years were given to timestamps that had none, and why, however the log is cut', () => {
    const whole = assembleInsight(spec, ['ERROR'], ['syslog'], chunks(syslog, []));
    expect(whole.windows!.yearAssumed).toEqual({
      years: [2023, 2024],
      lines: 3,
      submittedAt: '2024-01-01T10:00:00.000Z',
      rule: 'a timestamp without a year is given the year the run was submitted, or the year before when that would put it more than a day after the submission (as syslog readers do)',
    });
    expect(whole.windows!.buckets.map((bucket) => [bucket.start, bucket.lines])).toEqual([
      ['2023-12-31T23:59:00.000Z', 2],
      ['2024-01-01T00:00:00.000Z', 4],
    ]);
    for (const cuts of [[1], [2, 3], [1, 2, 3, 4, 5]]) {
      expect(assembleInsight(spec, ['ERROR'], ['syslog'], chunks(syslog, cuts)).windows, String(cuts)).toEqual(
        whole.windows,
      );
    }
    // Years written in every line: nothing is assumed, and the field is absent.
    expect(assembleInsight(spec, ['ERROR'], ['app.log'], chunks(log, [])).windows).not.toHaveProperty('yearAssumed');
  });

  it('shows the first line of a run in which no line has a timestamp', () => {
    const untimed =
      'ts=18.10.2015-18:06 level=info msg=started\nts=18.10.2015-18:07 level=error msg=ERROR\r\nts=18.10.2015-18:08 level=info msg=done\n';
    const whole = assembleInsight(spec, ['ERROR'], ['app.log'], chunks(untimed, []));
    expect(whole.windows).toEqual({
      size: '1m',
      untimedLines: 3,
      buckets: [],
      untimedExample: { source: 'app.log', line: 1, text: 'ts=18.10.2015-18:06 level=info msg=started' },
    });
    for (const cuts of [[1], [2], [1, 2]]) {
      expect(assembleInsight(spec, ['ERROR'], ['app.log'], chunks(untimed, cuts)).windows, String(cuts)).toEqual(
        whole.windows,
      );
    }
    // Only the first 200 characters are shown, and only when no line had a timestamp.
    const long = assembleInsight(spec, ['ERROR'], ['app.log'], chunks(`${'é'.repeat(300)}\n`, []));
    expect(long.windows!.untimedExample).toEqual({ source: 'app.log', line: 1, text: 'é'.repeat(200) });
    expect(assembleInsight(spec, ['ERROR'], ['app.log'], chunks(log, [1])).windows).not.toHaveProperty(
      'untimedExample',
    );
  });
});

describe('findSpikes', () => {
  const windows = (counts: number[]) => ({
    size: '1m',
    untimedLines: 0,
    // Windows with no lines are absent, as in a report; they count as 0.
    buckets: counts.flatMap((n, i) =>
      n < 0 ? [] : [{ start: new Date(T0 + i * MINUTE).toISOString(), lines: n, matches: { ERROR: n } }],
    ),
  });
  const rule = { factor: 3, history: 4, minCount: 5 };

  it('flags a window above factor × the average of the windows before it', () => {
    expect(findSpikes(windows([2, 2, 2, 2, 7, 2]), MINUTE, ['ERROR'], rule)).toEqual([
      { start: new Date(T0 + 4 * MINUTE).toISOString(), pattern: 'ERROR', count: 7, baseline: 2 },
    ]);
  });

  it('needs history, a minimum count, and counts empty windows as zero', () => {
    expect(findSpikes(windows([50, 1, 1]), MINUTE, ['ERROR'], rule)).toEqual([]); // not enough history
    expect(findSpikes(windows([0, 0, 0, 4]), MINUTE, ['ERROR'], rule)).toEqual([]); // under minCount
    expect(findSpikes(windows([3, -1, -1, 5]), MINUTE, ['ERROR'], rule)).toEqual([
      { start: new Date(T0 + 3 * MINUTE).toISOString(), pattern: 'ERROR', count: 5, baseline: 1 },
    ]);
  });
});
