import { describe, expect, it } from 'vitest';
import {
  type ChunkBytesItem,
  RUN_ENDED_EVENTS,
  RedisChunkBytes,
  type StoredChunkJob,
  RedisKeys,
  RunStore,
  chunkStream,
  createChunkCounter,
  packed,
} from '../src/index.js';
import { PATTERNS, runStoreFixture } from './run-store-fixture.js';
import { RunCounter, anyField, patternField, sourceField, workerField } from '../src/runs/count-fields.js';

const fixture = runStoreFixture('t-run-store');

/** Creates a run of the given sources and stores their chunks; returns the jobs. */
async function runOf(sources: string[]): Promise<{ runId: string; jobs: StoredChunkJob[] }> {
  const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: sources.map((_, i) => `s${i}.log`) });
  const jobs: StoredChunkJob[] = [];
  for (const [source, text] of sources.entries()) {
    for await (const chunk of chunkStream([Buffer.from(text)], { chunkSize: 16, maxLineSize: 1024, sourceName: 's' })) {
      await fixture.store.storeChunk(runId, source, { ...chunk, byteLength: chunk.bytes.length }, chunk.bytes);
      jobs.push({
        v: 1,
        runId,
        source,
        seq: chunk.seq,
        byteOffset: chunk.byteOffset,
        byteLength: chunk.bytes.length,
        firstLine: chunk.firstLine,
        lineCount: chunk.lineCount,
        patterns: PATTERNS,
      });
    }
  }
  return { runId, jobs };
}

async function countJob(job: StoredChunkJob, worker = 'w1') {
  const bytes = await fixture.store.readChunk(job);
  return fixture.store.recordResult(job, createChunkCounter(PATTERNS)(bytes!), worker);
}

