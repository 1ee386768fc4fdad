import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  BACKTRACKING_REGEX,
  clusterFlags,
  grepCounts,
  grepLineCount,
  linesOf,
  runCli,
  startTestRedis,
  startWorker,
  sleep,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let file: string;
let redis: TestRedis | undefined;
let workers: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-redis-restart-'));
  file = join(dir, 'app.log');
  // Slow enough chunks (a costly line every 100) that the run is still going when Redis dies.
  const parts: Buffer[] = [];
  for (let i = 0; i < 60; i++)
    parts.push(syntheticLog({ lines: 100, seed: 60 + i }), Buffer.from(`${'x'.repeat(23)}\n`));
  await writeFile(file, Buffer.concat(parts));
});

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  workers = [];
  await redis?.stop();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PATTERNS = ['-E', '-p', BACKTRACKING_REGEX, '-p', 'ERROR'];

/** A run counter: `done` (chunks counted) or `chunks` (chunks stored and enqueued). */
async function runCount(server: TestRedis, prefix: string, field: 'done' | 'chunks'): Promise<number> {
  const client = server.client();
  try {
    const [runId] = await client.zrange(`${prefix}:runs`, 0, 0);
    return runId ? Number((await client.hget(`${prefix}:run:${runId}:counts`, field)) ?? 0) : 0;
  } finally {
    client.disconnect();
  }
}

const chunksDone = (server: TestRedis, prefix: string) => runCount(server, prefix, 'done');

/**
 * A snapshot now, then more chunks both enqueued and counted after it, then a crash and
 * a restart from the snapshot: what a lagging replica or an fsync-less crash leaves
 * behind. Chunks enqueued after the snapshot are gone, and so are results recorded after it.
 */
async function restartFromSnapshot(
  server: TestRedis,
  prefix: string,
  options: { replaceWorkers?: boolean } = {},
): Promise<void> {
  const client = server.client();
  await client.save();
  const done = await chunksDone(server, prefix);
  const enqueued = await runCount(server, prefix, 'chunks');
  await until(
    'five chunks counted and three enqueued after the snapshot',
    async () =>
      (await chunksDone(server, prefix)) >= done + 5 && (await runCount(server, prefix, 'chunks')) >= enqueued + 3,
    { timeoutMs: 60_000 },
  );
  client.disconnect();
  // A worker that holds a lost chunk's bytes still counts it after the restart, and the
  // chunk is not lost after all; killing the workers with Redis makes the loss certain.
  if (options.replaceWorkers) await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await server.kill();
  await server.restart();
  if (options.replaceWorkers)
    workers = [await startWorker(server.url, prefix, 'w3'), await startWorker(server.url, prefix, 'w4')];
}

/** Starts two workers and a submit, waits for `done` chunks, then lets `fault` strike. */
async function runThrough(
  server: TestRedis,
  prefix: string,
  fault: () => Promise<void>,
  input: { stdin?: Buffer } = {},
) {
  workers = [await startWorker(server.url, prefix, 'w1'), await startWorker(server.url, prefix, 'w2')];
  const args = [
    'submit',
    ...clusterFlags(server.url, prefix),
    '--json',
    '--chunk-size',
    '8KiB',
    '--max-in-flight',
    '64KiB',
    ...PATTERNS,
    input.stdin ? '-' : file,
  ];
  const submit = runCli(args, input.stdin ? { stdin: input.stdin } : {});
  await until('five chunks counted', async () => (await chunksDone(server, prefix)) >= 5, { timeoutMs: 60_000 });
  await fault();
  const result = await submit;
  // Both workers came through the restart and are still running.
  for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as RunReport) : undefined };
}

describe('Redis restarting mid-run', () => {
  it('with AOF: workers and coordinator reconnect, and the run completes exactly', async () => {
    redis = await startTestRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'everysec'] });
    const server = redis;
    const { code, report, stderr } = await runThrough(server, 't-restart-aof', async () => {
      await server.kill();
      await sleep(1_000); // down for a while, not a blip: the clients must ride out an outage
      await server.restart();
    });
    expect(code, stderr).toBe(0);
    expect(report!.status).toBe('completed');
    expect(report!.totals.lines).toBe(grepLineCount(file));
    expect(report!.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR', regex: true }));
    expect(report!.totals.chunksDone).toBe(report!.totals.chunks);
  });

  it('coming back without writes it had acknowledged: the gap is noticed and refilled from the file', async () => {
    redis = await startTestRedis();
    const server = redis;
    const { code, report, stderr } = await runThrough(server, 't-restart-lost', () =>
      restartFromSnapshot(server, 't-restart-lost'),
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(
      /Redis restarted: run r-\S+ checked against what was enqueued; [1-9]\d* chunks enqueued again, 0 lost/,
    );
    expect(report!.status).toBe('completed');
    expect(report!.totals.lines).toBe(grepLineCount(file));
    expect(report!.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR', regex: true }));
    expect(report!.totals.chunksDone).toBe(report!.totals.chunks);
  });

  it('and standard input cannot be read again: the lost ranges are reported, never a silently short total', async () => {
    redis = await startTestRedis();
    const server = redis;
    const { code, report, stderr } = await runThrough(
      server,
      't-restart-stdin',
      () => restartFromSnapshot(server, 't-restart-stdin', { replaceWorkers: true }),
      { stdin: await readFile(file) },
    );
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/Redis restarted: .* [1-9]\d* lost for good/);
    expect(report!.status).toBe('partial');
    expect(report!.totals.lines).toBe(grepLineCount(file));
    const lost = report!.sources[0]!.deadLettered;
    expect(lost.length).toBeGreaterThan(0);
    for (const range of lost)
      expect(range.reason).toMatch(/^LOST: Redis lost this chunk in a restart and standard input cannot be read again/);
    // Exact for everything outside the lost ranges.
    const lostText = Buffer.concat(
      await Promise.all(lost.map((range) => linesOf(file, range.firstLine!, range.lineCount!))),
    );
    const lostFile = join(dir, 'lost.log');
    await writeFile(lostFile, lostText);
    const whole = grepCounts(file, { pattern: 'ERROR', regex: true });
    const missing = grepCounts(lostFile, { pattern: 'ERROR', regex: true });
    expect(report!.totals.matches.ERROR).toEqual({
      lines: whole.lines - missing.lines,
      occurrences: whole.occurrences - missing.occurrences,
    });
  });
});
