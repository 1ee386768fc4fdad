import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunProgress, type RunReport, formatBytes } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  clusterFlags,
  grepCounts,
  grepLineCount,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
} from '@logcluster/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-wait-timeout';
/** In the Redis URL: it must never be printed. */
const PASSWORD = 'not-for-stderr';
let dir: string;
let small: string;
let big: string;
let redis: TestRedis;
let client: Redis;
let worker: CliProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-wait-timeout-'));
  small = join(dir, 'small.log');
  big = join(dir, 'big.log');
  await writeFile(small, syntheticLog({ lines: 3_000, seed: 21 }));
  await writeFile(big, syntheticLog({ lines: 40_000, seed: 22 }));
  redis = await startTestRedis({ password: PASSWORD });
  client = redis.client();
});

afterAll(async () => {
  await worker?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const flags = () => clusterFlags(redis.url, PREFIX);
/** The URL as the messages print it: the password replaced. */
const shownUrl = () => redis.url.replace(PASSWORD, '***');

async function progressOf(runId: string): Promise<RunProgress> {
  const status = await runCli(['status', ...flags(), '--json', runId]);
  return JSON.parse(status.stdout) as RunProgress;
}

describe('--wait-timeout', () => {
  let runId: string;

  it('submit exits 1 when the run has not ended in time, saying how far it got and that it goes on', async () => {
    const started = Date.now();
    const result = await runCli(['submit', ...flags(), '--chunk-size', '64KiB', '--wait-timeout', '2s', small]);
    const took = Date.now() - started;
    expect(result.code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(30_000);
    expect(result.stdout).toBe('');
    const [, id] = /run (r-\S+) /.exec(result.stderr) ?? [];
    runId = id!;
    const chunks = Math.ceil(statSync(small).size / (64 * 1024));
    expect(result.stderr).toBe(
      `logcluster: run ${runId} has not ended within 2s: 0 of ${chunks} chunks settled, 0 B of ${formatBytes(statSync(small).size)} counted, ${grepLineCount(small)} lines read; no worker is connected under prefix "${PREFIX}"\n` +
        `logcluster: the run goes on in the cluster: follow it with \`logcluster status ${runId} --redis '${shownUrl()}' --prefix ${PREFIX}\` or \`logcluster report ${runId} --wait --redis '${shownUrl()}' --prefix ${PREFIX}\`\n`,
    );
    expect(result.stderr).not.toContain(PASSWORD);
    expect((await progressOf(runId)).status).toBe('running');
  });

  it('report --wait takes it too', async () => {
    const started = Date.now();
    const result = await runCli(['report', ...flags(), '--wait', '--wait-timeout', '1s', runId]);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^logcluster: run ${runId} has not ended within 1s: 0 of \\d+ chunks settled, .*\\nlogcluster: the run goes on in the cluster: follow it with \`logcluster status ${runId} `,
      ),
    );
  });

  it('a run that times out before all its input is enqueued fails, and says so', async () => {
    // No worker: the window of 64 KiB in flight fills, and enqueueing waits for room.
    const result = await runCli([
      'submit',
      ...flags(),
      '--chunk-size',
      '16KiB',
      '--max-in-flight',
      '64KiB',
      '--wait-timeout',
      '2s',
      big,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [, failed] = /run (r-\S+) /.exec(result.stderr) ?? [];
    expect(result.stderr).toMatch(
      new RegExp(
        `^logcluster: run ${failed} failed: --wait-timeout 2s passed before all input was enqueued: 0 of \\d+ chunks settled, 0 B of \\d+\\.\\d KiB counted, \\d+ lines read; no worker is connected under prefix "${PREFIX}"\\n$`,
      ),
    );
    const progress = await progressOf(failed!);
    expect(progress.status).toBe('failed');
    expect(progress.error).toBe('--wait-timeout 2s passed before all input was enqueued');
  });

  it('the run that timed out goes on, and ends exact once a worker comes', async () => {
    worker = await startWorker(redis.url, PREFIX, 'late-worker');
    const result = await runCli(['report', ...flags(), '--wait', '--wait-timeout', '2m', '--json', runId]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.totals.lines).toBe(grepLineCount(small));
    expect(report.totals.matches.ERROR).toEqual(grepCounts(small, { pattern: 'ERROR' }));
  });

  it('takes a duration with its unit only, and is a usage error where it does not apply', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['submit', ...flags(), '--wait-timeout', '30', small],
        /--wait-timeout needs a unit: "30" is 30 of what\? Write 30s, 30m or 30h/,
      ],
      [
        ['submit', ...flags(), '--wait-timeout', 'soon', small],
        /--wait-timeout must be a duration with a unit, such as 30s, 10m or 1h \(got "soon"\)/,
      ],
      [
        ['submit', ...flags(), '--wait-timeout', '2s', '--detach', small],
        /--wait-timeout and --detach do not go together/,
      ],
      [
        ['submit', ...flags(), '--wait-timeout', '2s', '--follow', small],
        /--wait-timeout and --follow do not go together/,
      ],
      [['report', ...flags(), '--wait-timeout', '2s', runId], /--wait-timeout needs --wait/],
    ];
    const runsBefore = await client.zcard(`${PREFIX}:runs`);
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(await client.zcard(`${PREFIX}:runs`)).toBe(runsBefore);
    for (const command of ['submit', 'report']) {
      expect((await runCli([command, '--help'])).stdout.replace(/\s+/g, ' '), command).toMatch(
        /--wait-timeout <duration> /,
      );
    }
  });
});
