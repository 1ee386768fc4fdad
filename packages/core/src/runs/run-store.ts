import { randomBytes } from 'node:crypto';
import { type ChunkBytes, RedisChunkBytes } from '../chunk-bytes/chunk-bytes.js';
import type { RedisClient } from '../redis/connection.js';
import { type ChunkJobData, type ChunkPack, checkPackable, chunkId, isFileChunk, packOf } from '../contract/job.js';
import { RunNotFoundError } from '../errors.js';
import type { ChunkInsight } from '../contract/chunk-findings.js';
import { type SpikeReport, assembleInsight } from '../insight/insight-report.js';
import type { ChunkCounts } from '../matching/counts.js';
import type { RedisKeys } from '../redis/keys.js';
import type { RunProgress, RunReport, RunStatus } from './report.js';
import { assembleReport, readCounter } from './report-assembly.js';
import type { RunDefinition } from './run-definition.js';
import {
  dropChunkBytesScript,
  prepareReplayScript,
  recordDeadLetterScript,
  recordLostChunkScript,
  recordResultsScript,
  recordSpikeScript,
  sealRunScript,
  storeChunksScript,
} from './run-scripts.js';

/** How long a dead-lettered chunk's bytes are kept for inspection and replay. */
export const DEFAULT_DEAD_LETTER_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * The messages on a run's event channel that say the run has ended (the step that
 * finished it, or its failure); every other message only says that something settled.
 */
export const RUN_ENDED_EVENTS: ReadonlySet<string> = new Set(['finished', 'failed']);

/** Where a chunk is: not enqueued (null), waiting to be counted, counted, dead-lettered, or being replayed. */
export type ChunkState = 'queued' | 'done' | 'dead' | 'replaying' | null;

/**
 * `recorded` now, `duplicate` (settled before), the run is gone, the run does not know
 * the chunk (Redis lost it in a restart; its coordinator enqueues it again), or the run
 * failed (its remaining chunks are dropped as workers reach them).
 */
export type RecordOutcome = 'recorded' | 'duplicate' | 'run-missing' | 'chunk-unknown' | 'run-failed';

export interface RecordResult {
  outcome: RecordOutcome;
  /**
   * When the chunk had been dead-lettered and is counted now: the dead-letter
   * generation it leaves, whose dead-letter entry is stale from now on; otherwise 0.
   */
  revivedGeneration: number;
}

export interface DeadLetterRecord {
  outcome: RecordOutcome;
  /** The chunk's dead-letter generation: one per time it was dead-lettered; 0 if it was counted. */
  generation: number;
}

export type ReplayReadiness = 'ready' | 'not-dead' | 'bytes-gone';

/** What names a chunk's pack: its run, source and seq, and the pack its job data names, if any. */
type PackedChunk = Pick<ChunkJobData, 'runId' | 'source' | 'seq'> & { pack?: ChunkPack | undefined };

/** What names a stored chunk's bytes: its pack, and (for a range of a pack) its length. */
export type StoredChunkRef = PackedChunk & Pick<ChunkJobData, 'byteLength'>;

/** Where a chunk lies in its source; `lineCount` is null when the workers are to count its lines. */
export interface ChunkPlacement {
  seq: number;
  byteOffset: number;
  byteLength: number;
  lineCount: number | null;
}

/** A dead-lettered range as the run keeps it; see `assembleReport`. */
export interface StoredDeadRange {
  source: number;
  seq: number;
  firstLine: number | null;
  lineCount: number | null;
  byteOffset: number;
  byteLength: number;
  reason: string;
}

/** `storeChunksScript`'s answer for a chunk whose bytes are not in Redis. */
const BYTES_MISSING = -4;
/** Times a chunk's bytes are SET before giving up on them staying. */
const MAX_STORE_ATTEMPTS = 5;

const OUTCOMES: Record<string, RecordOutcome> = { '1': 'recorded', '0': 'duplicate', '-1': 'run-missing', '-2': 'chunk-unknown', '-3': 'run-failed' };

