import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  clusterFlags,
  reportOf,
  runCli,
  sleep,
  startFollow,
  startTestRedis,
  startWorker,
  until,
} from '@logcluster/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { followCluster } from './follow-cluster.js';
import {
  BOUNDS_2S,
  failedRequests,
  joinFlags,
  plainJoin,
  serviceErrors,
  unmatchedLeftLines,
  writeJoinLogs,
} from './join-logs.js';

/*
 * A followed join (`submit --follow` with --left/--right globs): the gateway's and the
 * service's logs written a slice at a time while the run follows them, the service's
 * file appearing only after the run began. Keys are joined and dropped as the sides'
 * watermarks pass them (the partitions hold only the recent events), each failed request
 * that passed its tolerance unmatched is logged as it happens, and at the end the report
 * equals the join computed pair by pair from the files: also with a worker dying just
 * after it recorded a tick and Redis restarted while the run follows.
 */

const PREFIX = 't-join-follow';
const cluster = followCluster(PREFIX, 'join-follow');

/** The live figures' last `… N events open` and the events so far. */
function lastOpen(stderr: string): number | null {
  const all = [...stderr.matchAll(/join so far: .*; ([\d,]+) events open/g)];
  return all.length === 0 ? null : Number(all[all.length - 1]![1]!.replace(/,/g, ''));
}

/**
 * Follows the gateway by a glob across directories (`logs/**` then `gateway*.log`) and
 * `logs/db*.log` on Redis `url` under `prefix`, writing the logs a slice at a time
 * (`midway` runs after half of them); checks what is logged as the run goes and, after
 * Ctrl-C, the report against the plain join.
 */
async function followJoin(dir: string, url: string, prefix: string, midway: () => Promise<void>): Promise<void> {
  const source = join(dir, 'source');
  const logs = join(dir, 'logs');
  await mkdir(dir);
  await mkdir(source);
  await mkdir(join(logs, 'edge'), { recursive: true });
  writeJoinLogs(join(source, 'gateway.log'), join(source, 'db.log'), 8_000, 7);
  const gatewayLines = (await readFile(join(source, 'gateway.log'), 'utf8')).split(/(?<=\n)/);
  const serviceLines = (await readFile(join(source, 'db.log'), 'utf8')).split(/(?<=\n)/);
  const gateway = join(logs, 'edge', 'gateway.log');
  const service = join(logs, 'db.log');
  await writeFile(gateway, '');
  // The gateway's side by a glob across directories: a source's side is that of the glob that found it.
  const flags = joinFlags(`${logs}/**/gateway*.log`, `${logs}/db*.log`);
  const follower = startFollow(clusterFlags(url, prefix), null, [...flags, '--within', '2s']);
  await follower.runId;
  // A slice at a time, the service's file created with its first slice (found by its glob).
  const SLICES = 16;
  for (let k = 0; k < SLICES; k++) {
    const part = (lines: string[]) =>
      lines.slice(Math.floor((lines.length * k) / SLICES), Math.floor((lines.length * (k + 1)) / SLICES)).join('');
    await appendFile(gateway, part(gatewayLines));
    await appendFile(service, part(serviceLines));
    await sleep(250);
    if (k === SLICES / 2) await midway();
  }
  // Keys closed as the run goes: pairs counted live, most events already dropped.
  const left = failedRequests(gateway);
  const right = serviceErrors(service);
  const expected = plainJoin(left, right, 2_000, BOUNDS_2S);
  const events = expected.left.events + expected.right.events;
  await until(
    'most events joined and dropped while following',
    () => {
      const open = lastOpen(follower.stderr());
      return open !== null && open < events / 10;
    },
    { timeoutMs: 90_000 },
  );
  expect(follower.stderr()).toMatch(/join so far: [\d,]+ pairs/);
  // Each failed request logged as unmatched is one: no right event of its key within 2 s.
  const unmatched = unmatchedLeftLines(left, right, 2_000);
  const logged = [...follower.stderr().matchAll(/join: left event unmatched within 2s: (.+):(\d+) \(key /g)];
  expect(logged.length).toBeGreaterThan(10);
  for (const [, file, line] of logged) {
    expect(file).toBe(gateway);
    expect(unmatched.has(Number(line)), `line ${line}`).toBe(true);
  }
  // A failed request logged far behind the gateway's newest time: late (it is joined all the same).
  await appendFile(
    gateway,
    `${JSON.stringify({ ts: '2026-12-06T10:00:00.500Z', request_id: 'late-1', status: 503, path: '/api/orders' })}\n`,
  );
  await sleep(1_500);
  follower.child.kill('SIGINT');
  expect(await follower.exited, follower.stderr()).toBe(0);
  const report = JSON.parse(follower.stdout()) as RunReport;
  expect(report.status).toBe('completed');
  const { key, within, partitions, lateness, late, ...figures } = report.join!;
  expect([key, within, lateness]).toEqual([['request_id', 'req'], '2s', '5s']);
  expect(partitions).toEqual({ total: 16, reduced: 16, deadLettered: 0 });
  expect(figures).toEqual(plainJoin(left, right, 2_000, BOUNDS_2S));
  expect(late).toEqual({ left: 1, right: 0 });
}

let redis: TestRedis | undefined;
let workers: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  workers = [];
  await redis?.stop();
  redis = undefined;
});

