import type { Queue } from 'bullmq';
import { type ChunkJobData, batchJobData, isFileChunk, parseChunkJob, replayJobId } from '../contract/job.js';
import { openChunkQueue } from '../redis/chunk-queue.js';
import { chunkJobOptions } from '../contract/queues.js';
import type { RedisClient } from '../redis/connection.js';
import type { RunDefinition } from '../runs/run-definition.js';
import type { StoredChunkRef } from '../runs/chunk-records.js';
import type { RunStore } from '../runs/run-store.js';
import type { DeadChunkRef, DeadJoinRef } from './dead-letter-entry.js';
import { JOIN_JOB, type JoinJobData, joinJobId } from '../contract/join-spec.js';
import type { DeadLetterItem, DeadLetterQueue } from './dead-letter-queue.js';
import { type DeadChunkNow, type DeadLetterView, deadLetterView } from './dead-letter-view.js';

/** What became of an entry asked to be replayed. */
export type ReplayOutcome =
  /** Enqueued again; the entry is gone. */
  | { kind: 'replayed'; runId: string }
  /** Its chunk was counted since, or dead-lettered again under a newer entry: the entry was removed. */
  | { kind: 'stale'; runId: string }
  /** The job data broke the contract and named no chunk. */
  | { kind: 'no-chunk' }
  /** The job data broke the contract. */
  | { kind: 'malformed' }
  | { kind: 'run-missing'; runId: string }
  /** The chunk's bytes expired: its lines must be analysed again from the source. */
  | { kind: 'bytes-gone'; chunk: DeadChunkRef };

/** How a replayed chunk is retried: attempts, and the base of the exponential backoff between them. */
export interface RetrySettings {
  attempts: number;
  backoffMs: number;
}

export interface DeadLetterServiceParts {
  store: RunStore;
  deadLetters: DeadLetterQueue;
  /** The connection replays enqueue chunks on; the service leaves it open. */
  connection: RedisClient;
}

/**
 * The dead-letter queue as people use it: entries with where their chunks are now, and
 * replay and purge, each keeping the run's state and the queue in step. A service lives
 * for one command: what it learns of runs' definitions is kept for its lifetime.
 */
export class DeadLetterService {
  private readonly definitions = new Map<string, Promise<RunDefinition | null>>();

  constructor(private readonly parts: DeadLetterServiceParts) {}

  get(id: string): Promise<DeadLetterItem | null> {
    return this.parts.deadLetters.get(id);
  }

  /** Every entry (of one run, if given), oldest first. */
  async list(runId?: string): Promise<DeadLetterItem[]> {
    const items = await this.parts.deadLetters.list();
    return runId ? items.filter((item) => (item.entry.chunk?.runId ?? item.entry.join?.runId) === runId) : items;
  }

  /** An entry with where its chunk is now. */
  async describe(item: DeadLetterItem): Promise<DeadLetterView> {
    const { chunk, join } = item.entry;
    if (join) {
      const standing = await this.parts.store.partitionStanding(join.runId, join.partition, join.round);
      return deadLetterView(item, true, null, standing);
    }
    const now = chunk ? await this.chunkNow(chunk, withPack(item)) : null;
    return deadLetterView(item, chunkJobOf(item.entry.job) !== null, now);
  }

  /**
   * Enqueues the entries' chunks again, with the retry settings given. Each run goes back
   * to `running` and ends `completed` once its chunks count; a chunk that fails again is
   * dead-lettered again under a new entry.
   */
  async replay(items: readonly DeadLetterItem[], retry: RetrySettings): Promise<ReplayOutcome[]> {
    const queue = openChunkQueue(this.parts.connection, this.parts.store.keys.prefix);
    const outcomes: ReplayOutcome[] = [];
    try {
      for (const item of items) outcomes.push(await this.replayOne(item, queue, retry));
    } finally {
      await queue.close();
    }
    return outcomes;
  }

  /** Drops the entries and, for chunks still dead, their bytes; their runs stay partial. Returns the ids dropped. */
  async purge(items: readonly DeadLetterItem[]): Promise<string[]> {
    // Chunks of one pack are dropped together: the pack goes once none of its chunks needs it.
    const chunks = items.flatMap((item) =>
      item.entry.chunk ? [{ ...withPack(item), generation: item.entry.chunk.generation }] : [],
    );
    await this.parts.store.dropChunkBytes(chunks);
    for (const item of items) await this.parts.deadLetters.remove(item.id);
    return items.map((item) => item.id);
  }