export function newRunId(now = Date.now()): string {
  return `r-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A run's state in Redis: its definition, what was enqueued, what each chunk counted,
 * what was dead-lettered. Coordinators and workers on any host share it through Redis.
 */
export class RunStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: RedisKeys,
    /** How chunk bytes go to and from Redis; by default through `redis`. */
    private readonly bytes: ChunkBytes = new RedisChunkBytes(redis),
  ) {}

  async createRun(definition: RunDefinition): Promise<{ runId: string; startedAt: number }> {
    const runId = newRunId();
    const startedAt = Date.now();
    await this.ensureRun(runId, definition, startedAt);
    return { runId, startedAt };
  }

  /** Writes the run's record unless it is there: how a run lost in a Redis restart comes back. */
  async ensureRun(runId: string, definition: RunDefinition, startedAt: number): Promise<void> {
    const key = this.keys.run(runId);
    checkTransaction(
      await this.redis
        .multi()
        .hsetnx(key, 'runId', runId)
        .hsetnx(key, 'status', 'running')
        .hsetnx(key, 'definition', JSON.stringify(definition))
        .hsetnx(key, 'startedAt', startedAt)
        .zadd(this.keys.runs(), 'NX', startedAt, runId)
        .exec(),
    );
  }

  /**
   * Adds a chunk to what the run enqueued, once however often it is called, with its
   * bytes when they are to be kept in Redis (not for a chunk read from shared storage,
   * whose `lineCount` is then unknown, null).
   */
  async storeChunk(runId: string, source: number, chunk: ChunkPlacement, bytes?: Buffer): Promise<RecordOutcome> {
    const [outcome] = await this.storeChunks(runId, [{ source, chunk, ...(bytes ? { parts: [bytes] } : {}) }]);
    return outcome!;
  }

  /**
   * `storeChunk` for several chunks: first their bytes (one plain SET on the chunk-bytes
   * path: those given bytes are one pack, so they must be consecutive chunks of one
   * source; see `packed`), then, in one script, the accounting, which adds a chunk only
   * if its bytes are there (see `storeChunksScript`); bytes lost in between (a restart,
   * a failover) are SET again. With `again` (a call whose reply was lost being made
   * again), chunks Redis already knows are left as they are: their job may have been
   * added and counted since, its pack deleted, and setting it again would leave it to
   * nobody.
   */
  async storeChunks(
    runId: string,
    items: readonly { source: number; chunk: ChunkPlacement; parts?: readonly Uint8Array[] }[],
    { again = false }: { again?: boolean } = {},
  ): Promise<RecordOutcome[]> {
    // The script adds all of a call's chunks or none: known, they were all added.
    if (again && items.length > 0 && (await this.chunkStates(runId, items.map(({ source, chunk }) => chunkId({ source, seq: chunk.seq })))).every((state) => state !== null)) {
      return items.map(() => 'duplicate');
    }
    const stored = items.filter((item) => item.parts);
    checkPackable(stored.map(({ source, chunk }) => ({ source, ...chunk })));
    const pack = stored.length > 0 ? this.keys.chunkPack(runId, stored[0]!.source, stored[0]!.chunk.seq, stored[stored.length - 1]!.chunk.seq) : null;
    const outcomes: RecordOutcome[] = new Array<RecordOutcome>(items.length);
    let pending = items.map((_, i) => i);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_STORE_ATTEMPTS) throw new Error(`the bytes of ${pending.length} chunks of run ${runId} vanished from Redis ${MAX_STORE_ATTEMPTS} times after being stored (is Redis evicting keys? it must not: maxmemory-policy noeviction)`);
      const batch = pending.map((i) => items[i]!);
      if (pack !== null && batch.some((item) => item.parts)) await this.bytes.store([{ key: pack, parts: stored.flatMap((item) => item.parts!) }]);
      const args: (string | number)[] = [batch.length];
      for (const { source, chunk, parts } of batch) args.push(`${source}.${chunk.seq}`, source, chunk.byteLength, chunk.lineCount ?? '', parts ? '1' : '0');
      const keys = [this.keys.run(runId), this.keys.counts(runId), this.keys.chunkStates(runId), ...(pack !== null ? [pack] : [])];
      const results = (await storeChunksScript.run(this.redis, keys, args)) as number[];
      const again: number[] = [];
      results.forEach((code, at) => {
        if (code === BYTES_MISSING) again.push(pending[at]!);
        else outcomes[pending[at]!] = OUTCOMES[String(code)] ?? 'run-missing';
      });
      pending = again;
    }
    return outcomes;
  }

  /** A stored chunk's bytes, or null if Redis has none (for inspection; workers read them with `readChunksInto`). */
  async readChunk(job: StoredChunkRef): Promise<Buffer | null> {
    const pack = packOf(job);
    const key = this.packKey(job);
    if (pack.first === pack.last) return this.redis.getBuffer(key);
    const bytes = await this.redis.getrangeBuffer(key, pack.offset, pack.offset + job.byteLength - 1);
    return bytes.length === 0 ? null : bytes;
  }

  /**
   * Reads the bytes of several stored chunks, each into its target (as long as the
   * chunk), pipelined (a single Redis's chunk-bytes connection asks for at most 2 MiB of
   * replies at a time). Chunks that make up a whole pack, in order, with targets end to
   * end in one buffer (a job's chunks, as a worker reads them) are read as one value;
   * any other chunk of a pack is read as its range. Per chunk: the length Redis
   * holds (the target is filled only if that is its length), or null if the bytes are
   * gone.
   */
  async readChunksInto(reads: readonly { job: StoredChunkRef; target: Uint8Array }[]): Promise<(number | null)[]> {
    const plan: { key: string; target: Uint8Array; start?: number; chunks: number[] }[] = [];
    for (let i = 0; i < reads.length; ) {
      const { job } = reads[i]!;
      const pack = packOf(job);
      const members = pack.last - pack.first + 1;
      const whole = i + members <= reads.length ? spanOf(reads.slice(i, i + members), job, pack) : null;
      if (whole) {
        plan.push({ key: this.packKey(job), target: whole, chunks: Array.from({ length: members }, (_, k) => i + k) });
        i += members;
      } else if (job.byteLength === 0) {
        // Nothing to read (a range of no bytes would be taken for the whole value).
        i++;
      } else {
        plan.push({ key: this.packKey(job), target: reads[i]!.target, ...(members > 1 ? { start: pack.offset } : {}), chunks: [i] });
        i++;
      }
    }
    const lengths = await this.bytes.readInto(plan);
    const results: (number | null)[] = reads.map(({ job }) => (job.byteLength === 0 ? 0 : null));
    plan.forEach(({ target, start, chunks }, at) => {
      const found = lengthFound(lengths[at] ?? null, start !== undefined);
      if (chunks.length === 1) results[chunks[0]!] = found;
      // A whole pack of the wrong length says nothing of each chunk: each is read again on its own.
      else for (const i of chunks) results[i] = found === null ? null : found === target.length ? reads[i]!.job.byteLength : Number.NaN;
    });
    const misfits = reads.flatMap((read, i) => (Number.isNaN(results[i]) ? [{ ...read, i }] : []));
    if (misfits.length > 0) {
      const again = await this.bytes.readInto(misfits.map(({ job, target }) => ({ key: this.packKey(job), target, start: packOf(job).offset })));
      misfits.forEach(({ i }, at) => (results[i] = lengthFound(again[at] ?? null, true)));
    }
    return results;
  }

  /**
   * Marks every chunk of the run enqueued, `chunks` of them; the run finishes when that
   * many are settled.
   */
  async seal(runId: string, chunks: number): Promise<void> {
    await sealRunScript.run(this.redis, [this.keys.run(runId), this.keys.counts(runId)], [this.keys.runEvents(runId), chunks]);
  }

  /** Ends a run that cannot go on (its input broke, the coordinator hit an error). */
  async fail(runId: string, reason: string): Promise<void> {
    checkTransaction(
      await this.redis
        .multi()
        .hset(this.keys.run(runId), { status: 'failed', error: reason, finishedAt: Date.now() })
        .publish(this.keys.runEvents(runId), 'failed')
        .exec(),
    );
  }

  async chunkState(job: Pick<ChunkJobData, 'runId' | 'source' | 'seq'>): Promise<ChunkState> {
    return asState(await this.redis.hget(this.keys.chunkStates(job.runId), chunkId(job)));
  }

  /** States of many chunks of one run, in the order asked. */
  async chunkStates(runId: string, ids: readonly string[]): Promise<ChunkState[]> {
    if (ids.length === 0) return [];
    return (await this.redis.hmget(this.keys.chunkStates(runId), ...ids)).map(asState);
  }

  /** Adds a chunk's counts to its run, unless the chunk was counted before. */
  async recordResult(job: ChunkJobData, counts: ChunkCounts, workerId: string): Promise<RecordResult> {
    const [result] = await this.recordResults([job], [counts], workerId);
    return result!;
  }

  /**
   * `recordResult` for several chunks of one run, in one atomic step. A pack with
   * dead-lettered chunks left in it (a replayed chunk's) is kept for `retentionMs`.
   */
  async recordResults(jobs: readonly ChunkJobData[], counts: readonly ChunkCounts[], workerId: string, retentionMs = DEFAULT_DEAD_LETTER_RETENTION_MS): Promise<RecordResult[]> {
    if (jobs.length === 0) return [];
    const { runId } = jobs[0]!;
    const keys = [...this.chunkKeys({ runId, source: 0, seq: 0 }), this.keys.insight(runId)];
    const packs = new Map<string, number>();
    const packArgs: (string | number)[] = [];
    const chunkArgs: (string | number)[] = [];
    jobs.forEach((job, i) => {
      let packIndex = 0;
      if (!isFileChunk(job)) {
        const key = this.packKey(job);
        if (!packs.has(key)) {
          const { first, last } = packOf(job);
          packs.set(key, packs.size + 1);
          keys.push(key);
          packArgs.push(job.source, first, last);
        }
        packIndex = packs.get(key)!;
      }
      const increments: (string | number)[] = [];
      counts[i]!.matches.forEach((match, pattern) => {
        if (match.lines > 0) increments.push(`s${job.source}:p${pattern}:l`, match.lines);
        if (match.occurrences > 0) increments.push(`s${job.source}:p${pattern}:o`, match.occurrences);
      });
      const any = counts[i]!.any;
      if (any !== undefined && any > 0) increments.push(`s${job.source}:any`, any);
      // Nobody counted the lines of a chunk read from shared storage before this worker.
      const countedHere = isFileChunk(job) ? counts[i]!.lines : '';
      const found = counts[i]!.insight;
      // Where the chunk starts is the job's to say (a chunk on shared storage: nobody knows yet).
      const insight = found ? JSON.stringify({ ...found, firstLine: isFileChunk(job) ? null : job.firstLine }) : '';
      chunkArgs.push(chunkId(job), job.byteLength, countedHere, `s${job.source}:lines`, packIndex, increments.length / 2, ...increments, insight);
    });
    const args = [`w:${workerId}`, this.keys.runEvents(runId), jobs.length, retentionMs, packs.size, ...packArgs, ...chunkArgs];
    const results = (await recordResultsScript.run(this.redis, keys, args)) as [number, number][];
    return results.map(([code, generation]) => ({ outcome: OUTCOMES[String(code)] ?? 'run-missing', revivedGeneration: generation }));
  }

  /**
   * Records a chunk that failed for good, unless it was counted before. A chunk that is
   * dead already keeps its generation and gets the new reason.
   */
  async recordDeadLetter(
    job: ChunkJobData,
    reason: string,
    { retentionMs = DEFAULT_DEAD_LETTER_RETENTION_MS, lineCount = null }: { retentionMs?: number; lineCount?: number | null } = {},
  ): Promise<DeadLetterRecord> {
    // A chunk read from shared storage has no known first line: the report works it out
    // from the line counts of the chunks before it. Its line count is what the
    // dead-lettering worker could count, if it could read the chunk.
    const range: StoredDeadRange = {
      source: job.source,
      seq: job.seq,
      firstLine: isFileChunk(job) ? null : job.firstLine,
      lineCount: isFileChunk(job) ? lineCount : job.lineCount,
      byteOffset: job.byteOffset,
      byteLength: job.byteLength,
      reason,
    };
    // A chunk read from shared storage has no pack: its key is one nobody sets.
    const pack = packOf(job);
    const [code, generation] = (await recordDeadLetterScript.run(this.redis, this.chunkKeys(job), [
      chunkId(job),
      JSON.stringify(range),
      job.byteLength,
      this.keys.runEvents(job.runId),
      retentionMs,
      isFileChunk(job) && lineCount !== null ? lineCount : '',
      `s${job.source}:lines`,
      job.source,
      pack.first,
      pack.last,
    ])) as [number, number];
    return { outcome: OUTCOMES[String(code)] ?? 'run-missing', generation };
  }

  /**
   * Records a chunk Redis lost and nobody can enqueue again as dead-lettered, so that
   * the report lists its range instead of coming out short. False if Redis knows it.
   */
  async recordLostChunk(runId: string, source: number, chunk: ChunkPlacement & { firstLine: number; lineCount: number }, reason: string): Promise<boolean> {
    const { seq, ...range } = chunk;
    const result = await recordLostChunkScript.run(this.redis, this.chunkKeys({ runId, source, seq }), [
      `${source}.${seq}`,
      source,
      range.byteLength,
      range.lineCount,
      JSON.stringify({ source, seq, ...range, reason } satisfies StoredDeadRange),
      this.keys.runEvents(runId),
    ]);
    return result === 1;
  }

  /** Puts back the bytes of a chunk that is still to be counted (after Redis lost them), as a pack of its own. */
  async restoreChunkBytes(runId: string, source: number, seq: number, bytes: Buffer): Promise<void> {
    await this.bytes.store([{ key: this.keys.chunkPack(runId, source, seq, seq), parts: [bytes] }]);
  }

  /** Whether the pack holding a stored chunk's bytes is in Redis. */
  async chunkBytesExist(job: StoredChunkRef): Promise<boolean> {
    return (await this.redis.exists(this.packKey(job))) === 1;
  }

  /** Takes a dead-lettered chunk (of the given generation) back so that it can be enqueued again. */
  async prepareReplay(job: ChunkJobData, generation: number): Promise<ReplayReadiness> {
    const stored = isFileChunk(job) ? '0' : '1';
    const result = await prepareReplayScript.run(this.redis, this.chunkKeys(job), [chunkId(job), generation, stored]);
    return result === 1 ? 'ready' : result === -1 ? 'bytes-gone' : 'not-dead';
  }

  /** How many times the chunk was dead-lettered (its current dead-letter generation). */
  async deadGeneration(job: Pick<ChunkJobData, 'runId' | 'source' | 'seq'>): Promise<number> {
    return readCounter(await this.redis.hget(this.keys.deadGenerations(job.runId), chunkId(job)));
  }

  /**
   * Drops the bytes of dead-lettered chunks that will not be replayed, each still dead
   * in the generation given: per pack, once no other chunk in it needs them. Returns
   * the packs deleted.
   */
  async dropChunkBytes(chunks: readonly (StoredChunkRef & { generation: number })[]): Promise<number> {
    const packs = new Map<string, { chunk: StoredChunkRef; args: (string | number)[] }>();
    for (const chunk of chunks) {
      const key = this.packKey(chunk);
      const pack = packs.get(key) ?? { chunk, args: [] };
      pack.args.push(chunkId(chunk), chunk.generation);
      packs.set(key, pack);
    }
    let dropped = 0;
    for (const [key, { chunk, args }] of packs) {
      const { first, last } = packOf(chunk);
      const keys = [this.keys.chunkStates(chunk.runId), this.keys.deadGenerations(chunk.runId), key];
      dropped += (await dropChunkBytesScript.run(this.redis, keys, [chunk.source, first, last, ...args])) as number;
    }
    return dropped;
  }

  /** Counts a spike of the run once, for `logcluster_spikes_total`. */
  async recordSpike(runId: string, spike: SpikeReport): Promise<void> {
    await recordSpikeScript.run(this.redis, [this.keys.spikesSeen(), this.keys.spikeCounts()], [`${runId}|${spike.pattern}|${spike.start}`, spike.pattern]);
  }

  /** Spikes recorded per pattern, over all runs under the prefix. */
  async spikeCounts(): Promise<Map<string, number>> {
    const counts = await this.redis.hgetall(this.keys.spikeCounts());
    return new Map(Object.entries(counts).map(([pattern, n]) => [pattern, Number(n)]));
  }

  /** Bytes of the run that were counted or dead-lettered: what is no longer in flight. */
  async settledBytes(runId: string): Promise<number> {
    return readCounter(await this.redis.hget(this.keys.counts(runId), 'settledBytes'));
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.run(runId))) === 1;
  }

  /** A run's status and how many of its chunks are settled: the cheap question to ask often. */
  async settlement(runId: string): Promise<{ status: RunStatus; settled: number }> {
    const results = checkTransaction(
      await this.redis.multi().hget(this.keys.run(runId), 'status').hmget(this.keys.counts(runId), 'done', 'dead').exec(),
    );
    const status = results[0] as string | null;
    if (status === null) throw this.notFound(runId);
    const [done, dead] = results[1] as (string | null)[];
    return { status: status as RunStatus, settled: readCounter(done) + readCounter(dead) };
  }

  async status(runId: string): Promise<RunStatus> {
    const status = await this.redis.hget(this.keys.run(runId), 'status');
    if (status === null) throw this.notFound(runId);
    return status as RunStatus;
  }

  async report(runId: string): Promise<RunReport> {
    const [run, counts, dead] = await Promise.all([
      this.redis.hgetall(this.keys.run(runId)),
      this.redis.hgetall(this.keys.counts(runId)),
      this.redis.hgetall(this.keys.deadLetters(runId)),
    ]);
    if (!run.runId) throw this.notFound(runId);
    // Chunks read from shared storage: their line counts place dead ones in the source.
    const needLines = Object.values(dead).some((json) => (JSON.parse(json) as StoredDeadRange).firstLine === null);
    const definition = JSON.parse(run.definition ?? '{}') as RunDefinition;
    const lines = needLines || definition.insight?.top !== undefined ? await this.redis.hgetall(this.keys.chunkLines(runId)) : {};
    const report = assembleReport(run, counts, dead, Date.now(), lines);
    if (!definition.insight) return report;
    const found = await this.redis.hgetall(this.keys.insight(runId));
    const chunks = Object.entries(found).map(([id, json]) => {
      const [source, seq] = id.split('.').map(Number) as [number, number];
      return { source, seq, insight: JSON.parse(json) as ChunkInsight };
    });
    // A dead-lettered chunk's lines, to keep line numbers right past it.
    const deadLines = new Map(Object.values(dead).map((json) => {
      const range = JSON.parse(json) as StoredDeadRange;
      return [`${range.source}.${range.seq}`, range.lineCount] as const;
    }));
    const insight = assembleInsight(definition.insight, definition.patterns.map((spec) => spec.pattern), definition.sources, chunks, (source, seq) => {
      const counted = lines[`${source}.${seq}`];
      return counted !== undefined ? Number(counted) : (deadLines.get(`${source}.${seq}`) ?? null);
    });
    return { ...report, ...insight };
  }

  async progress(runId: string): Promise<RunProgress> {
    const [run, counts] = await Promise.all([this.redis.hgetall(this.keys.run(runId)), this.redis.hgetall(this.keys.counts(runId))]);
    if (!run.runId) throw this.notFound(runId);
    const report = assembleReport(run, counts, {}, Date.now());
    return {
      runId,
      status: report.status,
      patterns: report.patterns,
      allEnqueued: run.sealed === '1',
      chunks: report.totals.chunks,
      chunksDone: report.totals.chunksDone,
      chunksDeadLettered: report.totals.chunksDeadLettered,
      bytes: report.totals.bytes,
      bytesSettled: readCounter(counts.settledBytes),
      lines: report.totals.lines,
      sources: report.sources.map((source) => source.name),
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      durationMs: report.durationMs,
      ...(report.error ? { error: report.error } : {}),
    };
  }

  /** How many of the `limit` most recent runs are in each status. */
  async statusCounts(limit: number): Promise<Map<RunStatus, number>> {
    const ids = await this.recentRunIds(limit);
    const counts = new Map<RunStatus, number>();
    if (ids.length === 0) return counts;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.run(id), 'status');
    for (const [err, status] of (await pipeline.exec()) ?? []) {
      if (err || typeof status !== 'string') continue;
      counts.set(status as RunStatus, (counts.get(status as RunStatus) ?? 0) + 1);
    }
    return counts;
  }

  /** Run ids, newest first. */
  async recentRunIds(limit: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runs(), 0, limit - 1);
  }

  private notFound(runId: string): RunNotFoundError {
    return new RunNotFoundError(`no run ${runId} under prefix "${this.keys.prefix}"`);
  }

  /** The key of the pack that holds a stored chunk's bytes. */
  private packKey(job: PackedChunk): string {
    const { first, last } = packOf(job);
    return this.keys.chunkPack(job.runId, job.source, first, last);
  }

  /** The shared KEYS of the run scripts (see run-scripts.ts), with the chunk's pack as the fifth. */
  private chunkKeys(job: PackedChunk): string[] {
    const { runId } = job;
    return [
      this.keys.run(runId),
      this.keys.counts(runId),
      this.keys.chunkStates(runId),
      this.keys.deadLetters(runId),
      this.packKey(job),
      this.keys.deadGenerations(runId),
      this.keys.chunkLines(runId),
    ];
  }
}

/**
 * The one buffer that `reads` (the chunks of `job`'s pack, if these are they, in order)
 * fill end to end, or null: they are not the whole pack, or their targets are not
 * consecutive parts of one buffer.
 */
function spanOf(reads: readonly { job: StoredChunkRef; target: Uint8Array }[], job: StoredChunkRef, pack: ChunkPack): Uint8Array | null {
  if (pack.offset !== 0 || job.seq !== pack.first) return null;
  let end = reads[0]!.target.byteOffset;
  for (const [k, read] of reads.entries()) {
    const { target } = read;
    const its = packOf(read.job);
    if (read.job.seq !== pack.first + k || read.job.source !== job.source || read.job.runId !== job.runId || its.first !== pack.first || its.last !== pack.last) return null;
    if (its.offset !== target.byteOffset - reads[0]!.target.byteOffset) return null;
    if (target.buffer !== reads[0]!.target.buffer || target.byteOffset !== end || target.length !== read.job.byteLength) return null;
    end += target.length;
  }
  const first = reads[0]!.target;
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** A read's length, null if the bytes are gone: a range of a missing key comes back empty, and a chunk read as a range is never empty. */
function lengthFound(length: number | null, range: boolean): number | null {
  return range && length === 0 ? null : length;
}

function asState(value: string | null): ChunkState {
  return value === 'queued' || value === 'done' || value === 'dead' || value === 'replaying' ? value : null;
}

/** The results of a MULTI, or the first error among them: ioredis reports each command's error alongside, not by rejecting. */
function checkTransaction(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('a Redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results.map(([, result]) => result);
}
