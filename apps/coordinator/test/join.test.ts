import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  clusterFlags,
  reportOf,
  runCli,
  sleep,
  startTestRedis,
  startWorker,
  until,
} from '@logcluster/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDS_2S, failedRequests, joinFlags, plainJoin, serviceErrors, writeJoinLogs } from './join-logs.js';

/*
 * Joins across sources (the SPEC's "Joins across sources"): a gateway's log and a
 * service's, sharing request ids, joined by analyze and by submit to two workers (one
 * killed mid-run, Redis restarted, a reduce job's worker dying), each time against the
 * join computed pair by pair from the files in the test.
 */

let dir: string;
let gateway: string;
let service: string;
let redis: TestRedis | undefined;
let workers: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-join-'));
  gateway = join(dir, 'gateway.log');
  service = join(dir, 'db.log');
  writeJoinLogs(gateway, service, 12_000);
});

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  workers = [];
  await redis?.stop();
  redis = undefined;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const JOIN_FLAGS = () => joinFlags(gateway, service);
const failedGateway = () => failedRequests(gateway);
const errorsOfService = () => serviceErrors(service);

function joinOf(stdout: string) {
  const report = JSON.parse(stdout) as RunReport;
  const { key, within, partitions, ...figures } = report.join!;
  return { report, key, within, partitions, figures };
}

