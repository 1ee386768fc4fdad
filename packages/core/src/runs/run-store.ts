import { randomBytes } from 'node:crypto';
import { type ChunkBytes, RedisChunkBytes } from '../chunk-bytes/chunk-bytes.js';
import { type ChunkJobData, chunkId, isFileChunk, packOf } from '../contract/job.js';
import type { SpikeReport } from '../insight/insight-report.js';
import type { ChunkCounts } from '../matching/counts.js';
import type { RedisClient } from '../redis/connection.js';
import type { RedisKeys } from '../redis/keys.js';
import { checkTransaction } from '../redis/redis-errors.js';
import { errorMessage } from '../errors.js';
import {
  type ChunkPlacement,
  type ChunkState,
  type DeadLetterRecord,
  type RecordOutcome,
  type RecordResult,
  type ReplayReadiness,
  type StoredChunkRef,
  packKey,
} from './chunk-records.js';
import { type ChunkToStore, recordDeadLetter, recordLostChunk, recordResults, storeChunks } from './chunk-recording.js';
import { RunCounter, readCounter } from './count-fields.js';
import { readChunk, readChunksInto } from './pack-reads.js';
import { readChunkStates } from './chunk-states.js';
import { type SourceCheckpoint, readCheckpoints } from './source-checkpoint.js';
import { type PruneOptions, type PruneSummary, presentRuns, pruneRuns } from './run-pruning.js';
import type { CrossingReport, RunProgress, RunReport, RunStatus } from './report.js';
import { readCrossings } from './crossing-report.js';
import { type RunDefinition, withAddedSources } from './run-definition.js';
import type { RunStoreContext } from './run-store-context.js';
import { readProgress, readReport, readRun, readSettlement, readStatus } from './run-reports.js';
import type { JoinPartitionResult } from '../contract/join-spec.js';
import {
  type JoinRound,
  type PartitionStanding,
  partitionStanding,
  joinPieces,
  joinRoundToEnqueue,
  markJoinEnqueued,
  prepareJoinReplay,
  recordJoinPartition,
  joinPieceCount,
} from './join-recording.js';
import {
  type ClosedPartition,
  type CurrentTick,
  type JoinTickRecord,
  addJoinSource,
  applyJoinTick,
  closedPartition,
  closedPartitions,
  currentJoinTick,
  joinTickApplied,
  skipJoinTick,
  startJoinTick,
  unmatchedSince,
} from './join-ticks.js';
import type { UnmatchedLeftEvent } from '../joins/join-tick.js';
import {
  RecordCode,
  chunkScriptKeys,
  compactRunScript,
  dropChunkBytesScript,
  expectCode,
  failRunScript,
  prepareReplayScript,
  recordSpikeScript,
  replayReadiness,
  sealRunScript,
} from './run-scripts.js';

/** The retries of a join's reduce jobs: those of the run's chunks. */
export interface JoinRetry {
  attempts: number;
  backoffMs: number;
}

/** How long a dead-lettered chunk's bytes are kept for inspection and replay. */
export const DEFAULT_DEAD_LETTER_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * How long a run's records are kept once it has ended (`--run-retention`): long enough to
 * look back over a month of runs; a partial run's are kept at least as long as its dead
 * letters (lua/includes/runRetention.lua).
 */
export const DEFAULT_RUN_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * The messages on a run's event channel that say the run has ended (the step that
 * finished it, or its failure); every other message only says that something settled.
 */
export const RUN_ENDED_EVENTS: ReadonlySet<string> = new Set(['finished', 'failed']);

