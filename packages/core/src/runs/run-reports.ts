import { RunNotFoundError } from '../errors.js';
import type { ChunkInsight } from '../contract/chunk-findings.js';
import { assembleInsight } from '../insight/insight-report.js';
import type { RedisKeys } from '../redis/keys.js';
import { checkTransaction } from '../redis/redis-errors.js';
import type { StoredDeadRange } from '../contract/dead-range.js';
import { RunCounter, readCounter } from './count-fields.js';
import type { RunProgress, RunReport, RunStatus } from './report.js';
import { assembleReport } from './report-assembly.js';
import type { RunDefinition } from './run-definition.js';
import type { RunStoreContext } from './run-store-context.js';

/*
 * Reading a run back: its status, how far it got, its report. What the run's hashes
 * hold is read here; the report is made of them by report-assembly.ts.
 */

/** A run's status and how many of its chunks are settled: the cheap question to ask often. */
export async function readSettlement(
  { redis, keys }: RunStoreContext,
  runId: string,
): Promise<{ status: RunStatus; settled: number }> {
  const results = checkTransaction(
    await redis
      .multi()
      .hget(keys.run(runId), 'status')
      .hmget(keys.counts(runId), RunCounter.done, RunCounter.dead)
      .exec(),
  );
  const status = results[0] as string | null;
  if (status === null) throw runNotFound(keys, runId);
  const [done, dead] = results[1] as (string | null)[];
  return { status: status as RunStatus, settled: readCounter(done) + readCounter(dead) };
}

export async function readStatus({ redis, keys }: RunStoreContext, runId: string): Promise<RunStatus> {
  const status = await redis.hget(keys.run(runId), 'status');
  if (status === null) throw runNotFound(keys, runId);
  return status as RunStatus;
}

export async function readReport({ redis, keys }: RunStoreContext, runId: string): Promise<RunReport> {
  const [run, counts, dead] = await Promise.all([
    redis.hgetall(keys.run(runId)),
    redis.hgetall(keys.counts(runId)),
    redis.hgetall(keys.deadLetters(runId)),
  ]);
  if (!run.runId) throw runNotFound(keys, runId);
  // Chunks read from shared storage: their line counts place dead ones in the source.
  const needLines = Object.values(dead).some((json) => (JSON.parse(json) as StoredDeadRange).firstLine === null);
  const definition = JSON.parse(run.definition ?? '{}') as RunDefinition;
  const lines = needLines || definition.insight?.top !== undefined ? await redis.hgetall(keys.chunkLines(runId)) : {};
  const report = assembleReport(run, counts, dead, Date.now(), lines);
  if (!definition.insight) return report;
  const found = await redis.hgetall(keys.insight(runId));
  const chunks = Object.entries(found).map(([id, json]) => {
    const [source, seq] = id.split('.').map(Number) as [number, number];
    return { source, seq, insight: JSON.parse(json) as ChunkInsight };
  });
  // A dead-lettered chunk's lines, to keep line numbers right past it.
  const deadLines = new Map(
    Object.values(dead).map((json) => {
      const range = JSON.parse(json) as StoredDeadRange;
      return [`${range.source}.${range.seq}`, range.lineCount] as const;
    }),
  );
  const patterns = definition.patterns.map((spec) => spec.pattern);
  const insight = assembleInsight(definition.insight, patterns, definition.sources, chunks, (source, seq) => {
    const counted = lines[`${source}.${seq}`];
    return counted !== undefined ? Number(counted) : (deadLines.get(`${source}.${seq}`) ?? null);
  });
  return { ...report, ...insight };
}

export async function readProgress({ redis, keys }: RunStoreContext, runId: string): Promise<RunProgress> {
  const [run, counts] = await Promise.all([redis.hgetall(keys.run(runId)), redis.hgetall(keys.counts(runId))]);
  if (!run.runId) throw runNotFound(keys, runId);
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
    bytesSettled: readCounter(counts[RunCounter.settledBytes]),
    lines: report.totals.lines,
    sources: report.sources.map((source) => source.name),
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    ...(report.error ? { error: report.error } : {}),
  };
}

function runNotFound(keys: RedisKeys, runId: string): RunNotFoundError {
  return new RunNotFoundError(`no run ${runId} under prefix "${keys.prefix}"`);
}
