import { spawn } from 'node:child_process';
import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type Follower,
  LOGCLUSTER_BIN,
  cleanEnv,
  clusterFlags,
  reportOf,
  sleep,
  startCli,
  startFollow,
  until,
} from '@logcluster/test-support';
import { describe, expect, it } from 'vitest';
import { followCluster } from './follow-cluster.js';

/*
 * `submit --follow`: a growing file, rotated by rename and by truncation while it is
 * followed, and standard input; live totals while the run is running, and after Ctrl-C
 * a completed run that counted every line written exactly once.
 */

const PREFIX = 't-follow';
const cluster = followCluster(PREFIX, 'follow-a');

/** Lines `from`…`to - 1`; every seventh is an ERROR line. */
function lines(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++)
    out += `2026-11-27T10:00:${String(i % 60).padStart(2, '0')}Z ${i % 7 === 0 ? 'ERROR' : 'INFO'} request ${i} done\n`;
  return out;
}

function errorsIn(from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (i % 7 === 0) count++;
  return count;
}

function follow(target: string, extra: string[] = []): Follower {
  return startFollow(clusterFlags(cluster.redis.url, PREFIX), target, extra);
}

/** Polls the run's report until it has counted `total` lines; the run must still be running. */
async function untilCounted(runId: string, total: number): Promise<RunReport> {
  let counted = 0;
  const report = await until(
    () => `run ${runId} to count ${total} lines (it counted ${counted})`,
    async () => {
      const { report } = await reportOf(cluster.redis.url, PREFIX, runId);
      counted = report.totals.lines;
      return report.totals.lines === total && report.totals.chunksDone === report.totals.chunks && report;
    },
    { timeoutMs: 30_000, everyMs: 100 },
  );
  expect(report.status).toBe('running');
  return report;
}

describe('submit --follow', () => {
  it('follows a file across rotation by rename and by truncation, with live totals, and completes on Ctrl-C', async () => {
    const file = join(cluster.dir, 'app.log');
    await writeFile(file, lines(0, 1_000));
    const follower = follow(file);
    const runId = await follower.runId;

    // Live totals while it runs.
    const first = await untilCounted(runId, 1_000);
    expect(first.totals.matches.ERROR!.lines).toBe(errorsIn(0, 1_000));
    for (let batch = 0; batch < 10; batch++) {
      await appendFile(file, lines(1_000 + batch * 100, 1_100 + batch * 100));
      await sleep(30); // a file that grows over time, not in one write
    }
    await untilCounted(runId, 2_000);

    // logrotate's create mode: renamed, the old file written a little more, a new file made.
    await rename(file, `${file}.1`);
    await appendFile(`${file}.1`, lines(2_000, 2_050));
    await untilCounted(runId, 2_050);
    await writeFile(file, lines(2_050, 2_400));
    await untilCounted(runId, 2_400);

    // copytruncate: emptied in place, then written from the start again.
    await truncate(file, 0);
    await until('the notice of the truncation', () => /was truncated/.test(follower.stderr()));
    await appendFile(file, lines(2_400, 2_500));
    const live = await untilCounted(runId, 2_500);
    expect(live.totals.matches.ERROR!.lines).toBe(errorsIn(0, 2_500));

    // A last line without its newline yet: counted once following stops.
    await appendFile(file, 'ERROR the last words');
    // Time for the follower to read it: it holds a line back until its newline, so nothing shows that it has.
    await sleep(300);
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(0);
    const report = JSON.parse(follower.stdout()) as RunReport;
    expect(report.runId).toBe(runId);
    expect(report.status).toBe('completed');
    expect(report.totals.lines).toBe(2_501);
    expect(report.totals.matches.ERROR).toEqual({ lines: errorsIn(0, 2_500) + 1, occurrences: errorsIn(0, 2_500) + 1 });
    expect(report.totals.chunksDone).toBe(report.totals.chunks);
    expect(follower.stderr()).toMatch(/rotated|truncated/);
  }, 120_000);

  it('follows standard input until Ctrl-C', async () => {
    const follower = follow('-');
    const runId = await follower.runId;
    follower.child.stdin!.write(lines(0, 300));
    await untilCounted(runId, 300);
    follower.child.stdin!.write(lines(300, 700));
    await untilCounted(runId, 700);
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(0);
    const report = JSON.parse(follower.stdout()) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.sources.map((source) => source.name)).toEqual(['-']);
    expect(report.totals.lines).toBe(700);
    expect(report.totals.matches.ERROR!.lines).toBe(errorsIn(0, 700));
  }, 60_000);

  it("logs a spike the moment its window closes, reports it, and counts it in serve's logcluster_spikes_total", async () => {
    const file = join(cluster.dir, 'spiky.log');
    // Five quiet minutes with two ERROR lines each, then a storm of 30.
    const minute = (m: number, errors: number, infos = 10) => {
      let out = '';
      for (let i = 0; i < infos + errors; i++)
        out += `2026-11-27T10:0${m}:${String(i).padStart(2, '0')}Z ${i < errors ? 'ERROR' : 'INFO'} tick ${i}\n`;
      return out;
    };
    await writeFile(file, [0, 1, 2, 3, 4].map((m) => minute(m, 2)).join('') + minute(5, 30));
    const follower = follow(file, ['--window', '1m']);
    const runId = await follower.runId;
    await untilCounted(runId, 5 * 12 + 40);
    // The storm's window is still open: time passes, and nothing is said about it yet.
    await sleep(1_500);
    expect(follower.stderr()).not.toMatch(/spike:/);
    // A line of the next minute closes it.
    await appendFile(file, minute(6, 0, 1));
    await until(
      () => `the spike logged: ${follower.stderr()}`,
      () => /spike: ERROR in the 1m window from 2026-11-27T10:05:00.000Z: 30 lines/.test(follower.stderr()),
      { timeoutMs: 20_000, everyMs: 100 },
    );
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(0);
    const report = JSON.parse(follower.stdout()) as RunReport;
    expect(report.spikes).toEqual([{ start: '2026-11-27T10:05:00.000Z', pattern: 'ERROR', count: 30, baseline: 2 }]);
    expect(follower.stderr().match(/spike:/g)).toHaveLength(1);

    const serve = startCli(['serve', ...clusterFlags(cluster.redis.url, PREFIX), '--port', '0']);
    try {
      await serve.waitForStderr(/dashboard at http:\/\/\S+\/admin\/queues/);
      const base = /dashboard at (http:\/\/\S+)\/admin\/queues/.exec(serve.stderr())![1]!;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^logcluster_spikes_total\{pattern="ERROR"\} 1$/m);
    } finally {
      await serve.stop();
    }
  }, 90_000);

  it('refuses --follow of - with other paths, --detach, a directory, or a missing file (exit 2)', async () => {
    const file = join(cluster.dir, 'one.log');
    await writeFile(file, lines(0, 10));
    for (const args of [
      ['-', file],
      ['--detach', file],
      [join(cluster.dir, 'missing.log')],
      [file, join(cluster.dir, 'missing.log')],
      [file, cluster.dir],
      ['--max-open-files', '0', file, `${cluster.dir}/*.log`],
    ]) {
      const child = spawn(
        process.execPath,
        [LOGCLUSTER_BIN, 'submit', ...clusterFlags(cluster.redis.url, PREFIX), '--follow', ...args],
        { env: cleanEnv(), stdio: 'pipe' },
      );
      let stderr = '';
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
    }
  }, 30_000);
});
