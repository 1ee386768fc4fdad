import { type ChunkJobData, checkPackable, chunkId, isFileChunk, packOf } from '../contract/job.js';
import type { StoredDeadRange } from '../contract/dead-range.js';
import type { ChunkCounts } from '../matching/counts.js';
import {
  type ChunkPlacement,
  type DeadLetterRecord,
  type RecordOutcome,
  type RecordResult,
  packKey,
} from './chunk-records.js';
import { readChunkStates } from './chunk-states.js';
import { type SourceCheckpoint, checkpointValue } from './source-checkpoint.js';
import { EXACT_DISTINCT_PER_KEY, EXACT_DISTINCT_TOTAL } from '../contract/record-spec.js';
import {
  anyField,
  eventsField,
  othersFields,
  patternField,
  recordField,
  sourceField,
  workerField,
} from './count-fields.js';
import {
  RecordCode,
  chunkScriptKeys,
  codeAndGeneration,
  expectCode,
  recordDeadLetterScript,
  recordLostChunkScript,
  recordOutcome,
  recordResultsScript,
  replyList,
  storeChunksScript,
} from './run-scripts.js';
import type { RunStoreContext } from './run-store-context.js';

/*
 * Recording chunks: what the run enqueued, what each chunk counted, what was
 * dead-lettered. Each call is one script of lua/, which records a chunk exactly once;
 * here its ARGV is built (the count-hash fields named by count-fields.ts) and its reply
 * read. RunStore's methods of the same names say what each means.
 */

/** Times a chunk's bytes are SET before giving up on them staying. */
const MAX_STORE_ATTEMPTS = 5;

/** A chunk to add to what the run enqueued, with its bytes when they are to be kept in Redis. */
export interface ChunkToStore {
  source: number;
  chunk: ChunkPlacement;
  parts?: readonly Uint8Array[];
}

/**
 * First the bytes of the chunks given some (one plain SET on the chunk-bytes path: they
 * are one pack, so they must be consecutive chunks of one source; see `packed`), then, in
 * one script, the accounting, which adds a chunk only if its bytes are there (see
 * storeChunks-5.lua); bytes lost in between (a restart, a failover) are SET again. With
 * `again` (a call whose reply was lost being made again), chunks Redis already knows are
 * left as they are: their job may have been added and counted since, its pack deleted,
 * and setting it again would leave it to nobody.
 */
export async function storeChunks(
  { redis, keys, bytes }: RunStoreContext,
  runId: string,
  items: readonly ChunkToStore[],
  again: boolean,
  checkpoint?: { source: number; checkpoint: SourceCheckpoint },
): Promise<RecordOutcome[]> {
  // The script adds all of a call's chunks or none: known, they were all added.
  if (again && items.length > 0) {
    const ids = items.map(({ source, chunk }) => chunkId({ source, seq: chunk.seq }));
    const states = await readChunkStates(redis, keys.chunkStates(runId), ids);
    if (states.every((state) => state !== null)) return items.map(() => 'duplicate');
  }
  const stored = items.filter((item) => item.parts);
  checkPackable(stored.map(({ source, chunk }) => ({ source, ...chunk })));
  const first = stored[0];
  const last = stored[stored.length - 1];
  const pack = first && last ? keys.chunkPack(runId, first.source, first.chunk.seq, last.chunk.seq) : null;
  const outcomes: RecordOutcome[] = new Array<RecordOutcome>(items.length);
  let pending = items.map((_, i) => i);
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_STORE_ATTEMPTS) {
      throw new Error(
        `the bytes of ${pending.length} chunks of run ${runId} vanished from Redis ${MAX_STORE_ATTEMPTS} times ` +
          'after being stored (is Redis evicting keys? it must not: maxmemory-policy noeviction)',
      );
    }
    const batch = pending.map((i) => items[i]!);
    if (pack !== null && batch.some((item) => item.parts)) {
      await bytes.store([{ key: pack, parts: stored.flatMap((item) => item.parts!) }]);
    }
    const args: (string | number)[] = [batch.length];
    for (const { source, chunk, parts } of batch) {
      args.push(
        `${source}.${chunk.seq}`,
        sourceField(source, 'chunks'),
        sourceField(source, 'bytes'),
        sourceField(source, 'lines'),
        chunk.byteLength,
        chunk.lineCount ?? '',
        parts ? '1' : '0',
      );
    }
    args.push(checkpoint?.source ?? '', checkpoint ? checkpointValue(checkpoint.checkpoint) : '');
    const scriptKeys = [
      keys.run(runId),
      keys.counts(runId),
      keys.chunkStates(runId),
      keys.positions(runId),
      ...(pack !== null ? [pack] : []),
    ];
    const replies = replyList(storeChunksScript, await storeChunksScript.run(redis, scriptKeys, args), batch.length);
    const missing: number[] = [];
    replies.forEach((code, at) => {
      if (code === RecordCode.BYTES_MISSING) missing.push(pending[at]!);
      else outcomes[pending[at]!] = recordOutcome(storeChunksScript, code);
    });
    pending = missing;
  }
  return outcomes;
}

