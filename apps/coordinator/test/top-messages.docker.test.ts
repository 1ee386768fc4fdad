import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { runCli } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Top messages through the CLI on a Docker json-file log (written for this test): an
 * orders service's own text lines, its JSON lines, and a cron job's date(1) lines, each
 * wrapped by Docker. The lines are cut into chunks of 1 KiB, so that templates are
 * merged across chunks.
 */

/** A line as Docker's json-file driver writes it: Go's JSON, which escapes `<`, `>` and `&`. */
function docker(log: string, stream: 'stdout' | 'stderr', time: string): string {
  return JSON.stringify({ log: `${log}\n`, stream, time }).replace(
    /[<>&]/g,
    (char) => `\\u00${char.charCodeAt(0).toString(16)}`,
  );
}

/** The service's JSON lines. */
function json(fields: Record<string, string | number>): string {
  return JSON.stringify(fields);
}

const LINES = [
  /* 1 */ docker(
    '2024-03-05T14:02:10.001Z INFO  [orders] listening on :8080',
    'stdout',
    '2024-03-05T14:02:10.001200300Z',
  ),
  /* 2 */ docker(
    '2024-03-05T14:02:11.119Z ERROR [orders] upstream 10.0.3.7:8080 timed out after 5000 ms -> retrying',
    'stderr',
    '2024-03-05T14:02:11.119553820Z',
  ),
  /* 3 */ docker('GET /health 200 3ms', 'stdout', '2024-03-05T14:02:11.381249551Z'),
  /* 4 */ docker(
    '2024-03-05T14:02:12.442Z ERROR [orders] order 18231 failed: payment declined for user "alice"',
    'stderr',
    '2024-03-05T14:02:12.442010001Z',
  ),
  /* 5 */ docker(
    json({
      level: 'ERROR',
      time: '2024-03-05T14:02:13.001Z',
      msg: 'db query failed',
      error: 'connect ECONNREFUSED 10.0.3.9:5432',
    }),
    'stderr',
    '2024-03-05T14:02:13.001310400Z',
  ),
  /* 6 */ docker('GET /health 200 4ms', 'stdout', '2024-03-05T14:02:21.380001200Z'),
  /* 7 */ docker(
    '2024-03-05T14:02:22.007Z ERROR [orders] upstream 10.0.3.9:8080 timed out after 5000 ms -> retrying',
    'stderr',
    '2024-03-05T14:02:22.007771100Z',
  ),
  /* 8 */ docker(
    'Tue Mar  5 14:03:00 UTC 2024 ERROR backup job failed with exit code 2',
    'stderr',
    '2024-03-05T14:03:00.020000000Z',
  ),
  /* 9 */ docker(
    json({
      level: 'ERROR',
      time: '2024-03-05T14:03:01.450Z',
      msg: 'db query failed',
      error: 'connect ECONNREFUSED 10.0.3.10:5432',
    }),
    'stderr',
    '2024-03-05T14:03:01.450998700Z',
  ),
  /* 10 */ docker('POST /api/v1/orders 201 48ms', 'stdout', '2024-03-05T14:03:02.002871553Z'),
  /* 11 */ docker(
    '2024-03-05T14:03:05.600Z ERROR [orders] upstream 10.0.3.7:8080 timed out after 2500 ms -> retrying',
    'stderr',
    '2024-03-05T14:03:05.600120300Z',
  ),
  /* 12 */ docker(
    json({
      level: 'ERROR',
      time: '2024-03-05T14:03:06.000Z',
      msg: 'request failed',
      error: 'context deadline exceeded',
      path: '/api/v1/orders/77',
    }),
    'stderr',
    '2024-03-05T14:03:06.000411000Z',
  ),
  /* 13 */ docker(
    '2024-03-05T14:03:07.310Z ERROR [orders] order 18240 failed: payment declined for user "bob"',
    'stderr',
    '2024-03-05T14:03:07.310000200Z',
  ),
  /* 14 */ docker(
    '2024-03-05T14:03:08.000Z INFO  [orders] order 18241 placed in 120 ms',
    'stdout',
    '2024-03-05T14:03:08.000300100Z',
  ),
  /* 15 */ docker(
    '2024-03-05T14:03:09.903Z ERROR [orders] upstream 10.0.3.8:8080 timed out after 5000 ms -> retrying',
    'stderr',
    '2024-03-05T14:03:09.903002000Z',
  ),
  /* 16 */ docker(
    json({
      level: 'ERROR',
      time: '2024-03-05T14:03:10.111Z',
      msg: 'db query failed',
      error: 'connect ECONNREFUSED 10.0.3.9:5432',
    }),
    'stderr',
    '2024-03-05T14:03:10.111223300Z',
  ),
  /* 17 */ docker(
    'Wed Mar  6 14:03:00 UTC 2024 ERROR backup job failed with exit code 1',
    'stderr',
    '2024-03-06T14:03:00.018000000Z',
  ),
  /* 18 */ docker('GET /health 200 2ms', 'stdout', '2024-03-06T14:03:01.380001200Z'),
  /* 19 */ docker(
    json({
      level: 'ERROR',
      time: '2024-03-06T14:03:02.500Z',
      msg: 'request failed',
      error: 'context deadline exceeded',
      path: '/api/v1/orders/1337',
    }),
    'stderr',
    '2024-03-06T14:03:02.500001000Z',
  ),
  /* 20 */ docker(
    '2024-03-06T14:03:03.004Z ERROR [orders] upstream 10.0.3.7:8080 timed out after 5000 ms -> retrying',
    'stderr',
    '2024-03-06T14:03:03.004100000Z',
  ),
  /* 21 */ docker(
    '2024-03-06T14:03:04.250Z ERROR [orders] order 18302 failed: payment declined for user "carol"',
    'stderr',
    '2024-03-06T14:03:04.250000900Z',
  ),
  /* 22 */ docker(
    json({
      level: 'ERROR',
      time: '2024-03-06T14:03:05.001Z',
      msg: 'db query failed',
      error: 'connect ECONNREFUSED 10.0.3.11:5432',
    }),
    'stderr',
    '2024-03-06T14:03:05.001000100Z',
  ),
  /* 23 */ docker(
    'Thu Mar  7 14:03:00 UTC 2024 ERROR backup job failed with exit code 2',
    'stderr',
    '2024-03-07T14:03:00.021000000Z',
  ),
  /* 24 */ docker(
    '2024-03-07T14:03:01.777Z ERROR [orders] upstream 10.0.3.7:8080 timed out after 5000 ms -> retrying',
    'stderr',
    '2024-03-07T14:03:01.777000000Z',
  ),
  /* 25 */ docker('2024-03-07T14:03:02.000Z INFO  [orders] shutting down', 'stdout', '2024-03-07T14:03:02.000100000Z'),
  /* 26 */ docker(
    json({ level: 'WARN', time: '2024-03-07T14:03:02.100Z', msg: 'slow query 812ms' }),
    'stderr',
    '2024-03-07T14:03:02.100000000Z',
  ),
  /* 27 */ docker(
    '2024-03-07T14:03:02.200Z ERROR [orders] config reload failed: open /etc/orders/config.yaml: permission denied',
    'stderr',
    '2024-03-07T14:03:02.200000000Z',
  ),
];

