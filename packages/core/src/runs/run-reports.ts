import { RunNotFoundError } from '../errors.js';
import type { ChunkInsight } from '../contract/chunk-findings.js';
import { assembleInsight } from '../insight/insight-report.js';
import type { RedisKeys } from '../redis/keys.js';
import { checkTransaction } from '../redis/redis-errors.js';
import type { StoredDeadRange } from '../contract/dead-range.js';
import { RunCounter, readCounter } from './count-fields.js';
import type { RunProgress, RunReport, RunStatus } from './report.js';
import { assembleReport } from './report-assembly.js';
import { type StoredDistinct, assembleGroups, assembleRejected, totalDistinct } from './record-report.js';
import { chunkStarts } from './chunk-starts.js';
import { assembleCrossings } from './crossing-report.js';
import { assembleJoin } from './join-report.js';
import { storedJoin } from './join-recording.js';
import { type RunDefinition, withAddedSources } from './run-definition.js';
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
  const run = await readRun({ redis, keys }, runId);
  if (!run.runId) throw runNotFound(keys, runId);
  // A compacted run (lua/compactRun-10.lua) kept its report, and nothing it was made of.
  if (run.report !== undefined) return JSON.parse(run.report) as RunReport;
  const definition = JSON.parse(run.definition ?? '{}') as RunDefinition;
  const records = definition.records;
  const distinctFields = records?.countDistinct?.length ?? 0;
  // One transaction: a report taken while chunks are recorded agrees with itself (its
  // table adds up to its totals, its rejects to `rejected.lines`).
  const wantLines = definition.insight?.top !== undefined || records !== undefined;
  const wantChunks = definition.insight !== undefined || records !== undefined;
  // The kept report is read in the same transaction: a run compacted since the first read
  // has lost what the rest would read.
  const multi = redis
    .multi()
    .hget(keys.run(runId), 'report')
    .hgetall(keys.counts(runId))
    .hgetall(keys.deadLetters(runId));
  if (wantLines) multi.hgetall(keys.chunkLines(runId));
  if (wantChunks) multi.hgetall(keys.insight(runId));
  if (records?.by) multi.hgetall(keys.groups(runId)).pfcount(keys.groupsOthers(runId));
  for (let f = 0; f < distinctFields; f++) multi.hgetall(keys.distinct(runId, f).counts);
  const notify = records?.by !== undefined && records.notifyOver !== undefined;
  if (notify) multi.hgetall(keys.crossings(runId));
  const join = records?.join;
  // The round the results are of, read in the same transaction as they are.
  if (join) multi.hgetall(keys.joinResults(runId)).hmget(keys.run(runId), 'joinRound', 'joinPartitions');
  const results = checkTransaction(await multi.exec());
  let at = 0;
  const next = <T>() => results[at++] as T;
  const kept = next<string | null>();
  if (kept !== null) return JSON.parse(kept) as RunReport;
  const counts = next<Record<string, string>>();
  const dead = next<Record<string, string>>();
  let lines = wantLines ? next<Record<string, string>>() : {};
  const found = wantChunks ? next<Record<string, string>>() : {};
  const table = records?.by ? next<Record<string, string>>() : {};
  const othersKeys = records?.by ? next<number>() : 0;
  const distinct = Array.from({ length: distinctFields }, () => next<StoredDistinct>());
  const crossings = notify ? next<Record<string, string>>() : {};
  const joinResults = join ? next<Record<string, string>>() : {};
  const [joinRound, joinPartitions] = join ? next<(string | null)[]>() : [];
  // Chunks read from shared storage: their line counts place dead ones in the source.
  if (!wantLines && Object.values(dead).some((json) => (JSON.parse(json) as StoredDeadRange).firstLine === null)) {
    lines = await redis.hgetall(keys.chunkLines(runId));
  }
  const report = assembleReport(run, counts, dead, Date.now(), lines);
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
  const countedOrDead = (source: number, seq: number) => {
    const counted = lines[`${source}.${seq}`];
    return counted !== undefined ? Number(counted) : (deadLines.get(`${source}.${seq}`) ?? null);
  };
  const patterns = definition.patterns.map((spec) => spec.pattern);
  if (records) {
    const totalsDistinct = totalDistinct(records, distinct);
    if (totalsDistinct) report.totals.distinct = totalsDistinct;
    if (records.by) {
      const events = definition.multiline !== undefined;
      report.groups = assembleGroups(records, patterns, table, counts, othersKeys, distinct, events);
    }
    const startOf = chunkStarts(lines, (source, seq) => deadLines.get(`${source}.${seq}`) ?? null);
    report.rejected = assembleRejected(report.totals.rejectedLines ?? 0, definition.sources, chunks, startOf);
    if (notify) report.crossings = assembleCrossings(crossings, definition.sources, startOf);
    if (join) {
      const stored = storedJoin(joinRound ?? null, Number(joinPartitions ?? '0'), joinResults);
      report.join = assembleJoin(join, stored, definition.sources, startOf);
    }
  }
  if (!definition.insight) return report;
  const insight = assembleInsight(definition.insight, patterns, definition.sources, chunks, countedOrDead);
  return { ...report, ...insight };
}

export async function readProgress({ redis, keys }: RunStoreContext, runId: string): Promise<RunProgress> {
  const [run, counts] = await Promise.all([readRun({ redis, keys }, runId), redis.hgetall(keys.counts(runId))]);
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

/** The run's hash, its definition naming the sources added since it started (a followed run's). */
export async function readRun(
  { redis, keys }: Pick<RunStoreContext, 'redis' | 'keys'>,
  runId: string,
): Promise<Record<string, string>> {
  const [run, added] = checkTransaction(
    await redis.multi().hgetall(keys.run(runId)).hgetall(keys.sources(runId)).exec(),
  ) as [Record<string, string>, Record<string, string>];
  if (Object.keys(added).length === 0 || run.definition === undefined) return run;
  const definition = withAddedSources(JSON.parse(run.definition) as RunDefinition, added);
  return { ...run, definition: JSON.stringify(definition) };
}

function runNotFound(keys: RedisKeys, runId: string): RunNotFoundError {
  return new RunNotFoundError(`no run ${runId} under prefix "${keys.prefix}"`);
}