/**
 * Records several chunks of one run in one script; a pack with dead-lettered chunks left
 * in it is kept for `retentionMs`.
 */
export async function recordResults(
  { redis, keys }: RunStoreContext,
  jobs: readonly ChunkJobData[],
  counts: readonly ChunkCounts[],
  workerId: string,
  retentionMs: number,
): Promise<RecordResult[]> {
  if (jobs.length === 0) return [];
  const { runId } = jobs[0]!;
  // The fifth key, a chunk's pack, is unused here: the packs follow the per-key table's keys.
  const unusedPack = packKey(keys, { runId, source: 0, seq: 0 });
  const scriptKeys = [
    ...chunkScriptKeys(keys, runId, unusedPack),
    keys.insight(runId),
    keys.groups(runId),
    keys.groupsOthers(runId),
  ];
  const patterns = jobs[0]!.patterns.length;
  // With --multiline a key's row holds its events too (see othersFields).
  const withEvents = jobs[0]!.multiline !== undefined;
  const distinctFields = Math.max(
    jobs[0]!.records?.countDistinct?.length ?? 0,
    ...counts.map((found) => found.records?.distinct?.length ?? 0),
  );
  const packs = new Map<string, number>();
  const packArgs: (string | number)[] = [];
  const chunkArgs: (string | number)[] = [];
  jobs.forEach((job, i) => {
    let packIndex = 0;
    if (!isFileChunk(job)) {
      const key = packKey(keys, job);
      if (!packs.has(key)) {
        const { first, last } = packOf(job);
        packs.set(key, packs.size + 1);
        scriptKeys.push(key);
        packArgs.push(job.source, first, last);
      }
      packIndex = packs.get(key)!;
    }
    const found = counts[i]!;
    const increments = countIncrements(job.source, found);
    // Nobody counted the lines of a chunk read from shared storage before this worker.
    const countedHere = isFileChunk(job) ? found.lines : '';
    chunkArgs.push(
      chunkId(job),
      job.byteLength,
      countedHere,
      sourceField(job.source, 'lines'),
      packIndex,
      increments.length / 2,
      ...increments,
      insightJson(job, found),
    );
    pushRecordArgs(chunkArgs, found, patterns, withEvents, distinctFields, isFileChunk(job) ? '' : job.firstLine);
    pushJoinArgs(chunkArgs, job, found);
  });
  const distinctNames = Array.from({ length: distinctFields }, (_, f) => {
    const names = keys.distinct(runId, f);
    return [names.total, names.others, names.counts, names.perKey];
  }).flat();
  const runArgs = [
    workerField(workerId),
    keys.runEvents(runId),
    jobs.length,
    retentionMs,
    packs.size,
    othersFields(patterns, withEvents).length,
    distinctFields,
    EXACT_DISTINCT_PER_KEY,
    EXACT_DISTINCT_TOTAL,
    jobs[0]!.records?.notifyOver ?? '',
    keys.crossings(runId),
    keys.crossingCount(),
    jobs[0]!.records?.join ? keys.joinPieces(runId) : '',
    ...othersFields(patterns, withEvents),
    ...distinctNames,
  ];
  const reply = await recordResultsScript.run(redis, scriptKeys, [...runArgs, ...packArgs, ...chunkArgs]);
  const replies = replyList(recordResultsScript, reply, jobs.length);
  return replies.map((result) => {
    const [code, generation] = codeAndGeneration(recordResultsScript, result);
    return { outcome: recordOutcome(recordResultsScript, code), revivedGeneration: generation };
  });
}

