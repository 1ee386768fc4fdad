import {
  CHUNK_QUEUE,
  type ChunkJobData,
  type DeadLetterItem,
  type RunDefinition,
  type RunStatus,
  type RunStore,
  type StoredChunkRef,
  UsageError,
  batchJobData,
  chunkJobOptions,
  isFileChunk,
  parseChunkJob,
  replayJobId,
} from '@logcluster/core';
import { Queue } from 'bullmq';
import type { CommandIo } from '../command-io.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { lineRange, table } from '../report-format.js';
import { type StoreFlags, type StoreSession, withStore } from '../store-session.js';

/** Where a dead-lettered chunk is now, as far as its run knows. */
export type DeadLetterState =
  /** Still dead: can be replayed while its bytes are kept. */
  | 'dead'
  /** Counted since (a replay, or a delivery that raced the dead-lettering): the entry is stale. */
  | 'counted'
  /** Taken back by a replay that has not finished yet. */
  | 'replaying'
  /** Dead-lettered again later: a newer entry records that. */
  | 'superseded'
  /** Job data that did not keep the contract: nothing to replay. */
  | 'invalid-job'
  /** A chunk its run did not know when it failed (a run gone, or lost in a Redis restart). */
  | 'orphan'
  /** Its run no longer exists. */
  | 'run-missing';

export interface DeadLetterView {
  id: string;
  runId: string | null;
  source: string | null;
  firstLine: number | null;
  lastLine: number | null;
  byteOffset: number | null;
  byteLength: number | null;
  generation: number | null;
  state: DeadLetterState;
  /** Whether the chunk's bytes are still in Redis (needed to replay it). */
  bytesKept: boolean;
  reason: string;
  error: { message: string; code: string; stack?: string };
  attemptsMade: number;
  worker: string;
  jobId: string;
  enqueuedAt: string;
  failedAt: string;
  /** The failed job's data as it was; in `show` only. */
  job?: unknown;
}

export type DlqFlags = StoreFlags & { run?: string; all?: boolean; limit?: number };

