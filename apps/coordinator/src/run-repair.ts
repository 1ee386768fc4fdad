import {
  type ChunkJobData,
  type RunDefinition,
  type RunStore,
  type StoredChunkJob,
  batchJobData,
  batchJobId,
  chunkId,
  errorMessage,
} from '@logcluster/core';
import type { JobsOptions, Queue } from 'bullmq';
import type { ChunkPlace, EnqueuedChunks } from './enqueued-chunks.js';
import type { Input } from './inputs.js';
import { type SourcePlan, chunkJob } from './source-plan.js';

export interface RepairSummary {
  /** Chunks enqueued again: their job or their whole record was gone. */
  requeued: number;
  /** Chunks gone for good (their source cannot be read again): recorded as dead-lettered. */
  lost: number;
}

const BATCH = 1_000;
/** BullMQ states in which a job will still be processed. */
const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * After Redis restarted, checks the run against what this coordinator enqueued and fills
 * the gaps: with `appendfsync everysec` (or a failover to a replica that lagged), Redis
 * may come back without writes it had acknowledged — the run's record, chunks, or their
 * jobs. Chunks whose job is gone are enqueued again, from their bytes in Redis or from
 * the source; chunks that cannot be (standard input) are recorded as dead-lettered with
 * their line range, so that the report is never silently short.
 */
export class RunRepair {
  constructor(
    private readonly store: RunStore,
    private readonly queue: Queue,
    private readonly run: {
      runId: string;
      definition: RunDefinition;
      startedAt: number;
      jobOptions: JobsOptions;
      retentionMs: number;
    },
    private readonly inputs: readonly Input[],
    private readonly plans: readonly SourcePlan[],
    private readonly enqueued: EnqueuedChunks,
  ) {}

  async repair(sealed: boolean): Promise<RepairSummary> {
    const { runId, definition, startedAt, retentionMs, jobOptions } = this.run;
    const retry = { attempts: jobOptions.attempts ?? 1, backoffMs: backoffDelay(jobOptions) };
    await this.store.ensureRun(runId, definition, startedAt, retentionMs, retry);
    // Sources a followed run found after it started are named again (HSETNX: once).
    for (let source = definition.sources.length; source < this.inputs.length; source++)
      await this.store.addSource(runId, source, this.inputs[source]!.name);
    const summary: RepairSummary = { requeued: 0, lost: 0 };
    for (let source = 0; source < this.enqueued.sourceCount; source++) {
      const total = this.enqueued.count(source);
      // A followed run taken up again: the chunks before are not known here (see docs/reliability.md).
      for (let first = this.enqueued.firstSeq(source); first < total; first += BATCH) {
        const seqs = Array.from({ length: Math.min(BATCH, total - first) }, (_, i) => first + i);
        const states = await this.store.chunkStates(
          runId,
          seqs.map((seq) => chunkId({ source, seq })),
        );
        // Outstanding chunks whose job will still run need nothing.
        const outstanding = await Promise.all(
          seqs.map(async (seq, i) => {
            const state = states[i];
            if (state === 'done' || state === 'dead' || state === 'replaying') return null;
            if (state === 'queued' && (await this.jobPending(source, seq))) return null;
            return { seq, known: state === 'queued' };
          }),
        );
        for (const chunk of outstanding) {
          if (!chunk) continue;
          if (await this.requeue(source, this.enqueued.place(source, chunk.seq), chunk.known)) summary.requeued++;
          else summary.lost++;
        }
      }
    }
    if (sealed) await this.store.seal(runId, this.enqueued.total);
    return summary;
  }

  /** Whether the job that carries the chunk will still run. */
  private async jobPending(source: number, seq: number): Promise<boolean> {
    const { first, last } = this.enqueued.jobOf(source, seq);
    const { runId } = this.run;
    const alone = first.source === last.source && first.seq === last.seq;
    const state = await this.queue.getJobState(
      batchJobId([{ runId, ...first }, ...(alone ? [] : [{ runId, ...last }])]),
    );
    return PENDING_STATES.has(state);
  }

  /** The chunk's job data as its job first carried it: with the pack of that job's chunks, if there were several. */
  private inPack(source: number, job: StoredChunkJob): StoredChunkJob {
    // Chunks whose bytes go through Redis travel with chunks of their own source only.
    const { first, last } = this.enqueued.jobOf(source, job.seq);
    if (first.seq === last.seq) return job;
    return {
      ...job,
      pack: {
        first: first.seq,
        last: last.seq,
        offset: job.byteOffset - this.enqueued.place(source, first.seq).byteOffset,
      },
    };
  }

  /**
   * Enqueues the chunk again; false if its bytes are nowhere to be had, and it is
   * recorded as dead-lettered instead. `known`: Redis still has the chunk as enqueued.
   */
  private async requeue(source: number, place: ChunkPlace, known: boolean): Promise<boolean> {
    const { runId, definition, jobOptions } = this.run;
    const plan = this.plans[source]!;
    const input = this.inputs[source]!;
    let job: ChunkJobData = chunkJob(runId, source, plan, place, definition);
    if (plan.kind === 'file') {
      // Workers read it from shared storage: only its record and its job can be missing.
      if (!known) await this.store.storeChunk(runId, source, { ...place, lineCount: null });
    } else {
      // Its bytes went with its job's, as one pack: if that is still there, the chunk is
      // read from it. (Not deleted from under it: a pack goes only once every chunk in it
      // is counted, and one Redis does not know is not.)
      const inPack = this.inPack(source, job as StoredChunkJob);
      const inRedis = await this.store.chunkBytesExist(inPack);
      if (inRedis) {
        job = inPack;
        // Known again, its bytes where they are.
        if (!known) await this.store.storeChunk(runId, source, place);
      }
      const bytes = inRedis
        ? null
        : await input.readRange(place.byteOffset, place.byteLength).catch((err: unknown) => {
            throw new Error(`cannot read ${input.name} again to enqueue a chunk Redis lost: ${errorMessage(err)}`);
          });
      if (!inRedis && bytes === null) {
        const reason = `LOST: Redis lost this chunk in a restart and ${input.name === '-' ? 'standard input' : input.name} cannot be read again`;
        if (known) await this.store.recordDeadLetter(job, reason);
        else await this.store.recordLostChunk(runId, source, place, reason);
        return false;
      }
      // Put back on their own, its bytes are a pack of their own.
      if (bytes) {
        if (known) await this.store.restoreChunkBytes(runId, source, place.seq, bytes);
        else await this.store.storeChunk(runId, source, place, bytes);
      }
    }
    // Enqueued again on its own. A job of that id that failed or vanished half-way is
    // taken out first, so that the id can be used again.
    const jobId = batchJobId([job]);
    await this.queue.remove(jobId).catch(() => 0);
    await this.queue.add('chunks', batchJobData([job]), { ...jobOptions, jobId });
    return true;
  }
}

/** The base delay of the jobs' backoff (a join's reduce jobs retry as its chunks do). */
function backoffDelay(options: JobsOptions): number {
  const { backoff } = options;
  return typeof backoff === 'number' ? backoff : (backoff?.delay ?? 0);
}