/**
 * What the run keeps of a chunk in its insight hash: its insight, and its rejects (whose
 * examples the report places in line order as it places templates); '' when neither.
 */
function insightJson(job: ChunkJobData, found: ChunkCounts): string {
  const rejects = found.records?.rejects ?? [];
  if (!found.insight && rejects.length === 0) return '';
  // Where the chunk starts is the job's to say (a chunk on shared storage: nobody knows yet).
  const firstLine = isFileChunk(job) ? null : job.firstLine;
  return JSON.stringify({
    ...(found.insight ?? { lines: found.lines }),
    firstLine,
    ...(rejects.length > 0 ? { rejects } : {}),
  });
}

/**
 * Appends a chunk's keys and distinct values to `args` as recordResults-10.lua reads
 * them: g, then g keys each with its 1 + 2 × patterns counters (with `withEvents`, 1 +
 * patterns more: othersFields); then per distinct field
 * its values in total, and per key; then, with --notify-over, the chunk's first line
 * (`firstLine`, '' when unknown) and each key's last line. Keys go heaviest first: when
 * the table has room for only some of a chunk's new keys, those with the most lines get
 * it. (No spreading into push: a chunk's values can be more arguments than a call takes.)
 */
function pushRecordArgs(
  args: (string | number)[],
  found: ChunkCounts,
  patterns: number,
  withEvents: boolean,
  distinctFields: number,
  firstLine: number | '',
): void {
  const width = othersFields(patterns, withEvents).length;
  const lastLines = found.records?.lastLines;
  const groups = (found.records?.groups ?? [])
    .map(([key, figures], i) => ({ key, figures, last: lastLines?.[i] }))
    .sort((a, b) => (b.figures[0] ?? 0) - (a.figures[0] ?? 0));
  args.push(groups.length);
  for (const { key, figures } of groups) {
    if (figures.length !== width) {
      throw new Error(
        `a key of a chunk has ${figures.length} counters, not ${width} (lines, then per pattern 2${withEvents ? '; events, then per pattern 1' : ''})`,
      );
    }
    args.push(key);
    for (const figure of figures) args.push(figure);
  }
  for (let f = 0; f < distinctFields; f++) {
    const distinct = found.records?.distinct?.[f];
    const total = distinct?.total ?? [];
    const byKey = distinct?.byKey ?? [];
    args.push(total.length);
    for (const value of total) args.push(value);
    args.push(byKey.length);
    for (const [key, values] of byKey) {
      args.push(key, values.length);
      for (const value of values) args.push(value);
    }
  }
  if (lastLines === undefined || groups.length === 0) args.push(0);
  else {
    if (lastLines.length !== groups.length)
      throw new Error(`a chunk has ${lastLines.length} last lines for ${groups.length} keys`);
    args.push(groups.length, firstLine);
    for (const { last } of groups) args.push(last!);
  }
}

/**
 * Appends a chunk's join events as recordResults-10.lua reads them: j, then per partition
 * its number and its piece, which starts with the chunk's id and first line ('' when
 * unknown: a chunk read from shared storage), so that the reduce can place each event;
 * then, in a followed join (its jobs name their source's sides), the chunk's mark,
 * `sides:time` (its newest time), or ''.
 */
