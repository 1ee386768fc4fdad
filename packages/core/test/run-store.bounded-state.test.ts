import { describe, expect, it } from 'vitest';
import {
  type ChunkCounts,
  DEFAULT_MAX_KEYS,
  type RunRecordSpec,
  type StoredChunkJob,
  createChunkCounter,
} from '../src/index.js';
import type { RunReport } from '../src/runs/report.js';
import { PATTERNS, runStoreFixture, storeLineChunks } from './run-store-fixture.js';

/*
 * A run's state in Redis stays bounded: settled chunks fold behind a watermark per source
 * (a late duplicate of a folded chunk is still refused), a completed run compacts to its
 * report, and an ended run's keys expire after its retention.
 */

const fixture = runStoreFixture('t-bounded');

const ERROR_LINE = Buffer.from('ERROR x\n');
const counted: ChunkCounts = createChunkCounter(PATTERNS)(ERROR_LINE);

/** A one-line chunk of source 0, as `submit --follow` stores one per flush. */
function lineJob(runId: string, seq: number): StoredChunkJob {
  return {
    v: 1,
    runId,
    source: 0,
    seq,
    byteOffset: seq * ERROR_LINE.length,
    byteLength: ERROR_LINE.length,
    firstLine: seq + 1,
    lineCount: 1,
    patterns: PATTERNS,
  };
}

async function storeLines(runId: string, from: number, count: number): Promise<StoredChunkJob[]> {
  const jobs = Array.from({ length: count }, (_, i) => lineJob(runId, from + i));
  await Promise.all(
    jobs.map((job) =>
      fixture.store.storeChunk(
        runId,
        0,
        { seq: job.seq, byteOffset: job.byteOffset, byteLength: job.byteLength, lineCount: 1 },
        ERROR_LINE,
      ),
    ),
  );
  return jobs;
}

