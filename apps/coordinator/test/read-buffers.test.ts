import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_SIZE } from '../src/inputs.js';
import { ReadBuffers } from '../src/read-buffers.js';

describe('ReadBuffers', () => {
  it('hands out new buffers until the oldest one is stored to its end, then that one again', () => {
    const buffers = new ReadBuffers(8);
    const first = buffers.take();
    buffers.filledTo(first, 8);
    const second = buffers.take();
    buffers.filledTo(second, 16);
    expect(second).not.toBe(first);
    buffers.storedUpTo(7);
    const third = buffers.take();
    expect([first, second]).not.toContain(third);
    buffers.filledTo(third, 24);
    buffers.storedUpTo(8);
    expect(buffers.take()).toBe(first);
    expect([first, second, third]).not.toContain(buffers.take());
  });
});

/*
 * A file read into buffers that are read into again while the run goes on: with a
 * small in-flight window, every buffer is reused many times; the totals must be
 * grep's, for chunks within one read and chunks spanning two.
 */
const PREFIX = 't-read-buffers';
let redis: TestRedis;
let worker: CliProcess;
let dir: string;
let file: string;

beforeAll(async () => {
  redis = await startTestRedis();
  worker = await startWorker(redis.url, PREFIX, 'reads');
  dir = await mkdtemp(join(tmpdir(), 'logcluster-read-buffers-'));
  file = join(dir, 'big.log');
  const log = syntheticLog({ lines: 400_000, seed: 17, crlf: 0.02 });
  await writeFile(file, log);
  expect(log.length).toBeGreaterThan(5 * READ_SIZE);
});

afterAll(async () => {
  await worker?.stop();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('submit of a file larger than several reads', () => {
  it.each([['64KiB'], ['3MiB']])(
    'counts exactly what grep counts, in %s chunks, with its read buffers reused',
    async (chunkSize) => {
      const result = await runCli(
        [
          'submit',
          ...clusterFlags(redis.url, PREFIX),
          '--json',
          '--chunk-size',
          chunkSize,
          '--max-in-flight',
          '6MiB',
          '-p',
          'ERROR',
          '-p',
          'timed out',
          file,
        ],
        {
          timeoutMs: 120_000,
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report.totals.lines).toBe(grepLineCount(file));
      expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
      expect(report.totals.matches['timed out']).toEqual(grepCounts(file, { pattern: 'timed out' }));
    },
    150_000,
  );
});