describe('a followed join', () => {
  it('joins and drops closed keys as the sides grow, logs unmatched failed requests, and ends exactly as the plain join', async () => {
    await followJoin(join(cluster.dir, 'plain'), cluster.redis.url, PREFIX, async () => {});
  }, 180_000);

  it('exactly so with a worker dying after it recorded a tick and Redis restarted mid-run', async () => {
    redis = await startTestRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const server = redis;
    const prefix = 't-join-follow-faults';
    // w1 dies as soon as it has recorded a partition's tick (BullMQ not told): w2 does it again, which adds nothing.
    workers = [
      await startWorker(server.url, prefix, 'w1', [], { LOGCLUSTER_FAULT: 'join:after-record' }),
      await startWorker(server.url, prefix, 'w2'),
    ];
    await followJoin(join(cluster.dir, 'faults'), server.url, prefix, async () => {
      await server.kill();
      await sleep(1_000);
      await server.restart();
    });
    expect(workers[0]!.child.signalCode).toBe('SIGKILL');
  }, 240_000);

  it('a tick that fails every attempt changes nothing and the ticks go on; the last round dead-lettered, then replayed: exact', async () => {
    redis = await startTestRedis();
    const server = redis;
    const prefix = 't-join-follow-dlq';
    const dir = join(cluster.dir, 'failing');
    await mkdir(dir);
    const gateway = join(dir, 'gateway.log');
    const service = join(dir, 'db.log');
    writeJoinLogs(join(dir, 'gateway.src'), join(dir, 'db.src'), 4_000, 3);
    await writeFile(gateway, '');
    workers = [await startWorker(server.url, prefix, 'failing', [], { LOGCLUSTER_FAULT: 'join:fail' })];
    const follower = startFollow(clusterFlags(server.url, prefix), null, [
      ...joinFlags(gateway, `${dir}/db*.log`),
      ...['--within', '2s', '--attempts', '2', '--backoff', '0'],
    ]);
    const runId = await follower.runId;
    // Every tick's jobs fail, and each is recorded as changing nothing: the next tick starts all the same.
    const client = server.client();
    try {
      const ticked = async (tick: number) => {
        const [current, applied] = await client.hmget(`${prefix}:run:${runId}`, 'joinTick', 'joinTickApplied');
        return Number(current ?? 0) >= tick && Number(applied ?? 0) === 16;
      };
      const halves = await Promise.all(
        ['gateway.src', 'db.src'].map(async (name) => {
          const lines = (await readFile(join(dir, name), 'utf8')).split(/(?<=\n)/);
          return [lines.slice(0, lines.length / 2).join(''), lines.slice(lines.length / 2).join('')];
        }),
      );
      for (const half of [0, 1]) {
        await appendFile(gateway, halves[0]![half]!);
        await appendFile(service, halves[1]![half]!);
        await until(`tick ${half + 1} over in every partition`, () => ticked(half + 1), { timeoutMs: 60_000 });
      }
    } finally {
      client.disconnect();
    }
    follower.child.kill('SIGINT');
    expect(await follower.exited, follower.stderr()).toBe(3);
    const partial = JSON.parse(follower.stdout()) as RunReport;
    expect(partial.join!.partitions).toEqual({ total: 16, reduced: 16, deadLettered: 16 });
    await workers[0]!.stop('SIGKILL');
    workers = [await startWorker(server.url, prefix, 'sound')];
    const replayed = await runCli(['dlq', 'replay', ...clusterFlags(server.url, prefix), '--all', '--wait']);
    expect(replayed.code, replayed.stderr).toBe(0);
    const { code, report } = await reportOf(server.url, prefix, runId);
    expect(code).toBe(0);
    const { key: _key, within: _within, partitions, lateness: _lateness, late, ...figures } = report.join!;
    expect(partitions).toEqual({ total: 16, reduced: 16, deadLettered: 0 });
    expect(late).toEqual({ left: 0, right: 0 });
    expect(figures).toEqual(plainJoin(failedRequests(gateway), serviceErrors(service), 2_000, BOUNDS_2S));
  }, 180_000);

  it('refuses a followed join it cannot do before anything runs', async () => {
    const sides = ['--format', 'json', '--left', 'a*.log', '--right', 'b*.log', '--join-key', 'id'];
    const cases: [string[], RegExp][] = [
      [['submit', '--follow', ...sides], /a followed join needs --within/],
      [['submit', '--follow', '--within', '2s', '--name', 'x', ...sides], /does not go with --resume or --name/],
      [['analyze', '--within', '2s', '--lateness', '1s', ...sides], /--lateness .* give it with submit --follow/],
      [['submit', '--follow', '--within', '2s', '--lateness', '1', ...sides], /--lateness/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli([...args, '--redis', cluster.redis.url]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});