  private async replayOne(item: DeadLetterItem, queue: Queue, retry: RetrySettings): Promise<ReplayOutcome> {
    const { store, deadLetters } = this.parts;
    const { chunk, join } = item.entry;
    if (join) return this.replayPartition(item, join, queue, retry);
    if (!chunk) return { kind: 'no-chunk' };
    const job = chunkJobOf(item.entry.job);
    if (!job) return { kind: 'malformed' };
    if (!(await store.exists(job.runId))) return { kind: 'run-missing', runId: job.runId };
    const readiness = await store.prepareReplay(job, chunk.generation);
    if (readiness === 'not-dead') {
      await deadLetters.remove(item.id);
      return { kind: 'stale', runId: job.runId };
    }
    if (readiness === 'bytes-gone') return { kind: 'bytes-gone', chunk };
    // Enqueue first, then drop the entry: dying in between leaves an entry that replays
    // again harmlessly (same job id), never a chunk that nobody will count.
    const jobId = replayJobId(job, chunk.generation);
    await queue.add('chunks', batchJobData([job]), { ...chunkJobOptions(retry), jobId });
    await deadLetters.remove(item.id);
    return { kind: 'replayed', runId: job.runId };
  }

  /** A join's dead-lettered partition reduced again, in the round it failed in (if it is still that round's). */
  private async replayPartition(
    item: DeadLetterItem,
    join: DeadJoinRef,
    queue: Queue,
    retry: RetrySettings,
  ): Promise<ReplayOutcome> {
    const { store, deadLetters } = this.parts;
    if (!(await store.exists(join.runId))) return { kind: 'run-missing', runId: join.runId };
    if (!(await store.prepareJoinReplay(join.runId, join.partition, join.round))) {
      // Recorded since, or a later round reduces it anyway; taken back by a replay that died
      // before it enqueued: the reduce job below (same id) is still to be added.
      if ((await store.partitionStanding(join.runId, join.partition, join.round)) !== 'replaying') {
        await deadLetters.remove(item.id);
        return { kind: 'stale', runId: join.runId };
      }
    }
    const data: JoinJobData = { v: 1, runId: join.runId, round: join.round, partition: join.partition };
    await queue.add(JOIN_JOB, data, { ...chunkJobOptions(retry), jobId: `${joinJobId(data)}.r${Date.now()}` });
    await deadLetters.remove(item.id);
    return { kind: 'replayed', runId: join.runId };
  }

  private async chunkNow(chunk: DeadChunkRef, stored: StoredChunkRef): Promise<DeadChunkNow> {
    const { store } = this.parts;
    const [definition, state, generation, bytesKept] = await Promise.all([
      this.definitionOf(chunk.runId),
      store.chunkState(chunk),
      store.deadGeneration(chunk),
      store.chunkBytesExist(stored),
    ]);
    const sourceName = definition?.sources[chunk.source] ?? null;
    return { sourceName, runExists: definition !== null, state, generation, bytesKept };
  }

  /** A run's definition, asked of Redis once per run however many entries name it. */
  private definitionOf(runId: string): Promise<RunDefinition | null> {
    let definition = this.definitions.get(runId);
    if (!definition) this.definitions.set(runId, (definition = this.parts.store.definition(runId)));
    return definition;
  }
}

/** An entry's chunk with the pack its bytes are in, which its job data names (none: a pack of its own). */
function withPack(item: DeadLetterItem): StoredChunkRef {
  const chunk = item.entry.chunk!;
  // Malformed job data: the chunk's own key is all there is to look for.
  const job = chunkJobOf(item.entry.job);
  return job && !isFileChunk(job) && job.pack ? { ...chunk, pack: job.pack } : chunk;
}

/** The chunk job data an entry kept, or null if it breaks the contract. */
function chunkJobOf(data: unknown): ChunkJobData | null {
  try {
    return parseChunkJob(data);
  } catch {
    return null;
  }
}
