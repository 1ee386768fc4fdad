import { execFileSync } from 'node:child_process';
import { appendFileSync, renameSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RedisKeys, type RunReport, RunStore, connectRedis } from '@logcluster/core';
import { type Follower, clusterFlags, sleep, startFollow, until } from '@logcluster/test-support';
import { describe, expect, it, onTestFinished } from 'vitest';
import { followCluster } from './follow-cluster.js';

/*
 * `submit --follow --resume`: the coordinator of a run that follows files being written
 * and rotated is killed (SIGKILL) ten times and taken up again each time; some files
 * rotate while no coordinator runs. The final totals equal `cat` of everything written
 * piped to grep.
 */

const PREFIX = 't-follow-resume';
const cluster = followCluster(PREFIX, 'resume-a');

/** Writes lines to three logs, each as a logger does, and rotates one by rename on request. */
class Writers {
  private serial = 0;
  private rotations = 0;
  readonly paths = ['api.log', 'db.log', 'web.log'].map((name) => join(cluster.dir, name));

  /** A few lines to each log; every fourth line an ERROR. */
  write(): void {
    for (const path of this.paths) appendFileSync(path, this.lines(1 + (this.serial % 5)));
  }

  /** logrotate's create mode: renamed, a last line or two written to the old file, a new file made. */
  rotate(path: string): void {
    const rotated = `${path}.${++this.rotations}`;
    renameSync(path, rotated);
    appendFileSync(rotated, this.lines(2));
    appendFileSync(path, this.lines(1));
  }

  private lines(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++, this.serial++)
      out += `2026-12-06T10:00:00Z ${this.serial % 4 === 0 ? 'ERROR' : 'INFO'} request ${this.serial}\n`;
    return out;
  }
}

/**
 * Whether each log's checkpoint names the file now at its path: the coordinator has seen
 * every rotation and stored a chunk of each new file. Until then, a rotation is one that,
 * were the coordinator killed, nobody followed.
 */
async function checkpointsNameCurrentFiles(store: RunStore, runId: string, paths: readonly string[]): Promise<boolean> {
  const named = new Set(
    [...(await store.checkpoints(runId)).values()].map(({ file }) => file && `${file.dev}:${file.ino}`),
  );
  for (const path of paths) {
    const found = await stat(path, { bigint: true });
    if (!named.has(`${found.dev}:${found.ino}`)) return false;
  }
  return true;
}

function resumeFollow(runId: string): Follower {
  return startFollow(clusterFlags(cluster.redis.url, PREFIX), null, ['--resume', runId, '--flush-interval', '20']);
}