describe('RunStore', () => {
  it('counts a chunk recorded twice once, and deletes its bytes once counted', async () => {
    const { runId, jobs } = await runOf(['ERROR a\nb ERROR\n']);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    const counts = createChunkCounter(PATTERNS)((await fixture.store.readChunk(job))!);
    expect(await fixture.store.recordResult(job, counts, 'w1')).toEqual({ outcome: 'recorded', revivedGeneration: 0 });
    expect(await fixture.store.recordResult(job, counts, 'w2')).toEqual({ outcome: 'duplicate', revivedGeneration: 0 });
    await fixture.store.seal(runId, 1);
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals.matches.ERROR).toEqual({ lines: 2, occurrences: 2 });
    expect(report.workers).toEqual({ w1: 1 });
    expect(await fixture.store.readChunk(job)).toBeNull();
  });

  it('finishes the run when the last chunk settles after sealing, per source', async () => {
    const { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\nok\nERROR 3\n', 'fine\nERROR ERROR\n']);
    await fixture.store.seal(runId, jobs.length);
    for (const job of jobs.slice(0, -1)) await countJob(job);
    expect(await fixture.store.status(runId)).toBe('running');
    await countJob(jobs.at(-1)!);
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.finishedAt).not.toBeNull();
    expect(report.sources.map((s) => [s.name, s.lines, s.matches.ERROR])).toEqual([
      ['s0.log', 5, { lines: 3, occurrences: 3 }],
      ['s1.log', 2, { lines: 1, occurrences: 2 }],
    ]);
    expect(report.totals).toMatchObject({
      lines: 7,
      chunks: jobs.length,
      chunksDone: jobs.length,
      matches: { ERROR: { lines: 4, occurrences: 5 } },
    });
  });

  it("says 'finished' on the run's channel from the step that finished it, and only then", async () => {
    const subscriber = fixture.client.duplicate();
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    try {
      // The last record finishes the run.
      let { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\nok\nERROR 3\n']);
      await subscriber.subscribe(fixture.store.keys.runEvents(runId));
      await fixture.store.seal(runId, jobs.length);
      for (const job of jobs) await countJob(job);
      await subscriber.ping(); // answered after every message published before it
      expect(heard.filter((message) => message === 'finished')).toHaveLength(1);
      expect(heard.at(-1)).toBe('finished');
      expect(heard.slice(0, -1).every((message) => !RUN_ENDED_EVENTS.has(message))).toBe(true);

      // The seal finishes a run whose chunks were all counted before it.
      heard.length = 0;
      ({ runId, jobs } = await runOf(['ERROR a\nb\n']));
      await subscriber.subscribe(fixture.store.keys.runEvents(runId));
      for (const job of jobs) await countJob(job);
      await fixture.store.seal(runId, jobs.length);
      await subscriber.ping();
      expect(heard).toEqual([...jobs.map(() => '1'), 'finished']);

      // A dead-lettering finishes it too (partial).
      heard.length = 0;
      ({ runId, jobs } = await runOf(['ERROR a\nb\n']));
      await subscriber.subscribe(fixture.store.keys.runEvents(runId));
      await fixture.store.seal(runId, jobs.length);
      for (const job of jobs.slice(0, -1)) await countJob(job);
      await fixture.store.recordDeadLetter(jobs.at(-1)!, 'TASK_TIMEOUT: too slow');
      await subscriber.ping();
      expect(heard.at(-1)).toBe('finished');
      expect(await fixture.store.status(runId)).toBe('partial');
    } finally {
      subscriber.disconnect();
    }
  });

  it('ends partial with the dead range listed, and completed once that chunk is counted', async () => {
    const { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\nok\nERROR 3\n']);
    await fixture.store.seal(runId, jobs.length);
    const [first, ...rest] = jobs;
    expect(await fixture.store.recordDeadLetter(first!, 'TASK_TIMEOUT: too slow')).toEqual({
      outcome: 'recorded',
      generation: 1,
    });
    // Dead already: same generation, and the latest reason.
    expect(await fixture.store.recordDeadLetter(first!, 'TASK_TIMEOUT: still too slow')).toEqual({
      outcome: 'duplicate',
      generation: 1,
    });
    for (const job of rest) await countJob(job);
    let report = await fixture.store.report(runId);
    expect(report.status).toBe('partial');
    expect(report.totals.chunksDeadLettered).toBe(1);
    expect(report.sources[0]!.deadLettered).toEqual([
      {
        firstLine: 1,
        lineCount: first!.lineCount,
        byteOffset: 0,
        byteLength: first!.byteLength,
        reason: 'TASK_TIMEOUT: still too slow',
      },
    ]);
    // The dead chunk's bytes are kept for replay.
    expect(await fixture.store.readChunk(first!)).not.toBeNull();
    // A delivery that raced the dead-lettering counts it after all: generation 1 is stale.
    expect(await countJob(first!)).toEqual({ outcome: 'recorded', revivedGeneration: 1 });
    report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({
      chunksDeadLettered: 0,
      chunksDone: jobs.length,
      matches: { ERROR: { lines: 3, occurrences: 3 } },
    });
    expect(report.sources[0]!.deadLettered).toEqual([]);
  });

  it('writes the counts hash under the names count-fields.ts gives, and no others', async () => {
    const two = [...PATTERNS, { pattern: 'WARN', regex: false, ignoreCase: false }];
    const { runId } = await fixture.store.createRun({ patterns: two, sources: ['a.log', 'b.log'] });
    const jobs = ['ERROR WARN\n', 'WARN\n'].map((text, source) => {
      const bytes = Buffer.from(text);
      const place = { seq: 0, byteOffset: 0, byteLength: bytes.length, firstLine: 1, lineCount: 1 };
      return { bytes, job: { v: 1 as const, runId, source, ...place, patterns: two } };
    });
    for (const { bytes, job } of jobs)
      expect(await fixture.store.storeChunk(runId, job.source, job, bytes)).toBe('recorded');
    const [counted, dead] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];
    const counts = createChunkCounter(two)(counted.bytes);
    expect((await fixture.store.recordResult(counted.job, counts, 'w1')).outcome).toBe('recorded');
    expect((await fixture.store.recordDeadLetter(dead.job, 'x')).outcome).toBe('recorded');
    const lost = { seq: 1, byteOffset: 5, byteLength: 4, firstLine: 2, lineCount: 1 };
    expect(await fixture.store.recordLostChunk(runId, 1, lost, 'LOST: gone')).toBe(true);
    await fixture.store.seal(runId, 3);
    const fields = Object.keys(await fixture.client.hgetall(fixture.store.keys.counts(runId)));
    expect(fields.sort()).toEqual(
      [
        ...Object.values(RunCounter),
        ...[0, 1].flatMap((s) => [sourceField(s, 'chunks'), sourceField(s, 'bytes'), sourceField(s, 'lines')]),
        ...[0, 1].flatMap((pattern) => [patternField(0, pattern, 'lines'), patternField(0, pattern, 'occurrences')]),
        anyField(0),
        workerField('w1'),
      ].sort(),
    );
    expect(await fixture.store.report(runId)).toMatchObject({
      status: 'partial',
      totals: { chunks: 3, chunksDone: 1, chunksDeadLettered: 2, bytes: 20, lines: 3, any: { lines: 1 } },
      workers: { w1: 1 },
    });
    expect(await fixture.store.settledBytes(runId)).toBe(20);
  });

  it('refuses to record into a run that does not exist', async () => {
    const { jobs } = await runOf(['ERROR\n']);
    const orphan = { ...jobs[0]!, runId: 'r-0-gone' };
    expect(
      (await fixture.store.recordResult(orphan, { bytes: 6, lines: 1, matches: [{ lines: 1, occurrences: 1 }] }, 'w'))
        .outcome,
    ).toBe('run-missing');
    expect((await fixture.store.recordDeadLetter(orphan, 'x')).outcome).toBe('run-missing');
  });

  it('stores a chunk once however often it is stored', async () => {
    const { runId, jobs } = await runOf(['ERROR\nok\n']);
    const bytes = Buffer.from('ERROR\nok\n');
    expect(
      await fixture.store.storeChunk(
        runId,
        0,
        { seq: 0, byteOffset: 0, byteLength: bytes.length, lineCount: 2 },
        bytes,
      ),
    ).toBe('duplicate');
    await fixture.store.seal(runId, jobs.length);
    await countJob(jobs[0]!);
    expect((await fixture.store.report(runId)).totals).toMatchObject({
      chunks: 1,
      bytes: 9,
      lines: 2,
      matches: { ERROR: { lines: 1, occurrences: 1 } },
    });
  });

  it('replays a dead chunk: the run runs again and ends completed; a second failure is a new generation', async () => {
    const { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\n', 'ok\n']);
    await fixture.store.seal(runId, jobs.length);
    const [dead, ...rest] = jobs;
    for (const job of rest) await countJob(job);
    await fixture.store.recordDeadLetter(dead!, 'TASK_TIMEOUT: slow');
    expect(await fixture.store.status(runId)).toBe('partial');

    expect(await fixture.store.prepareReplay(dead!, 2)).toBe('not-dead');
    expect(await fixture.store.prepareReplay(dead!, 1)).toBe('ready');
    // Repeating an interrupted replay is harmless.
    expect(await fixture.store.prepareReplay(dead!, 1)).toBe('ready');
    expect(await fixture.store.progress(runId)).toMatchObject({ status: 'running', chunksDeadLettered: 0 });
    expect((await fixture.store.report(runId)).sources[0]!.deadLettered).toEqual([]);

    // The replay fails too: dead again, as generation 2.
    expect(await fixture.store.recordDeadLetter(dead!, 'TASK_TIMEOUT: slow again')).toEqual({
      outcome: 'recorded',
      generation: 2,
    });
    expect(await fixture.store.progress(runId)).toMatchObject({ status: 'partial', chunksDeadLettered: 1 });
    expect(await fixture.store.prepareReplay(dead!, 2)).toBe('ready');
    expect(await countJob(dead!)).toEqual({ outcome: 'recorded', revivedGeneration: 2 });
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({
      chunksDone: jobs.length,
      chunksDeadLettered: 0,
      matches: { ERROR: { lines: 2, occurrences: 2 } },
    });
    expect(await fixture.store.prepareReplay(dead!, 2)).toBe('not-dead');
  });

  it('will not replay a chunk whose bytes are gone', async () => {
    const { runId, jobs } = await runOf(['ERROR\n']);
    await fixture.store.seal(runId, jobs.length);
    await fixture.store.recordDeadLetter(jobs[0]!, 'x');
    expect(await fixture.store.dropChunkBytes([{ ...jobs[0]!, generation: 1 }])).toBe(1);
    expect(await fixture.store.prepareReplay(jobs[0]!, 1)).toBe('bytes-gone');
    expect(await fixture.store.status(runId)).toBe('partial');
  });

  it('records a chunk Redis lost as dead-lettered, with its range, and enqueued', async () => {
    const { runId, jobs } = await runOf(['ERROR\nok\n']);
    await countJob(jobs[0]!);
    const lost = { seq: 1, byteOffset: 9, byteLength: 12, firstLine: 3, lineCount: 2 };
    expect(await fixture.store.recordLostChunk(runId, 0, lost, 'LOST: gone')).toBe(true);
    expect(await fixture.store.recordLostChunk(runId, 0, lost, 'LOST: gone')).toBe(false);
    await fixture.store.seal(runId, 2);
    const report = await fixture.store.report(runId);
    expect(report.status).toBe('partial');
    expect(report.totals).toMatchObject({ chunks: 2, bytes: 21, lines: 4, chunksDone: 1, chunksDeadLettered: 1 });
    expect(report.sources[0]!.deadLettered).toEqual([
      { firstLine: 3, lineCount: 2, byteOffset: 9, byteLength: 12, reason: 'LOST: gone' },
    ]);
  });

  it('counts the lines of a chunk read from shared storage once: dead, replayed, then counted', async () => {
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['shared.log'] });
    const job = {
      v: 1 as const,
      runId,
      source: 0,
      seq: 0,
      byteOffset: 0,
      byteLength: 30,
      path: 'shared.log',
      patterns: PATTERNS,
    };
    expect(await fixture.store.storeChunk(runId, 0, { seq: 0, byteOffset: 0, byteLength: 30, lineCount: null })).toBe(
      'recorded',
    );
    await fixture.store.seal(runId, 1);
    expect(await fixture.store.recordDeadLetter(job, 'TASK_TIMEOUT: slow', { lineCount: 5 })).toEqual({
      outcome: 'recorded',
      generation: 1,
    });
    let report = await fixture.store.report(runId);
    expect(report.totals.lines).toBe(5);
    expect(report.sources[0]!.deadLettered[0]).toMatchObject({ firstLine: 1, lineCount: 5 });
    expect(await fixture.store.prepareReplay(job, 1)).toBe('ready');
    expect(
      (await fixture.store.recordResult(job, { bytes: 30, lines: 5, matches: [{ lines: 2, occurrences: 3 }] }, 'w'))
        .outcome,
    ).toBe('recorded');
    report = await fixture.store.report(runId);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({ lines: 5, bytes: 30, matches: { ERROR: { lines: 2, occurrences: 3 } } });
  });

  it('never finishes short of what the coordinator sealed, and counts no chunk it does not know', async () => {
    const { runId, jobs } = await runOf(['ERROR 1\nok\nERROR 2\nok\nERROR 3\n']);
    // As after a restart that lost the last chunk's enqueueing: sealed for one more.
    const [lost, ...known] = jobs.reverse();
    const counts = fixture.store.keys.counts(runId);
    await fixture.client
      .multi()
      .hdel(fixture.store.keys.chunkStates(runId), `0.${lost!.seq}`)
      .hincrby(counts, 'chunks', -1)
      .hincrby(counts, 's0:chunks', -1)
      .hincrby(counts, 's0:bytes', -lost!.byteLength)
      .hincrby(counts, 's0:lines', -lost!.lineCount)
      .exec();
    await fixture.store.seal(runId, jobs.length);
    for (const job of known) await countJob(job);
    expect(await countJob(lost!)).toEqual({ outcome: 'chunk-unknown', revivedGeneration: 0 });
    expect((await fixture.store.recordDeadLetter(lost!, 'x')).outcome).toBe('chunk-unknown');
    expect(await fixture.store.status(runId)).toBe('running');
    // Enqueued again (the coordinator's repair), it counts and the run completes.
    expect(
      await fixture.store.storeChunk(
        runId,
        0,
        { seq: lost!.seq, byteOffset: lost!.byteOffset, byteLength: lost!.byteLength, lineCount: lost!.lineCount },
        (await fixture.store.readChunk(lost!)) ?? Buffer.alloc(0),
      ),
    ).toBe('recorded');
    await countJob(lost!);
    await fixture.store.seal(runId, jobs.length);
    expect(await fixture.store.report(runId)).toMatchObject({
      status: 'completed',
      totals: { chunks: jobs.length, lines: 5, matches: { ERROR: { lines: 3, occurrences: 3 } } },
    });
  });

  it('adds a chunk only with its bytes in Redis: bytes lost after being stored are stored again', async () => {
    // Bytes that Redis loses right after storing them, the first `losses` times (as a
    // restart or failover between their SET and the accounting would).
    class LosingBytes extends RedisChunkBytes {
      stores = 0;
      constructor(private losses: number) {
        super(fixture.client);
      }
      override async store(items: readonly ChunkBytesItem[]): Promise<void> {
        this.stores++;
        await super.store(items);
        if (this.losses-- > 0) await fixture.client.del(...items.map((item) => item.key));
      }
    }
    const keys = new RedisKeys('t-run-store');
    const bytes = Buffer.from('ERROR one\ntwo\n');
    const chunk = { seq: 0, byteOffset: 0, byteLength: bytes.length, lineCount: 2 };

    const once = new LosingBytes(1);
    const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['a.log'] });
    expect(await new RunStore(fixture.client, keys, once).storeChunk(runId, 0, chunk, bytes)).toBe('recorded');
    expect(once.stores).toBe(2);
    expect(await fixture.store.readChunk({ runId, source: 0, seq: 0, byteLength: bytes.length })).toEqual(bytes);
    expect(await fixture.store.chunkState({ runId, source: 0, seq: 0 })).toBe('queued');

    const always = new LosingBytes(Infinity);
    const second = await fixture.store.createRun({ patterns: PATTERNS, sources: ['b.log'] });
    await expect(new RunStore(fixture.client, keys, always).storeChunk(second.runId, 0, chunk, bytes)).rejects.toThrow(
      /vanished/,
    );
    expect(await fixture.store.chunkState({ runId: second.runId, source: 0, seq: 0 })).toBeNull();
  });

  describe("a job's chunks stored as one pack", () => {
    const keys = new RedisKeys('t-run-store');

    /** A run of one source whose chunks (16 bytes or so each) are stored as one pack, as a coordinator stores a job's. */
    async function packedRun(
      text: string,
    ): Promise<{ runId: string; jobs: StoredChunkJob[]; texts: Buffer[]; pack: string }> {
      const { runId } = await fixture.store.createRun({ patterns: PATTERNS, sources: ['p.log'] });
      const chunks = [];
      for await (const chunk of chunkStream([Buffer.from(text)], { chunkSize: 16, maxLineSize: 1024, sourceName: 's' }))
        chunks.push(chunk);
      const jobs = packed(
        chunks.map((chunk) => ({
          v: 1,
          runId,
          source: 0,
          seq: chunk.seq,
          byteOffset: chunk.byteOffset,
          byteLength: chunk.bytes.length,
          firstLine: chunk.firstLine,
          lineCount: chunk.lineCount,
          patterns: PATTERNS,
        })),
      );
      const outcomes = await fixture.store.storeChunks(
        runId,
        chunks.map((chunk) => ({
          source: 0,
          chunk: { ...chunk, byteLength: chunk.bytes.length },
          parts: [chunk.bytes],
        })),
      );
      expect(outcomes.every((outcome) => outcome === 'recorded')).toBe(true);
      return {
        runId,
        jobs,
        texts: chunks.map((chunk) => Buffer.from(chunk.bytes)),
        pack: keys.chunkPack(runId, 0, 0, chunks.length - 1),
      };
    }

    it('reads a whole pack in one piece and any chunk of it alone, and deletes it once every chunk is counted', async () => {
      const { runId, jobs, texts, pack } = await packedRun(
        'ERROR one\ntwo\nthree ERROR\nfour\nfive ERROR ERROR\nsix\n',
      );
      expect(jobs.length).toBeGreaterThanOrEqual(3);
      expect(jobs.map((job) => job.pack?.offset)).toEqual(jobs.map((job) => job.byteOffset));
      expect(await fixture.client.exists(pack)).toBe(1);
      expect(await fixture.client.exists(keys.chunkPack(runId, 0, 0, 0))).toBe(0);
      for (const [i, job] of jobs.entries()) expect(await fixture.store.readChunk(job)).toEqual(texts[i]);

      // The whole pack into one buffer, end to end (one GET); one chunk alone (its range).
      const whole = Buffer.alloc(texts.reduce((sum, text) => sum + text.length, 0));
      let end = 0;
      const targets = jobs.map((job) => whole.subarray(end, (end += job.byteLength)));
      expect(await fixture.store.readChunksInto(jobs.map((job, i) => ({ job, target: targets[i]! })))).toEqual(
        jobs.map((job) => job.byteLength),
      );
      expect(whole).toEqual(Buffer.concat(texts));
      const alone = Buffer.alloc(jobs[1]!.byteLength);
      expect(await fixture.store.readChunksInto([{ job: jobs[1]!, target: alone }])).toEqual([jobs[1]!.byteLength]);
      expect(alone).toEqual(texts[1]);

      await fixture.store.seal(runId, jobs.length);
      for (const job of jobs.slice(0, -1)) await countJob(job);
      // Chunks still to be counted need the pack.
      expect(await fixture.client.exists(pack)).toBe(1);
      await countJob(jobs[jobs.length - 1]!);
      expect(await fixture.client.exists(pack)).toBe(0);
      expect(
        await fixture.store.readChunksInto([{ job: jobs[0]!, target: Buffer.alloc(jobs[0]!.byteLength) }]),
      ).toEqual([null]);
      expect((await fixture.store.report(runId)).totals).toMatchObject({
        chunksDone: jobs.length,
        matches: { ERROR: { lines: 3, occurrences: 4 } },
      });
    });

    it('keeps a pack with a dead chunk for the retention once no chunk in it is left to count; a replay keeps it until the chunk is counted', async () => {
      const { runId, jobs, pack } = await packedRun('ERROR one\ntwo\nthree ERROR\nfour\nfive ERROR\n');
      const [first, dead, ...rest] = jobs;
      await fixture.store.seal(runId, jobs.length);
      await countJob(first!);
      await fixture.store.recordDeadLetter(dead!, 'TASK_TIMEOUT: slow', { retentionMs: 60_000 });
      // The chunks after it are still to be counted: no expiry yet.
      expect(await fixture.client.pttl(pack)).toBe(-1);
      for (const job of rest)
        await fixture.store.recordResults(
          [job],
          [createChunkCounter(PATTERNS)((await fixture.store.readChunk(job))!)],
          'w1',
          60_000,
        );
      const ttl = await fixture.client.pttl(pack);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await fixture.store.status(runId)).toBe('partial');

      expect(await fixture.store.prepareReplay(dead!, 1)).toBe('ready');
      expect(await fixture.client.pttl(pack)).toBe(-1);
      expect(await countJob(dead!)).toEqual({ outcome: 'recorded', revivedGeneration: 1 });
      expect(await fixture.client.exists(pack)).toBe(0);
      expect(await fixture.store.status(runId)).toBe('completed');
    });

    it("drops dead chunks' pack only when no other chunk in it may still be counted or replayed", async () => {
      const { runId, jobs, pack } = await packedRun('ERROR one\ntwo\nthree ERROR\nfour\n');
      const [a, b, ...rest] = jobs;
      await fixture.store.seal(runId, jobs.length);
      for (const job of rest) await countJob(job);
      await fixture.store.recordDeadLetter(a!, 'x');
      await fixture.store.recordDeadLetter(b!, 'y');
      // b may still be replayed; a in a generation it is not in is not dropped.
      expect(await fixture.store.dropChunkBytes([{ ...a!, generation: 1 }])).toBe(0);
      expect(
        await fixture.store.dropChunkBytes([
          { ...a!, generation: 2 },
          { ...b!, generation: 1 },
        ]),
      ).toBe(0);
      expect(await fixture.client.exists(pack)).toBe(1);
      expect(await fixture.store.prepareReplay(b!, 1)).toBe('ready');
      // Being replayed, b is no longer dead in generation 1: its bytes stay.
      expect(
        await fixture.store.dropChunkBytes([
          { ...a!, generation: 1 },
          { ...b!, generation: 1 },
        ]),
      ).toBe(0);
      await countJob(b!);
      // a is still dead and kept: the pack is given the retention back.
      expect(await fixture.client.pttl(pack)).toBeGreaterThan(0);
      expect(await fixture.store.dropChunkBytes([{ ...a!, generation: 1 }])).toBe(1);
      expect(await fixture.client.exists(pack)).toBe(0);
      expect(await fixture.store.prepareReplay(a!, 1)).toBe('bytes-gone');
      expect(await fixture.store.status(runId)).toBe('partial');
    });

    it('drops a pack whose chunks are all dead once they are all purged together, counted ones among them', async () => {
      const { jobs, pack } = await packedRun('ERROR one\ntwo\nthree ERROR\nfour\n');
      for (const job of jobs) await fixture.store.recordDeadLetter(job, 'x');
      expect(await fixture.client.pttl(pack)).toBeGreaterThan(0);
      expect(await fixture.store.dropChunkBytes(jobs.slice(1).map((job) => ({ ...job, generation: 1 })))).toBe(0);
      // The first was counted after all (a stale entry): it needs no bytes either.
      await countJob(jobs[0]!);
      expect(await fixture.store.dropChunkBytes(jobs.map((job) => ({ ...job, generation: 1 })))).toBe(1);
      expect(await fixture.client.exists(pack)).toBe(0);
    });

    it("records a whole pack's chunks in one call, a chunk given twice counted once, and reads the pack in one GET", async () => {
      class CountedReads extends RedisChunkBytes {
        reads: { key: string; start?: number }[] = [];
        override readInto(reads: Parameters<RedisChunkBytes['readInto']>[0]) {
          this.reads.push(...reads.map(({ key, start }) => ({ key, ...(start !== undefined ? { start } : {}) })));
          return super.readInto(reads);
        }
      }
      const bytes = new CountedReads(fixture.client);
      const counting = new RunStore(fixture.client, keys, bytes);
      const { runId, jobs, texts, pack } = await packedRun(
        'ERROR one\ntwo\nthree ERROR\nfour\nfive ERROR ERROR\nsix\n',
      );
      const whole = Buffer.alloc(texts.reduce((sum, text) => sum + text.length, 0));
      let end = 0;
      const targets = jobs.map((job) => whole.subarray(end, (end += job.byteLength)));
      await counting.readChunksInto(jobs.map((job, i) => ({ job, target: targets[i]! })));
      expect(bytes.reads).toEqual([{ key: pack }]);
      // Out of order, they are read one by one, as ranges.
      bytes.reads = [];
      await counting.readChunksInto([...jobs].reverse().map((job) => ({ job, target: Buffer.alloc(job.byteLength) })));
      expect(bytes.reads).toEqual([...jobs].reverse().map((job) => ({ key: pack, start: job.pack!.offset })));

      await fixture.store.seal(runId, jobs.length);
      const counter = createChunkCounter(PATTERNS);
      const twice = [...jobs, jobs[0]!];
      const results = await fixture.store.recordResults(
        twice,
        twice.map((_, i) => counter(texts[i % jobs.length]!)),
        'w1',
      );
      expect(results.map((result) => result.outcome)).toEqual([...jobs.map(() => 'recorded'), 'duplicate']);
      const report = await fixture.store.report(runId);
      expect(report.status).toBe('completed');
      expect(report.totals).toMatchObject({
        chunksDone: jobs.length,
        matches: { ERROR: { lines: 3, occurrences: 4 } },
      });
      expect(report.workers).toEqual({ w1: jobs.length });
      expect(await fixture.client.exists(pack)).toBe(0);
    });

    it('drops the pack of a failed run as its chunks come, unless one of them is dead-lettered', async () => {
      const failed = await packedRun('ERROR one\ntwo\nthree ERROR\nfour\n');
      await fixture.store.fail(failed.runId, 'input broke');
      expect((await countJob(failed.jobs[0]!)).outcome).toBe('run-failed');
      expect(await fixture.client.exists(failed.pack)).toBe(0);

      // One chunk dead while the others were still to be counted: no expiry then. Once the
      // run failed, nobody will count them: the pack is kept for the retention only.
      const withDead = await packedRun('ERROR one\ntwo\nthree ERROR\nfour\n');
      await fixture.store.recordDeadLetter(withDead.jobs[0]!, 'x');
      expect(await fixture.client.pttl(withDead.pack)).toBe(-1);
      await fixture.store.fail(withDead.runId, 'input broke');
      expect((await countJob(withDead.jobs[1]!)).outcome).toBe('run-failed');
      expect(await fixture.client.pttl(withDead.pack)).toBeGreaterThan(0);

      // Dead-lettered after the run failed: the retention at once.
      const deadAfter = await packedRun('ERROR one\ntwo\nthree ERROR\nfour\n');
      await fixture.store.fail(deadAfter.runId, 'input broke');
      await fixture.store.recordDeadLetter(deadAfter.jobs[0]!, 'x');
      expect(await fixture.client.pttl(deadAfter.pack)).toBeGreaterThan(0);
    });
  });
});