/** Every key under the run's prefix that belongs to the run. */
async function runKeys(runId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await fixture.client.scan(cursor, 'MATCH', `${fixture.store.keys.run(runId)}*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await fixture.client.info('memory'))![1]);
}

describe('bounded run state', () => {
  it('folds settled chunks behind a watermark: a day of follow flushes keeps the run as small as its first hour, and exact', async () => {
    // 345,600 chunks: one every 250 ms for a day, each recorded once in an order of its
    // own among the 64 in flight (as workers finish them), one worker seeing some twice.
    const DAY = 345_600;
    const IN_FLIGHT = 64;
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['app.log'] });
    const statesKey = fixture.store.keys.chunkStates(runId);
    const samples: { chunks: number; fields: number; runBytes: number; used: number }[] = [];
    for (let from = 0; from < DAY; from += IN_FLIGHT) {
      const jobs = await storeLines(runId, from, IN_FLIGHT);
      // Settle in an order that is not the order of storing: odd ones first, backwards.
      const order = [...jobs.filter((job) => job.seq % 2 === 1).reverse(), ...jobs.filter((job) => job.seq % 2 === 0)];
      const half = order.length / 2;
      await fixture.store.recordResults(
        order.slice(0, half),
        order.slice(0, half).map(() => counted),
        'w1',
      );
      await fixture.store.recordResults(
        order.slice(half),
        order.slice(half).map(() => counted),
        'w2',
      );
      if ((from + IN_FLIGHT) % (DAY / 10) === 0) {
        const [fields, runBytes] = await Promise.all([
          fixture.client.hlen(statesKey),
          Promise.all(
            [statesKey, fixture.store.keys.run(runId), fixture.store.keys.counts(runId)].map(
              async (key) => (await fixture.client.memory('USAGE', key)) ?? 0,
            ),
          ),
        ]);
        samples.push({
          chunks: from + IN_FLIGHT,
          fields,
          runBytes: runBytes.reduce((a, b) => a + b, 0),
          used: await usedMemory(),
        });
      }
    }
    expect(samples).toHaveLength(10);
    // Everything settled folds away: the watermark is all that is left of the chunks.
    for (const sample of samples) expect(sample.fields).toBe(1);
    expect(await fixture.client.hgetall(statesKey)).toEqual({ 'w:0': String(DAY - 1) });
    const first = samples[0]!;
    const last = samples.at(-1)!;
    expect(last.runBytes).toBeLessThanOrEqual(first.runBytes + 64);
    // One entry per chunk, as before, would be about 19 MB by now.
    expect(last.used - first.used).toBeLessThan(1024 * 1024);

    // A late duplicate of a chunk folded long ago is recognised and refused.
    const late = lineJob(runId, 12_345);
    expect(await fixture.store.chunkState(late)).toBe('done');
    expect(await fixture.store.recordResult(late, counted, 'w3')).toEqual({
      outcome: 'duplicate',
      revivedGeneration: 0,
    });
    // Enqueueing it again (a coordinator repairing after a restart) is a duplicate too.
    expect(
      await fixture.store.storeChunk(
        runId,
        0,
        { seq: late.seq, byteOffset: 0, byteLength: 8, lineCount: 1 },
        ERROR_LINE,
      ),
    ).toBe('duplicate');
    await fixture.store.seal(runId, DAY);
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({ chunks: DAY, chunksDone: DAY, lines: DAY, bytes: DAY * ERROR_LINE.length });
    expect(report.totals.matches.ERROR).toEqual({ lines: DAY, occurrences: DAY });
    expect(report.workers).toEqual({ w1: DAY / 2, w2: DAY / 2 });
  }, 180_000);

  it('keeps a dead chunk behind the watermark, and folds it once it is replayed and counted', async () => {
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['app.log'] });
    const statesKey = fixture.store.keys.chunkStates(runId);
    const jobs = await storeLines(runId, 0, 6);
    await fixture.store.recordResults(
      jobs.slice(3),
      jobs.slice(3).map(() => counted),
      'w1',
    );
    // 3–5 done, but 0 still queued: nothing folds yet.
    expect(await fixture.client.hget(statesKey, 'w:0')).toBeNull();
    expect((await fixture.store.recordDeadLetter(jobs[1]!, 'TASK_TIMEOUT: slow')).outcome).toBe('recorded');
    await fixture.store.recordResults([jobs[0]!, jobs[2]!], [counted, counted], 'w1');
    // All settled: the watermark passes the dead chunk, which keeps its field.
    expect(await fixture.client.hgetall(statesKey)).toEqual({ 'w:0': '5', '0.1': 'dead' });
    expect(await fixture.store.chunkStates(runId, ['0.0', '0.1', '0.5', '0.6'])).toEqual([
      'done',
      'dead',
      'done',
      null,
    ]);
    await fixture.store.seal(runId, 6);
    expect((await fixture.store.report(runId)).status).toBe('partial');

    expect(await fixture.store.prepareReplay(jobs[1]!, 1)).toBe('ready');
    expect(await fixture.store.chunkState(jobs[1]!)).toBe('replaying');
    expect((await fixture.store.recordResult(jobs[1]!, counted, 'w2')).outcome).toBe('recorded');
    expect(await fixture.client.hgetall(statesKey)).toEqual({ 'w:0': '5' });
    expect((await fixture.store.recordResult(jobs[1]!, counted, 'w3')).outcome).toBe('duplicate');
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals.matches.ERROR).toEqual({ lines: 6, occurrences: 6 });
  });

  it('compacts a completed run to its report: a late duplicate is still refused, and the report reads the same', async () => {
    const records = recordSpec();
    const lines = Array.from({ length: 40 }, (_, i) => ({ level: i % 3 === 0 ? 'error' : 'info', user: `u${i % 7}` }));
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['a.log'], records });
    const chunks = await storeLineChunks(fixture.store, runId, records, [lines], 10);
    for (const chunk of chunks) {
      expect((await fixture.store.recordResult(chunk.job, findingsOf(chunk.lines), 'w1')).outcome).toBe('recorded');
    }
    await fixture.store.seal(runId, chunks.length);
    const before = await fixture.store.report(runId);
    expect(before.status).toBe('completed');
    expect(before.groups?.keys.map((key) => [key.key, key.lines])).toEqual([
      [['info'], 26],
      [['error'], 14],
    ]);
    expect(before.totals.distinct).toEqual({ user: { count: 7, exact: true } });
    expect((await runKeys(runId)).length).toBeGreaterThan(5);

    expect(await fixture.store.compact(runId)).toBe(true);
    expect(await fixture.store.compact(runId)).toBe(false);
    const keys = fixture.store.keys;
    expect(await runKeys(runId)).toEqual([keys.run(runId), keys.counts(runId), keys.chunkStates(runId)].sort());
    expect(await fixture.store.report(runId)).toEqual(JSON.parse(JSON.stringify(before)) as RunReport);
    expect(await fixture.store.chunkState(chunks[2]!.job)).toBe('done');
    const again = findingsOf([{ level: 'late', user: 'u99' }]);
    expect(await fixture.store.recordResult(chunks[2]!.job, again, 'w9')).toEqual({
      outcome: 'duplicate',
      revivedGeneration: 0,
    });
    expect(await fixture.store.report(runId)).toEqual(JSON.parse(JSON.stringify(before)) as RunReport);
    // What is left keeps the run's time to live.
    for (const key of await runKeys(runId))
      expect(await fixture.client.pttl(key)).toBeGreaterThan(29 * 24 * 3600 * 1000);
  });

  it("gives every key of an ended run the run's retention, and a partial run at least its dead letters'", async () => {
    const records = recordSpec();
    const lines = Array.from({ length: 20 }, (_, i) => ({ level: `l${i % 4}`, user: `u${i}` }));
    const hour = 3600 * 1000;
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['a.log'], records }, hour);
    const chunks = await storeLineChunks(fixture.store, runId, records, [lines], 5);
    for (const chunk of chunks.slice(1)) {
      await fixture.store.recordResult(chunk.job, findingsOf(chunk.lines), 'w1');
    }
    await fixture.store.seal(runId, chunks.length);
    // Running: nothing expires.
    for (const key of await runKeys(runId)) expect(await fixture.client.pttl(key), key).toBe(-1);
    await fixture.store.recordDeadLetter(chunks[0]!.job, 'TASK_TIMEOUT: slow', { retentionMs: 3 * hour });
    expect((await fixture.store.report(runId)).status).toBe('partial');
    const keys = await runKeys(runId);
    // The per-key distinct sets are there, and expire with the rest.
    expect(keys.some((key) => key.includes(':distinct:0:k:'))).toBe(true);
    for (const key of keys) {
      const ttl = await fixture.client.pttl(key);
      expect(ttl, key).toBeGreaterThan(3 * hour - 60_000);
      expect(ttl, key).toBeLessThanOrEqual(3 * hour);
    }

    const failed = await fixture.store.createRun({ patterns: PATTERNS, sources: ['b.log'] }, hour);
    await storeLines(failed.runId, 0, 2);
    await fixture.store.fail(failed.runId, 'input broke');
    for (const key of await runKeys(failed.runId)) {
      const ttl = await fixture.client.pttl(key);
      expect(ttl, key).toBeGreaterThan(hour - 60_000);
      expect(ttl, key).toBeLessThanOrEqual(hour);
    }
  });

  it('expires a run after its retention: it leaves the index, and nothing of it stays in Redis', async () => {
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['a.log'] }, 300);
    const jobs = await storeLines(runId, 0, 3);
    await fixture.store.recordResults(
      jobs,
      jobs.map(() => counted),
      'w1',
    );
    await fixture.store.seal(runId, 3);
    expect((await fixture.store.recentRunIds(1000)).includes(runId)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await runKeys(runId)).toEqual([]);
    expect((await fixture.store.recentRunIds(1000)).includes(runId)).toBe(false);
    expect(await fixture.client.zscore(fixture.store.keys.runs(), runId)).toBeNull();
  });

  it('prunes runs that ended long enough ago, keeps running ones, and compacts completed ones it keeps', async () => {
    const ended = async (retentionMs?: number) => {
      const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['a.log'] }, retentionMs);
      const jobs = await storeLines(runId, 0, 2);
      await fixture.store.recordResults(
        jobs,
        jobs.map(() => counted),
        'w1',
      );
      await fixture.store.seal(runId, 2);
      return runId;
    };
    const old = await ended();
    const recent = await ended();
    const running = (await fixture.store.createRun({ patterns: PATTERNS, sources: ['c.log'] })).runId;
    await storeLines(running, 0, 1);
    // `old` ended two days ago; a run of an earlier version has no retention of its own.
    const twoDaysAgo = Date.now() - 2 * 24 * 3600 * 1000;
    await fixture.client.hset(fixture.store.keys.run(old), 'finishedAt', twoDaysAgo);
    const legacy = await ended();
    await fixture.client.hdel(fixture.store.keys.run(legacy), 'retentionMs');
    await fixture.client.hset(fixture.store.keys.run(legacy), 'finishedAt', twoDaysAgo);

    const dry = await fixture.store.prune({ olderThanMs: 24 * 3600 * 1000, fallbackRetentionMs: 0, dryRun: true });
    expect(dry.pruned.sort()).toEqual([old, legacy].sort());
    expect(await fixture.store.exists(old)).toBe(true);

    // Without --older-than: each run's own retention (30 days), or the fallback for the legacy one.
    const own = await fixture.store.prune({ fallbackRetentionMs: 24 * 3600 * 1000, compactCompleted: true });
    expect(own.pruned).toEqual([legacy]);
    expect(own.compacted).toBeGreaterThanOrEqual(2);
    expect(await runKeys(legacy)).toEqual([]);
    expect(await fixture.client.hexists(fixture.store.keys.run(recent), 'report')).toBe(1);

    const older = await fixture.store.prune({ olderThanMs: 24 * 3600 * 1000, fallbackRetentionMs: 0 });
    expect(older.pruned).toEqual([old]);
    expect(await runKeys(old)).toEqual([]);
    expect(await fixture.store.exists(recent)).toBe(true);
    expect(await fixture.store.exists(running)).toBe(true);
    expect(await fixture.client.zscore(fixture.store.keys.runs(), old)).toBeNull();
  });
});

/** A synthetic line of a run with `--by level --count-distinct user`, every one an ERROR line. */
interface Line {
  level: string;
  user: string;
}

function recordSpec(): RunRecordSpec {
  return { format: { body: 'json' }, by: ['level'], countDistinct: ['user'], maxKeys: DEFAULT_MAX_KEYS, now: 0 };
}

/** What a worker's pass over one chunk's lines sends (as run-store.records.test.ts makes it). */
function findingsOf(lines: readonly Line[]): ChunkCounts {
  const groups = new Map<string, number[]>();
  const byKey = new Map<string, Set<string>>();
  for (const line of lines) {
    const key = JSON.stringify([line.level]);
    const figures = groups.get(key) ?? [0, 0, 0];
    figures[0]!++;
    figures[1]!++;
    figures[2]!++;
    groups.set(key, figures);
    byKey.set(key, (byKey.get(key) ?? new Set<string>()).add(line.user));
  }
  return {
    bytes: lines.length,
    lines: lines.length,
    matches: [{ lines: lines.length, occurrences: lines.length }],
    records: {
      selected: lines.length,
      filtered: 0,
      rejects: [],
      groups: [...groups.entries()],
      distinct: [
        {
          total: [...new Set(lines.map((line) => line.user))],
          byKey: [...byKey.entries()].map(([key, values]) => [key, [...values]]),
        },
      ],
    },
  };
}