describe('submit --follow --resume', () => {
  it('counts every line once across 10 SIGKILLs of the coordinator, with rotations while it was down', async () => {
    const writers = new Writers();
    for (const path of writers.paths) await writeFile(path, '');
    writers.write();
    let follower = startFollow(clusterFlags(cluster.redis.url, PREFIX), `${cluster.dir}/*.log`, [
      '--flush-interval',
      '20',
    ]);
    const runId = await follower.runId;
    const redis = await connectRedis(cluster.redis.url, { connectionName: 'follow-resume-test' });
    onTestFinished(() => redis.disconnect());
    const store = new RunStore(redis, new RedisKeys(PREFIX));
    const rotationsSeen = () =>
      until('the checkpoints to name the files now at the paths', () =>
        checkpointsNameCurrentFiles(store, runId, writers.paths),
      );
    let writing = true;
    // Rotations by the writer only while a coordinator follows; while none does (down, or
    // waiting for the dead one's lease to lapse), each log rotates at most once (the limit
    // the README states: a file rotated twice meanwhile is not found). A rotation the
    // coordinator has not yet seen and stored a chunk of the new file for counts as one
    // while nobody followed: the writer stops rotating before each kill until it has.
    let up = true;
    const writing$ = (async () => {
      for (let round = 0, rotated = 0; writing; round++) {
        writers.write();
        if (up && round % 150 === 75) writers.rotate(writers.paths[rotated++ % 3]!);
        await sleep(5);
      }
    })();
    const stderrs: string[] = [];
    for (let kill = 1; kill <= 10; kill++) {
      await sleep(400 + ((kill * 137) % 500));
      up = false;
      await rotationsSeen();
      follower.child.kill('SIGKILL');
      await follower.exited;
      stderrs.push(follower.stderr());
      // Down for a while; every third time a log rotates meanwhile.
      if (kill % 3 === 0) writers.rotate(writers.paths[kill % writers.paths.length]!);
      await sleep((kill * 71) % 300);
      follower = resumeFollow(runId);
      await follower.runId;
      // The file rotated meanwhile must be found and left for its new one before the writer
      // rotates it again (two rotations of a file while nobody followed lose the middle one).
      await rotationsSeen();
      up = true;
    }
    await sleep(500);
    writing = false;
    await writing$;
    await sleep(300);
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(0);
    stderrs.push(follower.stderr());
    const report = JSON.parse(follower.stdout()) as RunReport;
    expect(report.runId).toBe(runId);
    expect(report.status).toBe('completed');

    // Everything written, rotated files included, as cat and grep see it.
    const files = (await readdir(cluster.dir)).map((name) => join(cluster.dir, name)).sort();
    const all = execFileSync('cat', files, { maxBuffer: 1 << 30 });
    const lines = all.toString('utf8').split('\n').length - 1;
    const errors = Number(
      execFileSync('bash', ['-c', 'cat "$@" | grep -c ERROR', 'cat', ...files])
        .toString()
        .trim(),
    );
    expect(files.length).toBeGreaterThan(3 + 3);
    expect(report.totals.lines, stderrs.join('\n---\n')).toBe(lines);
    expect(report.totals.matches.ERROR).toEqual({ lines: errors, occurrences: errors });
    expect(report.sources.map((source) => source.name).sort()).toEqual(writers.paths);
    expect(stderrs.join('\n')).not.toMatch(/is not read/);
  }, 180_000);
});

describe('submit --follow --name', () => {
  it('takes up the run of a named stream whose coordinator died, with the same command; a finished stream starts anew', async () => {
    const file = join(cluster.dir, 'named.log');
    const writers = { serial: 0 };
    const lines = (n: number) => {
      let out = '';
      for (let i = 0; i < n; i++, writers.serial++)
        out += `${writers.serial % 3 === 0 ? 'ERROR' : 'INFO'} named ${writers.serial}\n`;
      return out;
    };
    await writeFile(file, lines(300));
    const command = ['--name', 'orders', '--flush-interval', '20'];
    const first = startFollow(clusterFlags(cluster.redis.url, PREFIX), file, command);
    const runId = await first.runId;
    await sleep(500);
    first.child.kill('SIGKILL');
    await first.exited;
    appendFileSync(file, lines(200));

    const again = startFollow(clusterFlags(cluster.redis.url, PREFIX), file, command);
    expect(await again.runId).toBe(runId);
    expect(again.stderr()).toMatch(new RegExp(`stream orders: run ${runId} is still running; taking it up`));
    appendFileSync(file, lines(100));
    await sleep(500);
    again.child.kill('SIGINT');
    expect(await again.exited, again.stderr()).toBe(0);
    const report = JSON.parse(again.stdout()) as RunReport;
    const errors = Number(execFileSync('grep', ['-c', 'ERROR', file]).toString().trim());
    expect(report.runId).toBe(runId);
    expect(report.totals.lines).toBe(600);
    expect(report.totals.matches.ERROR).toEqual({ lines: errors, occurrences: errors });

    // The stream's run has ended: the same command starts a new one.
    const fresh = startFollow(clusterFlags(cluster.redis.url, PREFIX), file, command);
    expect(await fresh.runId).not.toBe(runId);
    fresh.child.kill('SIGINT');
    expect(await fresh.exited, fresh.stderr()).toBe(0);
  }, 60_000);
});