/** `dlq list`: dead-lettered chunks, oldest first. */
export async function dlqListCommand(flags: DlqFlags, io: CommandIo): Promise<number> {
  const views = await withStore(flags, async (session) => {
    const items = (await session.deadLetters.list()).filter((item) => !flags.run || item.entry.chunk?.runId === flags.run);
    return Promise.all(items.slice(0, flags.limit ?? items.length).map((item) => describe(session, item, new Map())));
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
  } else if (views.length === 0) {
    io.stdout.write(`the dead-letter queue under prefix "${flags.prefix}" is empty\n`);
  } else {
    const rows = views.map((view) => [
      view.id,
      view.source ?? '-',
      view.firstLine === null ? '-' : `${view.firstLine}–${view.lastLine}`,
      String(view.attemptsMade),
      view.failedAt,
      view.state + (view.state === 'dead' && !view.bytesKept ? ' (bytes expired)' : ''),
      truncate(view.reason, 60),
    ]);
    io.stdout.write(`${table(['ID', 'SOURCE', 'LINES', 'ATTEMPTS', 'FAILED AT', 'STATE', 'REASON'], rows, [false, false, false, true, false, false, false]).join('\n')}\n`);
  }
  return EXIT.completed;
}

/** `dlq show <id>`: one entry, whole: the error with its stack, the job data, where it is now. */
export async function dlqShowCommand(id: string, flags: DlqFlags, io: CommandIo): Promise<number> {
  const view = await withStore(flags, async (session) => {
    const item = await session.deadLetters.get(id);
    if (!item) throw new UsageError(`no dead-letter entry ${id} under prefix "${flags.prefix}" (see logcluster dlq list)`);
    return { ...(await describe(session, item, new Map())), job: item.entry.job };
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return EXIT.completed;
  }
  const lines = [
    `entry     ${view.id}`,
    `state     ${view.state}${view.bytesKept ? '' : ' (bytes no longer kept: cannot be replayed)'}`,
    `run       ${view.runId ?? '-'}`,
    `source    ${view.source ?? '-'}${view.firstLine === null ? '' : `, lines ${view.firstLine}–${view.lastLine}, bytes ${view.byteOffset}+${view.byteLength}`}`,
    `job       ${view.jobId} (enqueued ${view.enqueuedAt})`,
    `failed    ${view.failedAt} after ${view.attemptsMade} attempt${view.attemptsMade === 1 ? '' : 's'}, on ${view.worker}`,
    `error     ${view.reason}`,
    ...(view.error.stack ? ['', view.error.stack] : []),
    '',
    `job data  ${JSON.stringify(view.job)}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.completed;
}

export type ReplayFlags = DlqFlags & { attempts: number; backoff: number; wait?: boolean };

/**
 * `dlq replay`: enqueues dead-lettered chunks again. The run goes back to `running` and
 * ends `completed` with exact totals once they count; a chunk that fails again is
 * dead-lettered again as a new entry.
 */
export async function dlqReplayCommand(ids: string[], flags: ReplayFlags, io: CommandIo): Promise<number> {
  return withStore(flags, async (session) => {
    const items = await select(session, ids, flags);
    const queue = new Queue(CHUNK_QUEUE, { connection: session.redis, prefix: session.store.keys.prefix });
    queue.on('error', () => {});
    const outcomes: { id: string; outcome: string; ok: boolean; runId?: string }[] = [];
    try {
      for (const item of items) outcomes.push({ id: item.id, ...(await replay(session, queue, item, flags)) });
    } finally {
      await queue.close();
    }
    const runs = [...new Set(outcomes.filter((o) => o.outcome === 'replayed').map((o) => o.runId!))];
    let code: number = outcomes.every((o) => o.ok) ? EXIT.completed : EXIT.failure;
    const finals: Record<string, RunStatus> = {};
    if (flags.wait) {
      for (const runId of runs) {
        finals[runId] = await waitWhileRunning(session.store, runId, io.signal);
        code = Math.max(code, exitCodeFor(finals[runId]));
      }
    }
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ entries: outcomes, runs: flags.wait ? finals : runs }, null, 2)}\n`);
    } else {
      for (const o of outcomes) io.stdout.write(`${o.id}: ${o.outcome}\n`);
      const replayed = outcomes.filter((o) => o.outcome === 'replayed').length;
      io.stdout.write(`replayed ${replayed} of ${outcomes.length} entries`);
      io.stdout.write(flags.wait ? `; ${runs.map((r) => `run ${r} ${finals[r]}`).join(', ') || 'no run to wait for'}\n` : runs.length ? `; follow with logcluster status ${runs.join(' / ')}\n` : '\n');
    }
    return code;
  });
}

/** `dlq purge`: drops entries and, for chunks still dead, their bytes. Their runs stay partial. */
export async function dlqPurgeCommand(ids: string[], flags: DlqFlags, io: CommandIo): Promise<number> {
  const purged = await withStore(flags, async (session) => {
    const items = await select(session, ids, flags);
    // Chunks of one pack are dropped together: the pack goes once none of its chunks needs it.
    await session.store.dropChunkBytes(items.flatMap((item) => (item.entry.chunk ? [{ ...withPack(item), generation: item.entry.chunk.generation }] : [])));
    for (const item of items) await session.deadLetters.remove(item.id);
    return items.map((item) => item.id);
  });
  io.stdout.write(flags.json ? `${JSON.stringify({ purged }, null, 2)}\n` : `purged ${purged.length} entr${purged.length === 1 ? 'y' : 'ies'}\n`);
  return EXIT.completed;
}

async function select(session: StoreSession, ids: string[], flags: DlqFlags): Promise<DeadLetterItem[]> {
  if (ids.length > 0 && flags.all) throw new UsageError('give entry ids or --all, not both');
  if (ids.length === 0 && !flags.all) throw new UsageError('give entry ids, or --all (optionally with --run <runId>)');
  if (flags.all) return (await session.deadLetters.list()).filter((item) => !flags.run || item.entry.chunk?.runId === flags.run);
  const items: DeadLetterItem[] = [];
  for (const id of ids) {
    const item = await session.deadLetters.get(id);
    if (!item) throw new UsageError(`no dead-letter entry ${id} under prefix "${flags.prefix}" (see logcluster dlq list)`);
    items.push(item);
  }
  return items;
}

