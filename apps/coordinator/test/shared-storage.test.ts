import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHUNK_QUEUE, type RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  BACKTRACKING_REGEX,
  clusterFlags,
  grepCounts,
  grepLineCount,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let redis: TestRedis;
let dir: string;
let root: string;
let workers: CliProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-shared-'));
  root = join(dir, 'shared');
  await mkdir(join(root, 'service'), { recursive: true });
  await writeFile(join(root, 'service', 'a.log'), syntheticLog({ lines: 30_000, seed: 71 }));
  await writeFile(join(root, 'b.log'), syntheticLog({ lines: 20_000, seed: 72, noFinalNewline: true }));
  await writeFile(join(root, 'c.log.gz'), gzipSync(syntheticLog({ lines: 10_000, seed: 73 })));
  await writeFile(join(dir, 'c.plain'), syntheticLog({ lines: 10_000, seed: 73 }));
  await writeFile(join(dir, 'outside.log'), 'ERROR secret\n');
  await symlink(join(dir, 'outside.log'), join(root, 'escape.log'));
});

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  workers = [];
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

async function submit(prefix: string, args: string[]) {
  const result = await runCli(['submit', ...clusterFlags(redis.url, prefix), '--json', '--shared-root', root, ...args]);
  return {
    ...result,
    report: result.code === 0 || result.code === 3 ? (JSON.parse(result.stdout) as RunReport) : undefined,
  };
}

describe('shared-storage mode (--shared-root)', () => {
  it('workers read the ranges themselves: exact totals, lines counted by them, gzip and stdin through Redis', async () => {
    const prefix = 't-shared';
    workers = [
      await startWorker(redis.url, prefix, 'w1', ['--shared-root', root]),
      await startWorker(redis.url, prefix, 'w2', ['--shared-root', root]),
    ];
    const a = join(root, 'service', 'a.log');
    const b = join(root, 'b.log');
    // 16 KiB chunks: over 200 ranges, which travel up to 64 to a job, so that there are
    // jobs enough for both workers (each takes two at a time).
    const { code, report, stderr } = await submit(prefix, [
      '--chunk-size',
      '16KiB',
      '-i',
      '-p',
      'error',
      a,
      b,
      join(root, 'c.log.gz'),
    ]);
    expect(code, stderr).toBe(0);
    const expected = [a, b, join(dir, 'c.plain')];
    report!.sources.forEach((source, i) => {
      expect(source.lines).toBe(grepLineCount(expected[i]!));
      expect(source.matches.error).toEqual(grepCounts(expected[i]!, { pattern: 'error', ignoreCase: true }));
    });
    expect(report!.totals.chunks).toBeGreaterThan(3 * 64);
    expect(Object.keys(report!.workers).sort()).toEqual(['w1', 'w2']);
    // Only references went through Redis for the plain files: no chunk bytes were stored.
    const client = redis.client();
    const stored = await client.keys(`${prefix}:chunk:*`);
    expect(stored).toEqual([]);
  });

  it('refuses, before enqueueing, a file outside the root, symlinks resolved', async () => {
    for (const path of [join(dir, 'outside.log'), join(root, 'escape.log')]) {
      const result = await runCli(['submit', ...clusterFlags(redis.url, 't-refused'), '--shared-root', root, path]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is outside --shared-root/);
    }
    expect(await redis.client().keys('t-refused:*')).toEqual([]);
  });

  it('a worker refuses a job whose path leads out of its root, or when it has no root: dead-lettered', async () => {
    const prefix = 't-worker-refuses';
    workers = [
      await startWorker(redis.url, prefix, 'guard', ['--shared-root', root]),
      await startWorker(redis.url, `${prefix}-noroot`, 'rootless'),
    ];
    // A run whose only chunk points at the symlink: written as a foreign producer would.
    const created = await runCli([
      'submit',
      ...clusterFlags(redis.url, prefix),
      '--detach',
      '--shared-root',
      root,
      join(root, 'b.log'),
    ]);
    expect(created.code).toBe(0);
    const runId = created.stdout.trim();
    const queue = new Queue(CHUNK_QUEUE, { connection: redis.client(), prefix });
    await queue.add(
      'chunks',
      {
        v: 1,
        runId,
        patterns: [{ pattern: 'ERROR', regex: false, ignoreCase: false }],
        chunks: [{ source: 0, seq: 9999, byteOffset: 0, byteLength: 13, path: 'escape.log' }],
      },
      { jobId: 'crafted-1' },
    );
    await queue.close();
    const rootless = await runCli([
      'submit',
      ...clusterFlags(redis.url, `${prefix}-noroot`),
      '--json',
      '--shared-root',
      root,
      join(root, 'b.log'),
    ]);
    expect(rootless.code).toBe(3);
    expect((JSON.parse(rootless.stdout) as RunReport).sources[0]!.deadLettered[0]!.reason).toMatch(
      /^SHARED_PATH: .* this worker has no --shared-root/,
    );

    const crafted = await until('the crafted job dead-lettered', async () => {
      const listed = await runCli(['dlq', 'list', ...clusterFlags(redis.url, prefix), '--json']);
      const entries = JSON.parse(listed.stdout) as { jobId: string; reason: string; state: string }[];
      return entries.find((e) => e.jobId === 'crafted-1');
    });
    expect(crafted.reason).toMatch(
      /^SHARED_PATH: refused to read escape\.log: it resolves to .*outside\.log, outside what this worker may read/,
    );
    // The crafted chunk is none of the run's: its entry is tied to no run.
    expect(crafted.state).toBe('orphan');
  });

  it('a dead chunk read from shared storage is reported with its line range, worked out from the other chunks', async () => {
    const prefix = 't-shared-dead';
    const file = join(root, 'dead.log');
    await writeFile(
      file,
      Buffer.concat([
        syntheticLog({ lines: 3_000, seed: 74 }),
        Buffer.from(`${'x'.repeat(28)}\n`),
        syntheticLog({ lines: 1_000, seed: 75 }),
      ]),
    );
    workers = [await startWorker(redis.url, prefix, 'strict', ['--shared-root', root, '--task-timeout', '100'])];
    const { code, report } = await submit(prefix, [
      '--chunk-size',
      '32KiB',
      '--attempts',
      '1',
      '-E',
      '-p',
      BACKTRACKING_REGEX,
      file,
    ]);
    expect(code).toBe(3);
    const [dead] = report!.sources[0]!.deadLettered;
    expect(dead!.firstLine).toBeLessThanOrEqual(3_001);
    expect(dead!.firstLine! + dead!.lineCount!).toBeGreaterThan(3_001);
    expect(report!.sources[0]!.lines).toBe(4_001);
  });
});