let dir: string;
let log: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-top-docker-'));
  log = join(dir, 'orders-json.log');
  await writeFile(log, `${LINES.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('top messages of a Docker json-file log', () => {
  it('groups the lines by their message (decoded, masked), not by their JSON keys, across chunks', async () => {
    const result = await runCli(['analyze', '--json', '--top', '5', '--chunk-size', '1KiB', log]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.totals.chunks).toBeGreaterThan(4);
    const top = (template: string, count: number, firstLine: number, lastLine: number) => ({
      template,
      count,
      example: LINES[firstLine - 1],
      source: log,
      firstLine,
      lastLine,
    });
    expect(report.topMessages).toEqual({
      ERROR: [
        top('<ts> ERROR [orders] upstream <ip> timed out after <num> ms -> retrying', 6, 2, 24),
        top('[ERROR] db query failed: connect ECONNREFUSED <ip>', 4, 5, 22),
        top('<ts> ERROR [orders] order <num> failed: payment declined for user "<str>"', 3, 4, 21),
        top('<ts> ERROR backup job failed with exit code <num>', 3, 8, 23),
        top('[ERROR] request failed: context deadline exceeded', 2, 12, 19),
      ],
    });
    // The example is the line as written: Docker's escapes stay in it.
    expect(report.topMessages!.ERROR![0]!.example).toContain(String.raw`5000 ms -\u003e retrying\n"`);
  });
});
