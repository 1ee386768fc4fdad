import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Chunk } from '../chunking/chunker.js';
import { type ChunkJobData, chunkId } from '../contract/job.js';
import { RunNotFoundError } from '../errors.js';
import type { ChunkCounts } from '../matching/counts.js';
import type { RedisKeys } from '../redis/keys.js';
import type { DeadLetteredRange, RunProgress, RunReport, RunStatus } from './report.js';
import { assembleReport, readCounter } from './report-assembly.js';
import type { RunDefinition } from './run-definition.js';
import { recordDeadLetterScript, recordResultScript, sealRunScript } from './run-scripts.js';

/** How long a dead-lettered chunk's bytes are kept for inspection and replay. */
export const DEFAULT_DEAD_LETTER_RETENTION_MS = 7 * 24 * 3600 * 1000;

export type ChunkState = 'done' | 'dead' | null;

/** Outcome of recording a chunk: `recorded` now, `duplicate` (settled before), or the run is gone. */
export type RecordOutcome = 'recorded' | 'duplicate' | 'run-missing';

const OUTCOMES: Record<string, RecordOutcome> = { '1': 'recorded', '0': 'duplicate', '-1': 'run-missing' };

export function newRunId(now = Date.now()): string {
  return `r-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A run's state in Redis: its definition, what was enqueued, what each chunk counted,
 * what was dead-lettered. Coordinators and workers on any host share it through Redis.
 */
export class RunStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: RedisKeys,
  ) {}

  async createRun(definition: RunDefinition): Promise<string> {
    const runId = newRunId();
    const startedAt = Date.now();
    await this.redis
      .multi()
      .hset(this.keys.run(runId), { runId, status: 'running', definition: JSON.stringify(definition), startedAt })
      .zadd(this.keys.runs(), startedAt, runId)
      .exec();
    return runId;
  }

  /** Stores a chunk's bytes and adds it to what the run has enqueued, in one transaction. */
  async storeChunk(runId: string, source: number, chunk: Chunk): Promise<void> {
    const counts = this.keys.counts(runId);
    const bytes = chunk.bytes.length;
    await this.redis
      .multi()
      .set(this.keys.chunk(runId, source, chunk.seq), chunk.bytes)
      .hincrby(counts, 'chunks', 1)
      .hincrby(counts, `s${source}:chunks`, 1)
      .hincrby(counts, `s${source}:bytes`, bytes)
      .hincrby(counts, `s${source}:lines`, chunk.lineCount)
      .exec();
  }

  async readChunk(job: ChunkJobData): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.chunk(job.runId, job.source, job.seq));
  }

  /** Marks every chunk of the run enqueued; the run finishes when the last one settles. */
  async seal(runId: string): Promise<void> {
    await sealRunScript.run(this.redis, [this.keys.run(runId), this.keys.counts(runId)], [this.keys.runEvents(runId)]);
  }

  /** Ends a run that cannot go on (its input broke, the coordinator hit an error). */
  async fail(runId: string, reason: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.run(runId), { status: 'failed', error: reason, finishedAt: Date.now() })
      .publish(this.keys.runEvents(runId), 'failed')
      .exec();
  }

  async chunkState(job: ChunkJobData): Promise<ChunkState> {
    const state = await this.redis.hget(this.keys.chunkStates(job.runId), chunkId(job));
    return state === 'done' || state === 'dead' ? state : null;
  }

  /** Adds a chunk's counts to its run, unless the chunk was counted before. */
  async recordResult(job: ChunkJobData, counts: ChunkCounts, workerId: string): Promise<RecordOutcome> {
    const increments: (string | number)[] = [];
    counts.matches.forEach((match, pattern) => {
      if (match.lines > 0) increments.push(`s${job.source}:p${pattern}:l`, match.lines);
      if (match.occurrences > 0) increments.push(`s${job.source}:p${pattern}:o`, match.occurrences);
    });
    const result = await recordResultScript.run(this.redis, this.scriptKeys(job), [
      chunkId(job),
      `w:${workerId}`,
      job.byteLength,
      this.keys.runEvents(job.runId),
      ...increments,
    ]);
    return OUTCOMES[String(result)] ?? 'run-missing';
  }

  /** Records a chunk that failed for good, unless it was counted or dead-lettered before. */
  async recordDeadLetter(job: ChunkJobData, reason: string, retentionMs = DEFAULT_DEAD_LETTER_RETENTION_MS): Promise<RecordOutcome> {
    const range: DeadLetteredRange & { source: number } = {
      source: job.source,
      firstLine: job.firstLine,
      lineCount: job.lineCount,
      byteOffset: job.byteOffset,
      byteLength: job.byteLength,
      reason,
    };
    const result = await recordDeadLetterScript.run(this.redis, this.scriptKeys(job), [
      chunkId(job),
      JSON.stringify(range),
      job.byteLength,
      this.keys.runEvents(job.runId),
      retentionMs,
    ]);
    return OUTCOMES[String(result)] ?? 'run-missing';
  }

  /** Bytes of the run that were counted or dead-lettered: what is no longer in flight. */
  async settledBytes(runId: string): Promise<number> {
    return readCounter(await this.redis.hget(this.keys.counts(runId), 'settledBytes'));
  }

  async status(runId: string): Promise<RunStatus> {
    const status = await this.redis.hget(this.keys.run(runId), 'status');
    if (status === null) throw new RunNotFoundError(`no run ${runId} under prefix "${this.keys.prefix}"`);
    return status as RunStatus;
  }

  async report(runId: string): Promise<RunReport> {
    const [run, counts, dead] = await Promise.all([
      this.redis.hgetall(this.keys.run(runId)),
      this.redis.hgetall(this.keys.counts(runId)),
      this.redis.hgetall(this.keys.deadLetters(runId)),
    ]);
    if (!run.runId) throw new RunNotFoundError(`no run ${runId} under prefix "${this.keys.prefix}"`);
    return assembleReport(run, counts, dead, Date.now());
  }

  async progress(runId: string): Promise<RunProgress> {
    const [run, counts] = await Promise.all([this.redis.hgetall(this.keys.run(runId)), this.redis.hgetall(this.keys.counts(runId))]);
    if (!run.runId) throw new RunNotFoundError(`no run ${runId} under prefix "${this.keys.prefix}"`);
    const report = assembleReport(run, counts, {}, Date.now());
    return {
      runId,
      status: report.status,
      allEnqueued: run.sealed === '1',
      chunks: report.totals.chunks,
      chunksDone: report.totals.chunksDone,
      chunksDeadLettered: report.totals.chunksDeadLettered,
      bytes: report.totals.bytes,
      lines: report.totals.lines,
      sources: report.sources.map((source) => source.name),
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      durationMs: report.durationMs,
      ...(report.error ? { error: report.error } : {}),
    };
  }

  /** Run ids, newest first. */
  async recentRunIds(limit: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runs(), 0, limit - 1);
  }

  private scriptKeys(job: ChunkJobData): string[] {
    const { runId } = job;
    return [
      this.keys.run(runId),
      this.keys.counts(runId),
      this.keys.chunkStates(runId),
      this.keys.deadLetters(runId),
      this.keys.chunk(runId, job.source, job.seq),
    ];
  }
}
