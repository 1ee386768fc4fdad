import { type TestRedis, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll } from 'vitest';
import {
  type PatternSpec,
  type RedisClient,
  RedisKeys,
  type RunRecordSpec,
  RunStore,
  type StoredChunkJob,
  chunkRecordSpec,
  connectRedis,
} from '../src/index.js';

/** What the run-store tests of records count: ERROR, literally. */
export const PATTERNS: PatternSpec[] = [{ pattern: 'ERROR', regex: false, ignoreCase: false }];

export interface RunStoreFixture {
  redis: TestRedis;
  client: RedisClient;
  store: RunStore;
}

/** A RunStore under `prefix` on a redis-server of the test file's own, started before its tests and stopped after. */
export function runStoreFixture(prefix: string): RunStoreFixture {
  const fixture = {} as RunStoreFixture;
  beforeAll(async () => {
    fixture.redis = await startTestRedis();
    fixture.client = await connectRedis(fixture.redis.url, { connectionName: `${prefix}-test` });
    fixture.store = new RunStore(fixture.client, new RedisKeys(prefix));
  });
  afterAll(async () => {
    fixture.client.disconnect();
    await fixture.redis.stop();
  });
  return fixture;
}

/** A chunk of synthetic lines as stored, with the job a worker would take for it. */
export interface LineChunk<T> {
  job: StoredChunkJob;
  source: number;
  /** Its first line in its source (1-based). */
  firstLine: number;
  lines: T[];
}

/**
 * Stores each source's lines as a run's chunks of `chunkLines` lines (one byte per line:
 * only the accounting matters here) and makes their jobs, with the run's record spec.
 */
export async function storeLineChunks<T>(
  store: RunStore,
  runId: string,
  records: RunRecordSpec | undefined,
  sources: readonly (readonly T[])[],
  chunkLines: number,
): Promise<LineChunk<T>[]> {
  const chunks: LineChunk<T>[] = [];
  for (const [source, lines] of sources.entries()) {
    for (let first = 0, seq = 0; first < lines.length; first += chunkLines, seq++) {
      const slice = lines.slice(first, first + chunkLines);
      const placement = { seq, byteOffset: first, byteLength: slice.length, lineCount: slice.length };
      await store.storeChunk(runId, source, placement, Buffer.alloc(slice.length, 10));
      const job: StoredChunkJob = {
        v: 1,
        runId,
        source,
        seq,
        byteOffset: first,
        byteLength: slice.length,
        firstLine: first + 1,
        lineCount: slice.length,
        patterns: PATTERNS,
        ...(records ? { records: chunkRecordSpec(records) } : {}),
      };
      chunks.push({ job, source, firstLine: first + 1, lines: slice });
    }
  }
  return chunks;
}