describe('joins across sources', () => {
  it('analyze: failed gateway requests with a service error within 2 s, exactly as the plain join', async () => {
    const { code, stdout, stderr } = await runCli([
      'analyze',
      '--json',
      '--chunk-size',
      '64KiB',
      '--within',
      '2s',
      ...JOIN_FLAGS(),
    ]);
    expect(code, stderr).toBe(0);
    const { report, key, within, partitions, figures } = joinOf(stdout);
    expect(report.status).toBe('completed');
    expect(key).toEqual(['request_id', 'req']);
    expect(within).toBe('2s');
    expect(partitions).toEqual({ total: partitions.total, reduced: partitions.total, deadLettered: 0 });
    expect(figures.offsets.map((bucket) => bucket.upToMs)).toEqual(BOUNDS_2S);
    const expected = plainJoin(failedGateway(), errorsOfService(), 2000, BOUNDS_2S);
    expect(figures).toEqual(expected);
    // The data has what the test is about: pairs, and keys unmatched on each side.
    expect(expected.pairs).toBeGreaterThan(100);
    expect(expected.left.unmatchedKeys).toBeGreaterThan(10);
    expect(expected.right.unmatchedKeys).toBeGreaterThan(10);
    expect(expected.examples.leftOnly).toHaveLength(5);
    // The human report says the same.
    const human = await runCli(['analyze', '--chunk-size', '64KiB', '--within', '2s', ...JOIN_FLAGS()]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(
      `join on request_id = req within 2s: ${expected.pairs} pairs, ${expected.matchedKeys} keys matched`,
    );
  });

  it('without --within equal keys alone make a pair; one key name for both sides, and a file on both sides', async () => {
    const { code, stdout, stderr } = await runCli([
      'analyze',
      '--json',
      '--format',
      'json',
      '--chunk-size',
      '16KiB',
      '--join-key',
      'request_id',
      '--left',
      gateway,
      '--left-where',
      'status>=500',
      '--right',
      gateway,
      '--right-where',
      'duration_ms<100',
    ]);
    expect(code, stderr).toBe(0);
    const { report, within, figures } = joinOf(stdout);
    expect(report.sources.map((source) => source.name)).toEqual([gateway]);
    expect(within).toBeNull();
    const bounds = [...figures.offsets.map((bucket) => bucket.upToMs)];
    expect(bounds.at(-1)).toBeNull();
    const expected = plainJoin(
      failedGateway(),
      { file: gateway, key: 'request_id', time: 'ts', select: (record) => Number(record.duration_ms) < 100 },
      undefined,
      bounds,
    );
    expect(figures).toEqual(expected);
    expect(expected.pairs).toBeGreaterThan(10);
  });

  it('refuses what it cannot do before anything runs', async () => {
    const cases: [string[], RegExp][] = [
      [['--left', gateway, '--join-key', 'request_id'], /a join needs both sides/],
      [['--left', gateway, '--right', service], /a join needs its key/],
      [['--within', '2s', gateway], /--within is an option of a join/],
      [['--left', gateway, '--right', service, '--join-key', 'request_id', service], /a join reads its sides' paths/],
      [['--left', gateway, '--right', service, '--join-key', 'request_id', '--within', '2'], /--within/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(['analyze', '--format', 'json', ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
    const text = await runCli(['analyze', '--left', gateway, '--right', service, '--join-key', 'request_id']);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/--left-key request_id: no such field in --format text lines/);
  });

  it('submit to two workers: a worker killed mid-run, Redis restarted, a reducing worker dying: exactly the plain join', async () => {
    redis = await startTestRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const server = redis;
    const prefix = 't-join';
    // w1 dies as it is about to record its first partition; w2 is killed while chunks are counted.
    workers = [
      await startWorker(server.url, prefix, 'w1', [], { LOGCLUSTER_FAULT: 'join:before-record' }),
      await startWorker(server.url, prefix, 'w2'),
    ];
    const submit = runCli([
      'submit',
      ...clusterFlags(server.url, prefix),
      '--json',
      '--chunk-size',
      '8KiB',
      '--max-in-flight',
      '64KiB',
      '--within',
      '2s',
      ...JOIN_FLAGS(),
    ]);
    const done = async () => {
      const client = server.client();
      try {
        const [runId] = await client.zrange(`${prefix}:runs`, 0, 0);
        return runId ? Number((await client.hget(`${prefix}:run:${runId}:counts`, 'done')) ?? 0) : 0;
      } finally {
        client.disconnect();
      }
    };
    await until('ten chunks counted', async () => (await done()) >= 10, { timeoutMs: 60_000 });
    await workers[1]!.stop('SIGKILL');
    await server.kill();
    await sleep(1_000);
    await server.restart();
    // w1 counts the rest alone, then dies at its first reduce; w3 takes the reduce over.
    await until(
      'w1 dead at the reduce',
      () => Promise.resolve(workers[0]!.child.exitCode !== null || workers[0]!.child.signalCode !== null),
      {
        timeoutMs: 120_000,
      },
    );
    workers.push(await startWorker(server.url, prefix, 'w3'));
    const { code, stdout, stderr } = await submit;
    expect(code, stderr).toBe(0);
    const { report, partitions, figures } = joinOf(stdout);
    expect(report.status).toBe('completed');
    expect(report.totals.chunksDone).toBe(report.totals.chunks);
    expect(partitions.deadLettered).toBe(0);
    expect(figures).toEqual(plainJoin(failedGateway(), errorsOfService(), 2000, BOUNDS_2S));
    // The fault struck: w1 was killed (SIGKILL by itself) at the one place it was armed, a reduce.
    expect(workers[0]!.child.signalCode).toBe('SIGKILL');
  });

  it('a reduce that fails every attempt is dead-lettered (a partial run, an entry per partition); dlq replay completes the join exactly', async () => {
    redis = await startTestRedis();
    const server = redis;
    const prefix = 't-join-dlq';
    const flags = () => clusterFlags(server.url, prefix);
    workers = [await startWorker(server.url, prefix, 'failing', [], { LOGCLUSTER_FAULT: 'join:fail' })];
    const submitted = await runCli([
      'submit',
      ...flags(),
      '--json',
      '--attempts',
      '2',
      '--backoff',
      '0',
      '--within',
      '2s',
      ...JOIN_FLAGS(),
    ]);
    expect(submitted.code, submitted.stderr).toBe(3);
    const partial = joinOf(submitted.stdout);
    const { total } = partial.partitions;
    expect(partial.report.status).toBe('partial');
    expect(partial.report.totals.chunksDeadLettered).toBe(0);
    expect(partial.partitions).toEqual({ total, reduced: total, deadLettered: total });
    expect(partial.figures.pairs).toBe(0);
    const listed = await runCli(['dlq', 'list', ...flags(), '--json', '--run', partial.report.runId]);
    const entries = JSON.parse(listed.stdout) as {
      id: string;
      partition: number | null;
      state: string;
      attemptsMade: number;
    }[];
    expect(entries.map((entry) => entry.partition).sort((a, b) => a! - b!)).toEqual([...Array(total).keys()]);
    for (const entry of entries) expect(entry).toMatchObject({ state: 'dead', attemptsMade: 2 });
    const shown = await runCli(['dlq', 'show', ...flags(), entries[0]!.id]);
    expect(shown.stdout).toMatch(/^join +partition \d+: its reduce failed/m);
    expect(shown.stdout).toMatch(/^error +Error: failed on purpose at join:fail/m);

    expect(workers[0]!.stderr()).toMatch(/dead-lettered partition \d+ of the join of run r-/);
    await workers[0]!.stop('SIGKILL');
    workers = [await startWorker(server.url, prefix, 'sound')];
    const replayed = await runCli(['dlq', 'replay', ...flags(), '--all', '--wait']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(
      new RegExp(`replayed ${total} of ${total} entries; run ${partial.report.runId} completed`),
    );
    const { code, report } = await reportOf(server.url, prefix, partial.report.runId);
    expect(code).toBe(0);
    expect(report.status).toBe('completed');
    const { key: _key, within: _within, partitions, ...figures } = report.join!;
    expect(partitions).toEqual({ total, reduced: total, deadLettered: 0 });
    expect(figures).toEqual(plainJoin(failedGateway(), errorsOfService(), 2000, BOUNDS_2S));
    const after = await runCli(['dlq', 'list', ...flags(), '--json']);
    expect(JSON.parse(after.stdout)).toEqual([]);
  });
});
