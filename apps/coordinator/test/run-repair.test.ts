import {
  CHUNK_QUEUE,
  type ChunkJobData,
  DEFAULT_RUN_RETENTION_MS,
  RedisKeys,
  RunStore,
  type StoredChunkJob,
  batchJobData,
  batchJobId,
  chunkJobId,
  connectRedis,
  packed,
  parseChunkBatch,
  type RedisClient,
} from '@logcluster/core';
import { type TestRedis, startTestRedis } from '@logcluster/test-support';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueuedChunks } from '../src/enqueued-chunks.js';
import type { Input } from '../src/inputs.js';
import { RunRepair } from '../src/run-repair.js';
import { type SourcePlan, chunkJob } from '../src/source-plan.js';

const PREFIX = 't-repair';
const patterns = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];
let redis: TestRedis;
let client: RedisClient;
let store: RunStore;
let queue: Queue;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'run-repair-test' });
  store = new RunStore(client, new RedisKeys(PREFIX));
  queue = new Queue(CHUNK_QUEUE, { connection: client, prefix: PREFIX });
});

afterAll(async () => {
  await queue.close();
  client.disconnect();
  await redis.stop();
});

/** Standard input: it cannot be read twice. */
const stdin: Input = {
  name: '-',
  read: () => [][Symbol.iterator]() as never,
  readRange: () => Promise.resolve(null),
  plainFile: null,
  close: () => Promise.resolve(),
};

describe('RunRepair', () => {
  it("enqueues a chunk Redis forgot again from its job's pack when that is still there, even from standard input", async () => {
    const texts = ['ERROR one\n', 'two\n', 'three ERROR\n'].map((text) => Buffer.from(text));
    const definition = { patterns, sources: ['-'] };
    const { runId, startedAt } = await store.createRun(definition);
    const enqueued = new EnqueuedChunks();
    let byteOffset = 0;
    const jobs = packed(
      texts.map((text, seq): StoredChunkJob => {
        const place = { seq, byteOffset, byteLength: text.length, firstLine: seq + 1, lineCount: 1 };
        enqueued.add(0, place);
        byteOffset += text.length;
        return { v: 1, runId, source: 0, ...place, patterns };
      }),
    );
    enqueued.setJob(texts.map((_, seq) => ({ source: 0, seq })));
    await store.storeChunks(
      runId,
      jobs.map((job, i) => ({ source: 0, chunk: job, parts: [texts[i]!] })),
    );
    // A restart lost what enqueued chunk 1 (its state and counters) and the job; its pack is still there.
    const keys = new RedisKeys(PREFIX);
    await client.hdel(keys.chunkStates(runId), '0.1');
    for (const [field, by] of [
      ['chunks', -1],
      ['s0:chunks', -1],
      ['s0:bytes', -texts[1]!.length],
      ['s0:lines', -1],
    ] as const)
      await client.hincrby(keys.counts(runId), field, by);

    const repair = new RunRepair(
      store,
      queue,
      { runId, definition, startedAt, jobOptions: {}, retentionMs: DEFAULT_RUN_RETENTION_MS },
      [stdin],
      [{ kind: 'stored' }],
      enqueued,
    );
    expect(await repair.repair(false)).toEqual({ requeued: texts.length, lost: 0 });
    expect(await store.chunkStates(runId, ['0.0', '0.1', '0.2'])).toEqual(['queued', 'queued', 'queued']);
    const job = await queue.getJob(chunkJobId(jobs[1]!));
    const [data] = parseChunkBatch(job!.data);
    expect(data).toEqual(jobs[1]);
    expect(await store.readChunk(data as StoredChunkJob)).toEqual(texts[1]);
    expect(await store.progress(runId)).toMatchObject({
      chunks: texts.length,
      bytes: byteOffset,
      lines: texts.length,
      chunksDeadLettered: 0,
    });
  });

  it('finds the job of files that travel together, and enqueues their chunks again only once it is gone', async () => {
    // Three small files that workers read themselves, one chunk each, in one job.
    const sizes = [40, 25, 60];
    const sources = sizes.map((_, i) => `logs/f${i}.log`);
    const definition = { patterns, sources };
    const { runId, startedAt } = await store.createRun(definition);
    const plans: SourcePlan[] = sources.map((path) => ({ kind: 'file', path }));
    const enqueued = new EnqueuedChunks();
    const jobs: ChunkJobData[] = sizes.map((byteLength, source) => {
      const place = { seq: 0, byteOffset: 0, byteLength, firstLine: Number.NaN, lineCount: Number.NaN };
      enqueued.add(source, place);
      return chunkJob(runId, source, plans[source]!, place, definition);
    });
    enqueued.setJob(jobs.map(({ source, seq }) => ({ source, seq })));
    await store.storeChunks(
      runId,
      jobs.map((job) => ({ source: job.source, chunk: { ...job, firstLine: 0, lineCount: null } })),
    );
    const jobId = batchJobId(jobs);
    expect(jobId).toBe(`${runId}.0.0-2.0`);
    await queue.add('chunks', batchJobData(jobs), { jobId });
    const files: Input[] = sources.map((name) => ({ ...stdin, name }));
    const repair = new RunRepair(
      store,
      queue,
      { runId, definition, startedAt, jobOptions: {}, retentionMs: DEFAULT_RUN_RETENTION_MS },
      files,
      plans,
      enqueued,
    );

    // The job is waiting: nothing to do.
    expect(await repair.repair(false)).toEqual({ requeued: 0, lost: 0 });
    expect(await queue.getJob(`${runId}.0.0`)).toBeUndefined();

    // A restart lost the job: each chunk is enqueued again, on its own.
    await queue.remove(jobId);
    expect(await repair.repair(false)).toEqual({ requeued: 3, lost: 0 });
    for (const job of jobs) {
      const again = await queue.getJob(chunkJobId(job));
      expect(parseChunkBatch(again!.data)).toEqual([job]);
    }
  });
});
