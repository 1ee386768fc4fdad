import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisClient, RedisKeys, type RunProgress, type RunReport, connectRedis } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  clusterFlags,
  killFollowers,
  runCli,
  sleep,
  startFollow,
  startTestRedis,
  startWorker,
  until,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * What a run leaves in Redis: a followed run's chunk states stay few however many chunks
 * it makes, a completed run is compacted to its report, runs expire after
 * --run-retention, and `runs prune` drops ended ones sooner.
 */

let dir: string;
let redis: TestRedis;
let client: RedisClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-retention-'));
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'retention-test' });
}, 60_000);

afterAll(async () => {
  await killFollowers();
  client?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function lines(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += `${i % 5 === 0 ? 'ERROR' : 'INFO'} request ${i}\n`;
  return out;
}

function errorsIn(from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (i % 5 === 0) count++;
  return count;
}

async function keysOf(prefix: string, runId: string): Promise<string[]> {
  return (await client.keys(`${new RedisKeys(prefix).run(runId)}*`)).sort();
}

describe('run state and retention', () => {
  it("keeps a followed run's chunk states few while it makes hundreds of chunks, exact, then compacts it", async () => {
    const prefix = 't-ret-follow';
    const keys = new RedisKeys(prefix);
    const worker: CliProcess = await startWorker(redis.url, prefix, 'ret-follow');
    try {
      // Standard input: each write is read at once, and flushed as a chunk of its own.
      const follower = startFollow(clusterFlags(redis.url, prefix), '-', ['--flush-interval', '5']);
      const runId = await follower.runId;
      let written = 0;
      let mostFields = 0;
      const watch = setInterval(
        () =>
          void client.hlen(keys.chunkStates(runId)).then((fields) => {
            mostFields = Math.max(mostFields, fields);
          }),
        20,
      );
      const startedAt = Date.now();
      while (Date.now() - startedAt < 5_000) {
        follower.child.stdin!.write(lines(written, written + 3));
        written += 3;
        await sleep(8);
      }
      let chunks = 0;
      await until(
        () => `every chunk counted (${chunks} so far)`,
        async () => {
          const counts = await client.hmget(keys.counts(runId), 'chunks', 'done');
          chunks = Number(counts[0]);
          return counts[0] !== null && counts[0] === counts[1];
        },
        { timeoutMs: 30_000 },
      );
      clearInterval(watch);
      expect(chunks).toBeGreaterThan(200);
      // Each settled chunk folds into its source's watermark: only those in flight have a field.
      expect(mostFields).toBeLessThan(chunks / 4);
      expect(await client.hgetall(keys.chunkStates(runId))).toEqual({ 'w:0': String(chunks - 1) });

      follower.child.stdin!.end();
      follower.child.kill('SIGINT');
      expect(await follower.exited, follower.stderr()).toBe(0);
      const report = JSON.parse(follower.stdout()) as RunReport;
      expect(report.status).toBe('completed');
      expect(report.totals.lines).toBe(written);
      expect(report.totals.matches.ERROR).toEqual({ lines: errorsIn(0, written), occurrences: errorsIn(0, written) });
      // Compacted: the run hash, its counters and the all-done mark are what is left.
      expect(await keysOf(prefix, runId)).toEqual(
        [keys.run(runId), keys.counts(runId), keys.chunkStates(runId)].sort(),
      );
      expect(await client.hgetall(keys.chunkStates(runId))).toEqual({ '*': 'done' });
      const again = await runCli(['report', ...clusterFlags(redis.url, prefix), runId, '--json']);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual(report);
    } finally {
      await worker.stop('SIGKILL');
    }
  }, 90_000);

  it('expires a run after --run-retention: the report is gone and `runs` no longer lists it', async () => {
    const prefix = 't-ret-expire';
    const file = join(dir, 'expire.log');
    await writeFile(file, lines(0, 1_000));
    const analyzed = await runCli([
      'analyze',
      ...clusterFlags(redis.url, prefix),
      '--run-retention',
      '2s',
      '--json',
      file,
    ]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const report = JSON.parse(analyzed.stdout) as RunReport;
    expect(report.totals.matches.ERROR!.lines).toBe(errorsIn(0, 1_000));
    for (const key of await keysOf(prefix, report.runId)) {
      const ttl = await client.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(2_000);
    }
    const listed = await runCli(['runs', ...clusterFlags(redis.url, prefix), '--json']);
    expect((JSON.parse(listed.stdout) as RunProgress[]).map((run) => run.runId)).toEqual([report.runId]);

    await until('the run to expire', async () => (await keysOf(prefix, report.runId)).length === 0, {
      timeoutMs: 10_000,
    });
    const after = await runCli(['runs', ...clusterFlags(redis.url, prefix)]);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(`no runs under prefix "${prefix}"\n`);
    expect(await client.zcard(new RedisKeys(prefix).runs())).toBe(0);
    const gone = await runCli(['report', ...clusterFlags(redis.url, prefix), report.runId]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(new RegExp(`no run ${report.runId}`));
  }, 60_000);

  it('`runs prune --older-than` drops ended runs and keeps running ones; --dry-run drops nothing', async () => {
    const prefix = 't-ret-prune';
    const file = join(dir, 'prune.log');
    await writeFile(file, lines(0, 500));
    const ended: string[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['analyze', ...clusterFlags(redis.url, prefix), '--json', file]);
      expect(result.code, result.stderr).toBe(0);
      ended.push((JSON.parse(result.stdout) as RunReport).runId);
    }
    await sleep(1_100);
    // No worker now: this run stays running.
    const submitted = await runCli(['submit', ...clusterFlags(redis.url, prefix), '--detach', file]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const running = submitted.stdout.trim();

    const dry = await runCli(['runs', 'prune', ...clusterFlags(redis.url, prefix), '--older-than', '1s', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(`would drop 2 runs that ended at least 1s ago:\n  ${ended[0]}\n  ${ended[1]}\n`);
    expect(await keysOf(prefix, ended[0]!)).not.toEqual([]);

    const kept = await runCli(['runs', 'prune', ...clusterFlags(redis.url, prefix)]);
    expect(kept.stdout).toBe('dropped 0 runs past their retention\n');

    const pruned = await runCli(['runs', 'prune', ...clusterFlags(redis.url, prefix), '--older-than', '1s', '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({ pruned: ended, expired: 0, compacted: 0, dryRun: false });
    for (const runId of ended) expect(await keysOf(prefix, runId)).toEqual([]);
    const listed = await runCli(['runs', ...clusterFlags(redis.url, prefix), '--json']);
    expect((JSON.parse(listed.stdout) as RunProgress[]).map((run) => [run.runId, run.status])).toEqual([
      [running, 'running'],
    ]);
  }, 60_000);
});
