import { type TestRedis, startTestRedis } from '@logcluster/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChunkJobData, RedisKeys, RunStore, chunkStream, connectRedis, createChunkCounter } from '../src/index.js';

let redis: TestRedis;
let client: Redis;
let store: RunStore;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'run-store-test' });
  store = new RunStore(client, new RedisKeys('t-run-store'));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

const patterns = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];

/** Creates a run of the given sources and stores their chunks; returns the jobs. */
async function runOf(sources: string[]): Promise<{ runId: string; jobs: ChunkJobData[] }> {
  const runId = await store.createRun({ patterns, sources: sources.map((_, i) => `s${i}.log`), chunkSize: 16 });
  const jobs: ChunkJobData[] = [];
  for (const [source, text] of sources.entries()) {
    for await (const chunk of chunkStream([Buffer.from(text)], { chunkSize: 16, maxLineSize: 1024, sourceName: 's' })) {
      await store.storeChunk(runId, source, chunk);
      jobs.push({ v: 1, runId, source, seq: chunk.seq, byteOffset: chunk.byteOffset, byteLength: chunk.bytes.length, firstLine: chunk.firstLine, lineCount: chunk.lineCount, patterns });
    }
  }
  return { runId, jobs };
}

async function countJob(job: ChunkJobData, worker = 'w1') {
  const bytes = await store.readChunk(job);
  return store.recordResult(job, createChunkCounter(patterns)(bytes!), worker);
}

describe('RunStore', () => {
  it('counts a chunk recorded twice once, and deletes its bytes once counted', async () => {
    const { runId, jobs } = await runOf(['ERROR a\nb ERROR\n']);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    const counts = createChunkCounter(patterns)((await store.readChunk(job))!);
    expect(await store.recordResult(job, counts, 'w1')).toBe('recorded');
    expect(await store.recordResult(job, counts, 'w2')).toBe('duplicate');
    await store.seal(runId);
    const report = await store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals.matches.ERROR).toEqual({ lines: 2, occurrences: 2 });
    expect(report.workers).toEqual({ w1: 1 });
    expect(await store.readChunk(job)).toBeNull();
  });

  it('finishes the run when the last chunk settles after sealing, per source', async () => {
    const { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\nok\nERROR 3\n', 'fine\nERROR ERROR\n']);
    await store.seal(runId);
    for (const job of jobs.slice(0, -1)) await countJob(job);
    expect(await store.status(runId)).toBe('running');
    await countJob(jobs.at(-1)!);
    const report = await store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.finishedAt).not.toBeNull();
    expect(report.sources.map((s) => [s.name, s.lines, s.matches.ERROR])).toEqual([
      ['s0.log', 5, { lines: 3, occurrences: 3 }],
      ['s1.log', 2, { lines: 1, occurrences: 2 }],
    ]);
    expect(report.totals).toMatchObject({ lines: 7, chunks: jobs.length, chunksDone: jobs.length, matches: { ERROR: { lines: 4, occurrences: 5 } } });
  });

  it('ends partial with the dead range listed, and completed once that chunk is counted', async () => {
    const { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\nok\nERROR 3\n']);
    await store.seal(runId);
    const [first, ...rest] = jobs;
    expect(await store.recordDeadLetter(first!, 'TASK_TIMEOUT: too slow')).toBe('recorded');
    expect(await store.recordDeadLetter(first!, 'again')).toBe('duplicate');
    for (const job of rest) await countJob(job);
    let report = await store.report(runId);
    expect(report.status).toBe('partial');
    expect(report.totals.chunksDeadLettered).toBe(1);
    expect(report.sources[0]!.deadLettered).toEqual([{ firstLine: 1, lineCount: first!.lineCount, byteOffset: 0, byteLength: first!.byteLength, reason: 'TASK_TIMEOUT: too slow' }]);
    // The dead chunk's bytes are kept for replay.
    expect(await store.readChunk(first!)).not.toBeNull();
    expect(await countJob(first!)).toBe('recorded');
    report = await store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({ chunksDeadLettered: 0, chunksDone: jobs.length, matches: { ERROR: { lines: 3, occurrences: 3 } } });
    expect(report.sources[0]!.deadLettered).toEqual([]);
  });

  it('refuses to record into a run that does not exist', async () => {
    const { jobs } = await runOf(['ERROR\n']);
    const orphan = { ...jobs[0]!, runId: 'r-0-gone' };
    expect(await store.recordResult(orphan, { bytes: 6, lines: 1, matches: [{ lines: 1, occurrences: 1 }] }, 'w')).toBe('run-missing');
  });
});
