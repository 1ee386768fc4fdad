import {
  CHUNK_QUEUE,
  type ChunkJobData,
  type RedisClient,
  RedisKeys,
  RunStore,
  batchJobData,
  chunkJobOptions,
  chunkStream,
  connectRedis,
} from '@logcluster/core';
import { type TestRedis, startTestRedis, until } from '@logcluster/test-support';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkWorker } from '../src/index.js';

const PREFIX = 't-dup';
let redis: TestRedis;
let client: RedisClient;
let store: RunStore;
let queue: Queue;
let worker: ChunkWorker;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'test' });
  store = new RunStore(client, new RedisKeys(PREFIX));
  queue = new Queue(CHUNK_QUEUE, { connection: client, prefix: PREFIX });
  worker = await ChunkWorker.start({ redisUrl: redis.url, prefix: PREFIX, threads: 2, name: 'dup-worker' });
});

afterAll(async () => {
  await worker.close();
  await queue.close();
  client.disconnect();
  await redis.stop();
});

async function waitForStatus(runId: string) {
  await until(`run ${runId} to end`, async () => (await store.status(runId)) !== 'running', {
    timeoutMs: 30_000,
    everyMs: 20,
  });
  return store.report(runId);
}

describe('a chunk delivered twice', () => {
  it('is counted once, whether the deliveries overlap or follow each other', async () => {
    const patterns = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
    const text = 'ERROR one\nfine\nERROR two ERROR\n'.repeat(1000);
    const { runId } = await store.createRun({ patterns, sources: ['dup.log'] });
    const jobs: ChunkJobData[] = [];
    for await (const chunk of chunkStream([Buffer.from(text)], {
      chunkSize: 4096,
      maxLineSize: 1 << 20,
      sourceName: 'dup.log',
    })) {
      await store.storeChunk(runId, 0, { ...chunk, byteLength: chunk.bytes.length }, chunk.bytes);
      jobs.push({
        v: 1,
        runId,
        source: 0,
        seq: chunk.seq,
        byteOffset: chunk.byteOffset,
        byteLength: chunk.bytes.length,
        firstLine: chunk.firstLine,
        lineCount: chunk.lineCount,
        patterns,
      });
    }
    const options = chunkJobOptions({ attempts: 3, backoffMs: 10 });
    // Every chunk as two distinct jobs (as a redelivery after a lost lock would be),
    // the second copy of half of them only after the first was counted.
    const half = Math.floor(jobs.length / 2);
    await queue.addBulk(
      jobs.flatMap((job) => [
        { name: 'chunks', data: batchJobData([job]), opts: { ...options, jobId: `${runId}.0.${job.seq}.a` } },
        ...(job.seq < half
          ? [{ name: 'chunks', data: batchJobData([job]), opts: { ...options, jobId: `${runId}.0.${job.seq}.b` } }]
          : []),
      ]),
    );
    await store.seal(runId, jobs.length);
    const report = await waitForStatus(runId);
    await queue.addBulk(
      jobs.slice(half).map((job) => ({
        name: 'chunks',
        data: batchJobData([job]),
        opts: { ...options, jobId: `${runId}.0.${job.seq}.c` },
      })),
    );
    // Let the late copies be processed, then check nothing moved.
    const unfinished = async () => {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed');
      return (counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0);
    };
    await until('the late copies processed', async () => (await unfinished()) === 0, {
      timeoutMs: 30_000,
      everyMs: 20,
    });
    const after = await store.report(runId);
    expect(report.status).toBe('completed');
    expect(after).toEqual({ ...report, durationMs: after.durationMs });
    expect(after.totals.matches.ERROR).toEqual({ lines: 2000, occurrences: 3000 });
    expect(after.totals.chunksDone).toBe(jobs.length);
    expect(after.workers).toEqual({ 'dup-worker': jobs.length });
  });
});