export function newRunId(now = Date.now()): string {
  return `r-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A run's state in Redis: its definition, what was enqueued, what each chunk counted,
 * what was dead-lettered. Coordinators and workers on any host share it through Redis.
 * Its parts: recording chunks (chunk-recording.ts, through the scripts of lua/), reading
 * their bytes (pack-reads.ts), reading the run back (run-reports.ts); the run's lifecycle
 * and the dead-letter steps are here.
 */
export class RunStore {
  private readonly context: RunStoreContext;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: RedisKeys,
    /** How chunk bytes go to and from Redis; by default through `redis`. */
    bytes: ChunkBytes = new RedisChunkBytes(redis),
  ) {
    this.context = { redis, keys, bytes };
  }

  /** Starts a run; its records are kept for `retentionMs` once it has ended. */
  async createRun(
    definition: RunDefinition,
    retentionMs = DEFAULT_RUN_RETENTION_MS,
    retry: JoinRetry = { attempts: 1, backoffMs: 0 },
  ): Promise<{ runId: string; startedAt: number }> {
    const runId = newRunId();
    const startedAt = Date.now();
    await this.ensureRun(runId, definition, startedAt, retentionMs, retry);
    return { runId, startedAt };
  }

  /** Writes the run's record unless it is there: how a run lost in a Redis restart comes back. */
  async ensureRun(
    runId: string,
    definition: RunDefinition,
    startedAt: number,
    retentionMs = DEFAULT_RUN_RETENTION_MS,
    retry: JoinRetry = { attempts: 1, backoffMs: 0 },
  ): Promise<void> {
    const key = this.keys.run(runId);
    const multi = this.redis
      .multi()
      .hsetnx(key, 'runId', runId)
      .hsetnx(key, 'status', 'running')
      .hsetnx(key, 'definition', JSON.stringify(definition))
      .hsetnx(key, 'startedAt', startedAt)
      // Where lua/includes/runRetention.lua reads what to expire, and when.
      .hsetnx(key, 'retentionMs', retentionMs)
      .hsetnx(key, 'distinctFields', definition.records?.countDistinct?.length ?? 0);
    // The bound of the per-key table, where recordResults-10.lua reads it.
    if (definition.records?.by) multi.hsetnx(key, 'maxKeys', definition.records.maxKeys);
    // A join's partitions, and its reduce jobs' retries (the chunks'), where the scripts and workers read them.
    const join = definition.records?.join;
    if (join) {
      multi
        .hsetnx(key, 'joinPartitions', join.partitions)
        .hsetnx(key, 'joinAttempts', retry.attempts)
        .hsetnx(key, 'joinBackoffMs', retry.backoffMs);
    }
    checkTransaction(await multi.zadd(this.keys.runs(), 'NX', startedAt, runId).exec());
  }

  /**
   * Names a source found after the run started (a file that came to match a followed
   * glob) under its number: the one after the last the run has. Once: the same number
   * named again keeps its first name.
   */
  async addSource(runId: string, source: number, name: string): Promise<void> {
    await this.redis.hsetnx(this.keys.sources(runId), String(source), name);
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
   * `storeChunk` for several chunks: those given bytes are one pack, so they must be
   * consecutive chunks of one source (see `packed`). With `again`, a call whose reply was
   * lost is being made again: see `storeChunks` in chunk-recording.ts. With `checkpoint`,
   * a followed source's position after these chunks is written in the same step.
   */
  async storeChunks(
    runId: string,
    items: readonly ChunkToStore[],
    {
      again = false,
      checkpoint,
    }: { again?: boolean; checkpoint?: { source: number; checkpoint: SourceCheckpoint } } = {},
  ): Promise<RecordOutcome[]> {
    return storeChunks(this.context, runId, items, again, checkpoint);
  }

  /** The run that follows the stream named `name` (`submit --follow --name`), if one ever did. */
  async streamRun(name: string): Promise<string | null> {
    return this.redis.hget(this.keys.streams(), name);
  }

  /** Names the stream a followed run follows: the same command with the same name takes the run up. */
  async nameStream(name: string, runId: string): Promise<void> {
    await this.redis.hset(this.keys.streams(), name, runId);
  }

  /** Keeps with a followed run the paths and globs it follows, so that it can be taken up again. */
  async recordFollow(runId: string, follow: readonly string[]): Promise<void> {
    await this.redis.hset(this.keys.run(runId), 'follow', JSON.stringify(follow));
  }

  /** The run's hash, its definition naming the sources it found after it started; null if there is no such run. */
  async runRecord(runId: string): Promise<Record<string, string> | null> {
    const record = await readRun(this.context, runId);
    return record.runId ? record : null;
  }

  /** A followed run's checkpoints, by source (see `storeChunks`'s `checkpoint`). */
  async checkpoints(runId: string): Promise<Map<number, SourceCheckpoint>> {
    return readCheckpoints(this.redis, this.keys, runId);
  }

  /** A stored chunk's bytes, or null if Redis has none (for inspection; workers read them with `readChunksInto`). */
  async readChunk(job: StoredChunkRef): Promise<Buffer | null> {
    return readChunk(this.context, job);
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
    return readChunksInto(this.context, reads);
  }

  /**
   * Marks every chunk of the run enqueued, `chunks` of them; the run finishes when that
   * many are settled.
   */
  async seal(runId: string, chunks: number): Promise<void> {
    const keys = [this.keys.run(runId), this.keys.counts(runId)];
    const reply = await sealRunScript.run(this.redis, keys, [this.keys.runEvents(runId), chunks]);
    expectCode(sealRunScript, reply, [RecordCode.RECORDED, RecordCode.RUN_MISSING]);
  }

  /**
   * Ends a run that cannot go on (its input broke, the coordinator hit an error, Redis
   * is full): a script that Redis 7 runs even when it is at its maxmemory. A Redis
   * before 7 does not know the script's flags line and cannot compile it: there, a
   * transaction, which a full Redis refuses.
   */
  async fail(runId: string, reason: string): Promise<void> {
    const finishedAt = Date.now();
    try {
      await failRunScript.run(this.redis, [this.keys.run(runId)], [this.keys.runEvents(runId), reason, finishedAt]);
      return;
    } catch (err) {
      if (!/Error compiling script/.test(errorMessage(err))) throw err;
    }
    checkTransaction(
      await this.redis
        .multi()
        .hset(this.keys.run(runId), { status: 'failed', error: reason, finishedAt })
        .publish(this.keys.runEvents(runId), 'failed')
        .exec(),
    );
  }

  async chunkState(job: Pick<ChunkJobData, 'runId' | 'source' | 'seq'>): Promise<ChunkState> {
    const [state] = await readChunkStates(this.redis, this.keys.chunkStates(job.runId), [chunkId(job)]);
    return state!;
  }

  /** States of many chunks of one run, in the order asked. */
  async chunkStates(runId: string, ids: readonly string[]): Promise<ChunkState[]> {
    return readChunkStates(this.redis, this.keys.chunkStates(runId), ids);
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
  async recordResults(
    jobs: readonly ChunkJobData[],
    counts: readonly ChunkCounts[],
    workerId: string,
    retentionMs = DEFAULT_DEAD_LETTER_RETENTION_MS,
  ): Promise<RecordResult[]> {
    return recordResults(this.context, jobs, counts, workerId, retentionMs);
  }

  /**
   * Records a chunk that failed for good, unless it was counted before. A chunk that is
   * dead already keeps its generation and gets the new reason.
   */
  async recordDeadLetter(
    job: ChunkJobData,
    reason: string,
    {
      retentionMs = DEFAULT_DEAD_LETTER_RETENTION_MS,
      lineCount = null,
    }: { retentionMs?: number; lineCount?: number | null } = {},
  ): Promise<DeadLetterRecord> {
    return recordDeadLetter(this.context, job, reason, retentionMs, lineCount);
  }

  /**
   * Records a chunk Redis lost and nobody can enqueue again as dead-lettered, so that
   * the report lists its range instead of coming out short. False if Redis knows it.
   */
  async recordLostChunk(
    runId: string,
    source: number,
    chunk: ChunkPlacement & { firstLine: number; lineCount: number },
    reason: string,
  ): Promise<boolean> {
    return recordLostChunk(this.context, runId, source, chunk, reason);
  }

  /** Puts back the bytes of a chunk that is still to be counted (after Redis lost them), as a pack of its own. */
  async restoreChunkBytes(runId: string, source: number, seq: number, bytes: Buffer): Promise<void> {
    await this.context.bytes.store([{ key: this.keys.chunkPack(runId, source, seq, seq), parts: [bytes] }]);
  }

  /** Whether the pack holding a stored chunk's bytes is in Redis. */
  async chunkBytesExist(job: StoredChunkRef): Promise<boolean> {
    return (await this.redis.exists(packKey(this.keys, job))) === 1;
  }

  /** Takes a dead-lettered chunk (of the given generation) back so that it can be enqueued again. */
  async prepareReplay(job: ChunkJobData, generation: number): Promise<ReplayReadiness> {
    const stored = isFileChunk(job) ? '0' : '1';
    const keys = chunkScriptKeys(this.keys, job.runId, packKey(this.keys, job));
    return replayReadiness(await prepareReplayScript.run(this.redis, keys, [chunkId(job), generation, stored]));
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
      const key = packKey(this.keys, chunk);
      const pack = packs.get(key) ?? { chunk, args: [] };
      pack.args.push(chunkId(chunk), chunk.generation);
      packs.set(key, pack);
    }
    let dropped = 0;
    for (const [key, { chunk, args }] of packs) {
      const { first, last } = packOf(chunk);
      const keys = [this.keys.chunkStates(chunk.runId), this.keys.deadGenerations(chunk.runId), key];
      const reply = await dropChunkBytesScript.run(this.redis, keys, [chunk.source, first, last, ...args]);
      dropped += expectCode(dropChunkBytesScript, reply, [0, 1]);
    }
    return dropped;
  }

  /** Counts a spike of the run once, for `logcluster_spikes_total`. */
  async recordSpike(runId: string, spike: SpikeReport): Promise<void> {
    const keys = [this.keys.spikesSeen(), this.keys.spikeCounts()];
    const seen = `${runId}|${spike.pattern}|${spike.start}`;
    const reply = await recordSpikeScript.run(this.redis, keys, [seen, spike.pattern]);
    expectCode(recordSpikeScript, reply, [RecordCode.RECORDED, RecordCode.DUPLICATE]);
  }

  /** Spikes recorded per pattern, over all runs under the prefix. */
  async spikeCounts(): Promise<Map<string, number>> {
    const counts = await this.redis.hgetall(this.keys.spikeCounts());
    return new Map(Object.entries(counts).map(([pattern, n]) => [pattern, Number(n)]));
  }

  /**
   * The run's crossings of `--notify-over` so far (as the report has them), read without
   * the rest of the report: what a followed run announces as they come.
   */
  /** In a join: the round of reduce jobs to add, if one has begun that nobody added (join-recording.ts). */
  async joinRoundToEnqueue(runId: string): Promise<JoinRound | null> {
    return joinRoundToEnqueue(this.context, runId);
  }

  async markJoinEnqueued(runId: string, round: number): Promise<void> {
    await markJoinEnqueued(this.context, runId, round);
  }

  /** A partition's pieces (its first `count`, if given), a bounded number at a time. */
  joinPieces(runId: string, partition: number, count?: number): AsyncGenerator<Buffer[]> {
    return joinPieces(this.context, runId, partition, count);
  }

  async joinPieceCount(runId: string, partition: number): Promise<number> {
    return joinPieceCount(this.context, runId, partition);
  }

  /** In a followed join: a source and its sides, before its first chunk (join-ticks.ts). */
  async addJoinSource(runId: string, source: number, sides: number): Promise<void> {
    await addJoinSource(this.context, runId, source, sides);
  }

  /** In a followed join: starts the next tick if the watermarks moved and the last one is over (join-ticks.ts); its number or 0. */
  async startJoinTick(runId: string, withinMs: number, latenessMs: number): Promise<number> {
    return startJoinTick(this.context, runId, withinMs, latenessMs);
  }

  /** The run's current tick, while one may be recorded. */
  async currentJoinTick(runId: string): Promise<CurrentTick | null> {
    return currentJoinTick(this.context, runId);
  }

  /** How many partitions recorded the current tick. */
  async joinTickApplied(runId: string): Promise<number> {
    return joinTickApplied(this.context, runId);
  }

  /** A partition as its last tick left it (its closed keys' results, its open events). */
  async closedPartition(runId: string, partition: number): Promise<ClosedPartition> {
    return closedPartition(this.context, runId, partition);
  }

  async closedPartitions(runId: string): Promise<ClosedPartition[]> {
    return closedPartitions(this.context, runId);
  }

  /** Records a partition's tick once. */
  async applyJoinTick(
    runId: string,
    partition: number,
    tick: number,
    before: ClosedPartition,
    record: JoinTickRecord,
  ): Promise<RecordOutcome> {
    return applyJoinTick(this.context, runId, partition, tick, before, record);
  }

  /** Records a tick that failed for good in a partition as one that changed nothing. */
  async skipJoinTick(runId: string, partition: number, tick: number, withinMs?: number): Promise<RecordOutcome> {
    return skipJoinTick(this.context, runId, partition, tick, withinMs);
  }

  /** Left events closed unmatched after stream entry `after`. */
  async unmatchedSince(
    runId: string,
    after: string,
  ): Promise<{ last: string; events: (UnmatchedLeftEvent | { more: number })[] }> {
    return unmatchedSince(this.context, runId, after);
  }

  /** The names of the run's sources, those found as it went included ([] for no such run). */
  async sourceNames(runId: string): Promise<string[]> {
    const [definition, added] = checkTransaction(
      await this.redis.multi().hget(this.keys.run(runId), 'definition').hgetall(this.keys.sources(runId)).exec(),
    ) as [string | null, Record<string, string>];
    if (definition === null) return [];
    return withAddedSources(JSON.parse(definition) as RunDefinition, added).sources;
  }

  /** Records a partition's reduce for a round, or its dead-lettering, once; the last of a round settles the run. */
  async recordJoinPartition(
    runId: string,
    partition: number,
    round: number,
    outcome: { result: JoinPartitionResult } | { dead: string },
  ): Promise<RecordOutcome> {
    return recordJoinPartition(this.context, runId, partition, round, outcome);
  }

  /** Where a join's partition stands in `round` now (join-recording.ts). */
  async partitionStanding(runId: string, partition: number, round: number): Promise<PartitionStanding> {
    return partitionStanding(this.context, runId, partition, round);
  }

  /** Takes a dead-lettered partition back for a replay; false if it is not dead in that round any more. */
  async prepareJoinReplay(runId: string, partition: number, round: number): Promise<boolean> {
    return prepareJoinReplay(this.context, runId, partition, round);
  }

  async crossings(runId: string): Promise<CrossingReport[]> {
    return readCrossings(this.context, runId);
  }

  /** Crossings of `--notify-over` recorded by every run under the prefix, for `logcluster_key_crossings_total`. */
  async crossingCount(): Promise<number> {
    return readCounter(await this.redis.get(this.keys.crossingCount()));
  }

  /** Bytes of the run that were counted or dead-lettered: what is no longer in flight. */
  async settledBytes(runId: string): Promise<number> {
    return readCounter(await this.redis.hget(this.keys.counts(runId), RunCounter.settledBytes));
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.run(runId))) === 1;
  }

  /** What the run was asked to do, or null if there is no such run. */
  async definition(runId: string): Promise<RunDefinition | null> {
    const json = await this.redis.hget(this.keys.run(runId), 'definition');
    return json ? (JSON.parse(json) as RunDefinition) : null;
  }

  /** A run's status and how many of its chunks are settled: the cheap question to ask often. */
  async settlement(runId: string): Promise<{ status: RunStatus; settled: number }> {
    return readSettlement(this.context, runId);
  }

  async status(runId: string): Promise<RunStatus> {
    return readStatus(this.context, runId);
  }

  async report(runId: string): Promise<RunReport> {
    return readReport(this.context, runId);
  }

  async progress(runId: string): Promise<RunProgress> {
    return readProgress(this.context, runId);
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

  /**
   * Compacts a completed run to its report (lua/compactRun-10.lua): what it kept per chunk
   * and per key goes, and reading it gives the report kept. False if the run is not
   * completed, or was compacted before. `report`: the run's final report, if already read.
   */
  async compact(runId: string, report?: RunReport): Promise<boolean> {
    report ??= await this.report(runId);
    if (report.status !== 'completed') return false;
    const keys = [
      this.keys.run(runId),
      this.keys.chunkStates(runId),
      this.keys.deadLetters(runId),
      this.keys.deadGenerations(runId),
      this.keys.chunkLines(runId),
      this.keys.insight(runId),
      this.keys.groups(runId),
      this.keys.groupsOthers(runId),
      this.keys.crossings(runId),
      this.keys.positions(runId),
    ];
    const reply = await compactRunScript.run(this.redis, keys, [JSON.stringify(report)]);
    return expectCode(compactRunScript, reply, [0, 1]) === 1;
  }

  /**
   * Drops runs that ended long enough ago, and the index entries of runs that expired
   * (run-pruning.ts); with `compactCompleted`, compacts the completed runs it keeps.
   */
  async prune(options: PruneOptions & { compactCompleted?: boolean }): Promise<PruneSummary> {
    const { compactCompleted, ...rest } = options;
    return pruneRuns(this.context, compactCompleted ? { ...rest, compact: (runId) => this.compact(runId) } : rest);
  }

  /** Run ids, newest first: runs whose records expired are dropped from the index on the way. */
  async recentRunIds(limit: number): Promise<string[]> {
    const found: string[] = [];
    for (let from = 0; found.length < limit;) {
      const ids = await this.redis.zrevrange(this.keys.runs(), from, from + limit - found.length - 1);
      if (ids.length === 0) break;
      const present = await presentRuns(this.context, ids);
      found.push(...present);
      from += present.length;
    }
    return found;
  }
}