function pushJoinArgs(args: (string | number)[], job: ChunkJobData, found: ChunkCounts): void {
  const pieces = found.join?.pieces ?? [];
  args.push(pieces.length);
  const header = `${chunkId(job)}\t${isFileChunk(job) ? '' : job.firstLine}\n`;
  for (const [partition, text] of pieces) args.push(partition, header + text);
  const latest = job.records?.join?.sides !== undefined ? found.join?.latest : undefined;
  args.push(latest === undefined ? '' : `${found.join!.sides}:${latest}`);
}

/** A chunk's counts as field/increment pairs of the counts hash; counters that stay at 0 are left out. */
function countIncrements(source: number, counts: ChunkCounts): (string | number)[] {
  const increments: (string | number)[] = [];
  counts.matches.forEach((match, pattern) => {
    if (match.lines > 0) increments.push(patternField(source, pattern, 'lines'), match.lines);
    if (match.occurrences > 0) increments.push(patternField(source, pattern, 'occurrences'), match.occurrences);
  });
  if (counts.any !== undefined && counts.any > 0) increments.push(anyField(source), counts.any);
  const events = counts.events;
  if (events) {
    if (events.events > 0) increments.push(eventsField(source), events.events);
    events.matches.forEach((matched, pattern) => {
      if (matched > 0) increments.push(patternField(source, pattern, 'events'), matched);
    });
    if (events.any !== undefined && events.any > 0) increments.push(anyField(source, 'events'), events.any);
    if (events.selected !== undefined && events.selected > 0)
      increments.push(recordField(source, 'selectedEvents'), events.selected);
  }
  const records = counts.records;
  if (records) {
    const rejected = records.rejects.reduce((total, reject) => total + reject.lines, 0);
    if (records.selected > 0) increments.push(recordField(source, 'selected'), records.selected);
    if (records.filtered > 0) increments.push(recordField(source, 'filtered'), records.filtered);
    if (rejected > 0) increments.push(recordField(source, 'rejected'), rejected);
  }
  return increments;
}

/**
 * Records a chunk that failed for good; `lineCount` is what the dead-lettering worker
 * could count of a chunk on shared storage.
 */
export async function recordDeadLetter(
  { redis, keys }: RunStoreContext,
  job: ChunkJobData,
  reason: string,
  retentionMs: number,
  lineCount: number | null,
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
  const reply = await recordDeadLetterScript.run(redis, chunkScriptKeys(keys, job.runId, packKey(keys, job)), [
    chunkId(job),
    JSON.stringify(range),
    job.byteLength,
    keys.runEvents(job.runId),
    retentionMs,
    isFileChunk(job) && lineCount !== null ? lineCount : '',
    sourceField(job.source, 'lines'),
    job.source,
    pack.first,
    pack.last,
  ]);
  const [code, generation] = codeAndGeneration(recordDeadLetterScript, reply);
  return { outcome: recordOutcome(recordDeadLetterScript, code), generation };
}

/**
 * Records a chunk Redis lost and nobody can enqueue again as dead-lettered; false if Redis
 * knows it (or the run is gone).
 */
export async function recordLostChunk(
  { redis, keys }: RunStoreContext,
  runId: string,
  source: number,
  chunk: ChunkPlacement & { firstLine: number; lineCount: number },
  reason: string,
): Promise<boolean> {
  const { seq, ...range } = chunk;
  const scriptKeys = chunkScriptKeys(keys, runId, packKey(keys, { runId, source, seq }));
  const reply = await recordLostChunkScript.run(redis, scriptKeys, [
    `${source}.${seq}`,
    sourceField(source, 'chunks'),
    sourceField(source, 'bytes'),
    sourceField(source, 'lines'),
    range.byteLength,
    range.lineCount,
    JSON.stringify({ source, seq, ...range, reason } satisfies StoredDeadRange),
    keys.runEvents(runId),
  ]);
  const codes = [RecordCode.RECORDED, RecordCode.DUPLICATE, RecordCode.RUN_MISSING];
  return expectCode(recordLostChunkScript, reply, codes) === RecordCode.RECORDED;
}