async function replay(session: StoreSession, queue: Queue, item: DeadLetterItem, flags: ReplayFlags): Promise<{ outcome: string; ok: boolean; runId?: string }> {
  const { chunk } = item.entry;
  if (!chunk) return { outcome: 'not replayed: the job data is malformed, there is no chunk to count (purge it)', ok: false };
  const job = chunkJobOf(item.entry.job);
  if (!job) return { outcome: 'not replayed: the job data is malformed (purge it)', ok: false };
  if (!(await session.store.exists(job.runId))) return { outcome: `not replayed: run ${job.runId} no longer exists (purge it)`, ok: false };
  const readiness = await session.store.prepareReplay(job, chunk.generation);
  if (readiness === 'not-dead') {
    await session.deadLetters.remove(item.id);
    return { outcome: 'stale, removed: the chunk was counted since, or dead-lettered again under a newer entry', ok: true, runId: job.runId };
  }
  if (readiness === 'bytes-gone') {
    return { outcome: `not replayed: its bytes are no longer kept; analyse ${lineRange(chunk.firstLine, chunk.lineCount)} of the source again`, ok: false };
  }
  // Enqueue first, then drop the entry: dying in between leaves an entry that replays
  // again harmlessly (same job id), never a chunk that nobody will count.
  await queue.add('chunks', batchJobData([job]), { ...chunkJobOptions({ attempts: flags.attempts, backoffMs: flags.backoff }), jobId: replayJobId(job, chunk.generation) });
  await session.deadLetters.remove(item.id);
  return { outcome: 'replayed', ok: true, runId: job.runId };
}

/** An entry's chunk with the pack its bytes are in, which its job data names (none: a pack of its own). */
function withPack(item: DeadLetterItem): StoredChunkRef {
  const chunk = item.entry.chunk!;
  // Malformed job data: the chunk's own key is all there is to look for.
  const job = chunkJobOf(item.entry.job);
  return job && !isFileChunk(job) && job.pack ? { ...chunk, pack: job.pack } : chunk;
}

async function describe(session: StoreSession, item: DeadLetterItem, definitions: Map<string, RunDefinition | null>): Promise<DeadLetterView> {
  const { entry } = item;
  const chunk = entry.chunk;
  let state: DeadLetterState = chunkJobOf(entry.job) ? 'orphan' : 'invalid-job';
  let source: string | null = null;
  let bytesKept = false;
  if (chunk) {
    if (!definitions.has(chunk.runId)) definitions.set(chunk.runId, await definitionOf(session, chunk.runId));
    const definition = definitions.get(chunk.runId);
    source = definition?.sources[chunk.source] ?? null;
    const [current, generation, kept] = await Promise.all([
      session.store.chunkState(chunk),
      session.store.deadGeneration(chunk),
      session.store.chunkBytesExist(withPack(item)),
    ]);
    bytesKept = kept;
    if (!definition) state = 'run-missing';
    else if (current === 'done') state = 'counted';
    else if (generation > chunk.generation) state = 'superseded';
    else state = current === 'replaying' ? 'replaying' : 'dead';
  }
  return {
    id: item.id,
    runId: chunk?.runId ?? null,
    source,
    firstLine: chunk?.firstLine ?? null,
    lastLine: chunk?.firstLine != null && chunk.lineCount !== null ? chunk.firstLine + Math.max(chunk.lineCount, 1) - 1 : null,
    byteOffset: chunk?.byteOffset ?? null,
    byteLength: chunk?.byteLength ?? null,
    generation: chunk?.generation ?? null,
    state,
    bytesKept,
    reason: `${entry.error.code}: ${entry.error.message}`,
    error: entry.error,
    attemptsMade: entry.attemptsMade,
    worker: entry.worker,
    jobId: entry.jobId,
    enqueuedAt: new Date(entry.enqueuedAt).toISOString(),
    failedAt: new Date(entry.failedAt).toISOString(),
  };
}

async function definitionOf(session: StoreSession, runId: string): Promise<RunDefinition | null> {
  const json = await session.redis.hget(session.store.keys.run(runId), 'definition');
  return json ? (JSON.parse(json) as RunDefinition) : null;
}

async function waitWhileRunning(store: RunStore, runId: string, signal: AbortSignal): Promise<RunStatus> {
  for (;;) {
    signal.throwIfAborted();
    const status = await store.status(runId);
    if (status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The chunk job data an entry kept, or null if it breaks the contract. */
function chunkJobOf(data: unknown): ChunkJobData | null {
  try {
    return parseChunkJob(data);
  } catch {
    return null;
  }
}

function truncate(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
