import {
  CHUNK_QUEUE,
  type ChunkJobData,
  DeadLetterQueue,
  type RedisClient,
  RedisKeys,
  RunStore,
  batchJobData,
  chunkJobId,
  chunkJobOptions,
  connectRedis,
} from '@logcluster/core';
import { type TestRedis, sleep, startTestRedis, until } from '@logcluster/test-support';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkWorker } from '../src/index.js';

const PREFIX = 't-reconcile';
let redis: TestRedis;
let client: RedisClient;
let store: RunStore;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'test' });
  store = new RunStore(client, new RedisKeys(PREFIX));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

describe('a chunk job that BullMQ failed without our dead-lettering', () => {
  it('is found in the failed set and dead-lettered by the reconciler, once', async () => {
    const patterns = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
    const { runId } = await store.createRun({ patterns, sources: ['a.log'] });
    const bytes = Buffer.from('ERROR\nok\n');
    await store.storeChunk(runId, 0, { seq: 0, byteOffset: 0, byteLength: bytes.length, lineCount: 2 }, bytes);
    await store.seal(runId, 1);
    const job: ChunkJobData = {
      v: 1,
      runId,
      source: 0,
      seq: 0,
      byteOffset: 0,
      byteLength: bytes.length,
      firstLine: 1,
      lineCount: 2,
      patterns,
    };

    // Not our worker: something that fails the job the way BullMQ does on its own
    // (a chunk stalled more often than allowed), without dead-lettering it.
    const queue = new Queue(CHUNK_QUEUE, { connection: client, prefix: PREFIX });
    const failedOnItsOwn = new Promise<void>((resolve) => {
      const rogue = new Worker(
        CHUNK_QUEUE,
        () => Promise.reject(new UnrecoverableError('job stalled more than allowable limit')),
        { connection: client, prefix: PREFIX },
      );
      rogue.on('failed', () => void rogue.close().then(resolve));
    });
    await queue.add('chunks', batchJobData([job]), {
      ...chunkJobOptions({ attempts: 3, backoffMs: 10 }),
      jobId: chunkJobId(job),
    });
    await failedOnItsOwn;
    expect(await store.status(runId)).toBe('running');

    const worker = await ChunkWorker.start({
      redisUrl: redis.url,
      prefix: PREFIX,
      threads: 1,
      name: 'keeper',
      reconcileIntervalMs: 100,
    });
    await until('the reconciler to settle the run', async () => (await store.status(runId)) !== 'running', {
      timeoutMs: 30_000,
    });
    // A few more passes (time passes): none of them may add anything.
    await sleep(500);
    await worker.close();

    const report = await store.report(runId);
    expect(report.status).toBe('partial');
    expect(report.sources[0]!.deadLettered).toEqual([
      {
        firstLine: 1,
        lineCount: 2,
        byteOffset: 0,
        byteLength: bytes.length,
        reason: 'Error: job stalled more than allowable limit',
      },
    ]);
    const dlq = new DeadLetterQueue(client, PREFIX);
    const entries = await dlq.list();
    await dlq.close();
    await queue.close();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.entry).toMatchObject({
      worker: 'reconciler@keeper',
      chunk: { runId, generation: 1 },
      error: { message: 'job stalled more than allowable limit' },
    });
  });
});
