import {
  type Chunk,
  type ChunkJobData,
  type SourceCheckpoint,
  LogclusterError,
  RedisFullError,
  MAX_CHUNKS_PER_JOB,
  type RedisClient,
  type RunDefinition,
  type RunStore,
  type StoredChunkJob,
  type SubmitOptions,
  batchJobData,
  batchJobId,
  chunkJobOptions,
  chunkStream,
  eventStartTest,
  errorMessage,
  formatBytes,
  isConnectionLost,
  isOutOfMemory,
  markStartup,
  openChunkQueue,
  packed,
} from '@logcluster/core';
import type { JobsOptions, Queue } from 'bullmq';
import { enqueueJoinRound, enqueueJoinTick } from '@logcluster/worker';
import { type ChunkPlace, EnqueuedChunks } from './enqueued-chunks.js';
import { type FileRange, fileRanges, wholeFile } from './file-ranges.js';
import { InFlightGate } from './in-flight-gate.js';
import { type Input, READ_SIZE } from './inputs.js';
import { ReadBuffers } from './read-buffers.js';
import { type ByteWindow, MemoryBackpressure, byteWindow, readRedisMemory } from './redis-memory.js';
import { RedisRestartDetector } from './redis-restart.js';
import { RunEvents } from './run-events.js';
import { RunRepair } from './run-repair.js';
import { type SourcePlan, chunkJob, planSources } from './source-plan.js';
import { type FollowedRun, readFollowedRun, requeueJobless } from './follow-resume.js';

/** Jobs being written to Redis at once; enough to keep the connection busy. */
const ENQUEUE_CONCURRENCY = 4;

/**
 * Chunks travel several to a job, up to this many bytes (and `MAX_CHUNKS_PER_JOB`
 * chunks): the queue's cost per job is fixed, about a hundred Redis commands, and shared
 * this way. A chunk of this size or more travels alone. Chunks whose bytes go through
 * Redis are stored as one value (a pack: one SET, one GET), read by the worker straight
 * into one buffer, and counted in one task. Chunks that workers read from shared storage
 * cost Redis nothing, and their jobs are larger: a counting thread reads and counts their
 * ranges one after the other. Each size is the fastest measured (docs/benchmarks.md,
 * "Defaults: job sizes").
 */
const JOB_BYTES = { bytes: 4 * 1024 * 1024, file: 64 * 1024 * 1024 } as const;

/**
 * Ranges of files that workers read themselves hold no bytes in Redis (a job of them is
 * a few hundred bytes): this much of them may be in flight, or `--max-in-flight` if that
 * is more, so that 16 counting threads are kept fed.
 */
const FILE_RANGES_IN_FLIGHT = 16 * JOB_BYTES.file;

interface PendingChunk {
  source: number;
  place: ChunkPlace;
  job: ChunkJobData;
  /** The chunk's bytes, as the buffers they were read into hold them; none for a chunk on shared storage. */
  parts: Buffer[] | undefined;
  /** A followed file's position after the chunk, stored with it (see `SourceCheckpoint`). */
  checkpoint?: SourceCheckpoint;
}

/**
 * One run being submitted: creates it, cuts every input into chunks, stores and
 * enqueues them under backpressure, and seals the run. Any failure marks the run failed.
 * While it runs, it watches for Redis restarts and repairs what a restart lost.
 */
export class Submission {
  private sealed = false;
  private readonly pending = new Set<Promise<void>>();
  /**
   * Chunks waiting to be sent as one job: of one source if their bytes go through Redis
   * (they are one pack); ranges of files that workers read themselves run on from one
   * file into the next, so that a run of many small files makes few jobs.
   */
  private batch: { stored: boolean; source: number; chunks: PendingChunk[]; bytes: number } | null = null;
  /** The first enqueue that failed for good; the submission stops at the next step. */
  private failure: Error | undefined;
  private readonly enqueued = new EnqueuedChunks();
  /** Per source read into `ReadBuffers`: them, and which of its chunks are stored (all up to `through`, and those in `ahead`). */
  private readonly reads: { buffers: ReadBuffers; through: number; ahead: Set<number> }[] = [];
  private readonly jobOptions: JobsOptions;
  private readonly repairer: RunRepair;
  /** For chunks whose bytes go through Redis: how many bytes may be in flight, the largest job, the chunk size. */
  private readonly window: ByteWindow;
  /** Bytes of the run's chunks stored in Redis so far. */
  private storedBytes = 0;
  private readonly memory: MemoryBackpressure;
  /** The signal that stops `enqueueAll`, for the waits of its background writes. */
  private signal: AbortSignal | undefined;
  /**
   * Following: each source's last job sent. A source's jobs are stored one after the
   * other, so that its checkpoint, written with each, never passes a chunk not stored.
   */
  private readonly lastSent = new Map<number, Promise<void>>();
  /** A followed run taken up again: where each source's chunks go on (`resume`). */
  private readonly starts = new Map<number, SourceCheckpoint>();

  private constructor(
    readonly runId: string,
    private readonly store: RunStore,
    private readonly queue: Queue,
    readonly events: RunEvents,
    private readonly restarts: RedisRestartDetector,
    private readonly options: SubmitOptions,
    definition: RunDefinition,
    startedAt: number,
    /** Every source so far: a followed run finds more (`followAll`). */
    private readonly inputs: Input[],
    private readonly plans: SourcePlan[],
    private readonly notice: (message: string) => void,
    window: ByteWindow,
    redis: RedisClient,
  ) {
    this.jobOptions = chunkJobOptions(options);
    this.window = window;
    this.memory = new MemoryBackpressure(
      redis,
      {
        storedBytesInFlight: async () => Math.max(0, this.storedBytes - (await store.settledBytes(runId))),
        settledBytes: () => store.settledBytes(runId),
        workerCount: () => this.workerCount(),
      },
      notice,
      Math.max(window.jobBytes, window.chunkSize),
    );
    this.repairer = new RunRepair(
      store,
      queue,
      { runId, definition, startedAt, jobOptions: this.jobOptions, retentionMs: options.runRetentionMs },
      inputs,
      plans,
      this.enqueued,
    );
  }

  /**
   * Starts a run of the inputs. `follow`: the paths and globs a followed run follows,
   * kept with the run so that it can be taken up again (`resume`).
   */
  static async create(
    redis: RedisClient,
    store: RunStore,
    inputs: readonly Input[],
    options: SubmitOptions,
    notice: (message: string) => void = () => {},
    follow?: readonly string[],
  ): Promise<Submission> {
    const definition: RunDefinition = {
      patterns: options.patterns,
      sources: inputs.map((input) => input.name),
      ...(options.insight ? { insight: options.insight } : {}),
      ...(options.records ? { records: options.records } : {}),
      ...(options.multiline ? { multiline: options.multiline } : {}),
    };
    // With --multiline the coordinator reads every file itself: it cuts chunks where events
    // start, where ranges that workers read themselves would be cut by lines alone.
    const plans = await planSources(inputs, options.multiline ? undefined : options.sharedRoot);
    const { restarts, window, memory } = await Submission.lookAtRedis(redis, store, options, plans, notice);
    const retry = { attempts: options.attempts, backoffMs: options.backoffMs };
    const { runId, startedAt } = await store
      .createRun(definition, options.runRetentionMs, retry)
      .catch((err: unknown) => {
        if (!isOutOfMemory(err)) throw err;
        throw new RedisFullError(
          `Redis is full${memory ? ` (its maxmemory is ${formatBytes(memory.maxmemory)})` : ''}: it refused even the run's record; free some memory, or raise maxmemory`,
          { cause: err },
        );
      });
    if (follow) await store.recordFollow(runId, follow);
    const queue = openChunkQueue(redis, store.keys.prefix);
    const events = await RunEvents.subscribe(redis, store.keys.runEvents(runId));
    return new Submission(
      runId,
      store,
      queue,
      events,
      restarts,
      options,
      definition,
      startedAt,
      [...inputs],
      plans,
      notice,
      window,
      redis,
    );
  }

  /**
   * Takes up a followed run whose coordinator died (follow-resume.ts): its patterns and
   * options are the run's; each source goes on from its checkpoint, and the last chunk a
   * source stored is given its job if the coordinator died before adding it. The inputs
   * come after (`followAll`), made from what `FollowedRun` says.
   */
  static async resume(
    redis: RedisClient,
    store: RunStore,
    runId: string,
    options: SubmitOptions,
    notice: (message: string) => void = () => {},
  ): Promise<{ submission: Submission; run: FollowedRun }> {
    const run = await readFollowedRun(store, runId);
    const { definition } = run;
    const resumed: SubmitOptions = {
      ...options,
      patterns: definition.patterns,
      ...(definition.insight ? { insight: definition.insight } : {}),
      ...(definition.records ? { records: definition.records } : {}),
      ...(definition.multiline ? { multiline: definition.multiline } : {}),
      follow: true,
    };
    const plans: SourcePlan[] = definition.sources.map(() => ({ kind: 'stored' }));
    const { restarts, window } = await Submission.lookAtRedis(redis, store, resumed, plans, notice);
    const queue = openChunkQueue(redis, store.keys.prefix);
    const events = await RunEvents.subscribe(redis, store.keys.runEvents(runId));
    const submission = new Submission(
      runId,
      store,
      queue,
      events,
      restarts,
      resumed,
      definition,
      run.startedAt,
      [],
      plans,
      notice,
      window,
      redis,
    );
    for (const [source, checkpoint] of run.checkpoints) {
      submission.enqueued.startAt(source, checkpoint.seq);
      submission.starts.set(source, checkpoint);
    }
    try {
      const requeued = await requeueJobless(
        store,
        queue,
        runId,
        run.checkpoints,
        (source, place) => chunkJob(runId, source, { kind: 'stored' }, place, resumed),
        submission.jobOptions,
      );
      if (requeued > 0)
        notice(`run ${runId}: ${requeued} chunks stored just before the coordinator died had no job: added`);
    } catch (err) {
      await submission.close();
      throw err;
    }
    return { submission, run };
  }

  /** What a submission learns of Redis before it starts: restarts from now on, and how much room there is. */
  private static async lookAtRedis(
    redis: RedisClient,
    store: RunStore,
    options: SubmitOptions,
    plans: readonly SourcePlan[],
    notice: (message: string) => void,
  ): Promise<{
    restarts: RedisRestartDetector;
    window: ByteWindow;
    memory: Awaited<ReturnType<typeof readRedisMemory>>;
  }> {
    const restarts = new RedisRestartDetector(redis, store.keys.runs());
    await restarts.restarted();
    const memory = await readRedisMemory(redis);
    const window = byteWindow(memory, {
      maxInFlightBytes: options.maxInFlightBytes,
      jobBytes: JOB_BYTES.bytes,
      chunkSize: options.chunkSize,
    });
    if (window.notice && plans.some((plan) => plan.kind !== 'file')) notice(window.notice);
    return { restarts, window, memory };
  }

  /** Enqueues every chunk of every input, then seals the run. */
  async enqueueAll(inputs: readonly Input[], signal?: AbortSignal): Promise<void> {
    await this.enqueueRun(signal, async (gate) => {
      for (const [source, input] of inputs.entries()) {
        const plan = this.plans[source]!;
        const file = plan.kind === 'file' ? input.plainFile : null;
        if (!file) {
          await this.enqueueStream(source, input, gate, signal);
          // A pack holds one source's chunks: the next source starts a job of its own.
          await this.flush();
          continue;
        }
        const cut = {
          chunkSize: this.options.chunkSize,
          maxLineSize: this.options.maxLineSize,
          sourceName: input.name,
        };
        // A file is open only while it is cut, and one no larger than a chunk is not opened
        // at all: a run of many files holds one at a time.
        const handle = file.size > cut.chunkSize ? await file.open() : undefined;
        try {
          const ranges = handle ? fileRanges(handle, file.size, cut) : wholeFile(file.size);
          await this.enqueueChunks(
            source,
            ranges,
            Math.max(this.options.maxInFlightBytes, FILE_RANGES_IN_FLIGHT),
            gate,
            signal,
          );
        } finally {
          await handle?.close();
        }
      }
    });
  }

  /**
   * Follows the inputs the run started with and those `more` finds later (files that come
   * to match a followed glob), each its own source, all at once, until each ends (once
   * following stops, every file is read to its end); then seals the run.
   */
  async followAll(
    first: readonly Input[],
    more: AsyncIterable<Input> | Iterable<Input>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.enqueueRun(signal, async (gate) => {
      const running: Promise<void>[] = [];
      for (const [source, input] of first.entries()) {
        this.inputs[source] = input;
        this.plans[source] ??= { kind: 'stored' };
        if (input.joinSides !== undefined) await this.store.addJoinSource(this.runId, source, input.joinSides);
        running.push(this.enqueueStream(source, input, gate, signal));
      }
      // A source that fails stops the others' enqueueing at their next chunk.
      const failed = Promise.all(running).catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(errorMessage(err));
      });
      for await (const input of more) {
        this.throwIfFailed();
        const source = this.inputs.length;
        await this.store.addSource(this.runId, source, input.name);
        // Before its first chunk: until one of its chunks with a time settles, it holds its side's watermark back.
        if (input.joinSides !== undefined) await this.store.addJoinSource(this.runId, source, input.joinSides);
        this.inputs.push(input);
        this.plans.push({ kind: 'stored' });
        this.notice(`following ${input.name} (new)`);
        running.push(this.enqueueStream(source, input, gate, signal));
      }
      await failed;
      await Promise.all(running);
    });
  }

  /**
   * What enqueueing a run's chunks (`enqueue`) is wrapped in: the gate, then the last
   * jobs sent, a look for a Redis restart, and the seal; any failure marks the run failed.
   */
  private async enqueueRun(
    signal: AbortSignal | undefined,
    enqueue: (gate: InFlightGate) => Promise<void>,
  ): Promise<void> {
    this.signal = signal;
    try {
      // While it waits for room, an enqueue that failed for good ends the wait.
      const gate = new InFlightGate(this.store, this.events, this.runId, async () => {
        this.throwIfFailed();
        await this.checkRedis();
      });
      await enqueue(gate);
      await this.flush();
      await Promise.allSettled(this.pending);
      this.throwIfFailed();
      await this.checkRedis();
      this.sealed = true;
      await this.whileFull(() => this.store.seal(this.runId, this.enqueued.total));
    } catch (err) {
      // An abort of ours says why (--wait-timeout passed); any other is the user's.
      const reason = signal?.aborted
        ? `${signal.reason instanceof LogclusterError ? signal.reason.message : 'interrupted'} before all input was enqueued`
        : errorMessage(err);
      await this.store.fail(this.runId, reason).catch(() => {});
      throw err;
    }
  }

  /** Cuts a source read by the coordinator (its bytes go through Redis) into chunks, and enqueues them. */
  private async enqueueStream(source: number, input: Input, gate: InFlightGate, signal?: AbortSignal): Promise<void> {
    // Buffers no larger than the file (a plain one) needs, plus the read that finds its end.
    const readSize = input.plainFile ? Math.min(READ_SIZE, input.plainFile.size + 1) : READ_SIZE;
    const buffers = new ReadBuffers(readSize);
    const start = this.starts.get(source);
    this.reads[source] = { buffers, through: (start?.seq ?? 0) - 1, ahead: new Set() };
    const cut = {
      chunkSize: this.window.chunkSize,
      maxLineSize: this.options.maxLineSize,
      sourceName: input.name,
      ...(start ? { start: { seq: start.seq, byteOffset: start.byteOffset, line: start.line } } : {}),
      ...(this.options.multiline ? { eventStarts: eventStartTest(this.options.multiline) } : {}),
    };
    const chunks = chunkStream(input.read(signal, buffers), cut);
    await this.enqueueChunks(source, chunks, this.window.maxInFlightBytes, gate, signal, input.checkpointAt);
  }

  /** Enqueues a source's chunks, in order, each once there is room for it in flight. */
  private async enqueueChunks(
    source: number,
    chunks: AsyncIterable<Chunk | FileRange> | Iterable<FileRange>,
    inFlightLimit: number,
    gate: InFlightGate,
    signal?: AbortSignal,
    checkpointAt?: Input['checkpointAt'],
  ): Promise<void> {
    const plan = this.plans[source]!;
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      const parts = 'parts' in chunk ? chunk.parts : undefined;
      const place: ChunkPlace = {
        seq: chunk.seq,
        byteOffset: chunk.byteOffset,
        byteLength: parts ? parts.reduce((sum, part) => sum + part.length, 0) : (chunk as FileRange).byteLength,
        firstLine: 'firstLine' in chunk ? chunk.firstLine : Number.NaN,
        lineCount: 'lineCount' in chunk ? chunk.lineCount : Number.NaN,
      };
      // Waiting for room with chunks held back would wait for ever: send them first.
      await gate.admit(place.byteLength, inFlightLimit, signal, () => this.flush());
      this.enqueued.add(source, place);
      const job = chunkJob(this.runId, source, plan, place, this.options, this.inputs[source]?.joinSides);
      const end = place.byteOffset + place.byteLength;
      const checkpoint: SourceCheckpoint | undefined = checkpointAt && {
        seq: place.seq + 1,
        byteOffset: end,
        line: place.firstLine + place.lineCount,
        file: checkpointAt(end),
        last: { ...place },
      };
      await this.hold({ source, place, job, parts, ...(checkpoint ? { checkpoint } : {}) });
      this.throwIfFailed();
    }
  }

  /** Adds a chunk to the job being filled, sending the job when it is full. */
  private async hold(chunk: PendingChunk): Promise<void> {
    const size = chunk.place.byteLength;
    const stored = chunk.parts !== undefined;
    const limit = stored ? this.window.jobBytes : JOB_BYTES.file;
    if (
      this.batch &&
      (this.batch.stored !== stored ||
        (stored && this.batch.source !== chunk.source) ||
        this.batch.bytes + size > limit ||
        this.batch.chunks.length >= MAX_CHUNKS_PER_JOB)
    )
      await this.flush();
    this.batch ??= { stored, source: chunk.source, chunks: [], bytes: 0 };
    this.batch.chunks.push(chunk);
    this.batch.bytes += size;
    if (this.batch.bytes >= limit || this.options.follow) await this.flush();
  }

  /** Sends the chunks held back as one job (in the background, a few jobs at a time). */
  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = null;
    if (!batch) return;
    const { chunks } = batch;
    this.enqueued.setJob(chunks.map(({ source, place }) => ({ source, seq: place.seq })));
    const { source } = chunks[0]!;
    const after = this.options.follow ? this.lastSent.get(source) : undefined;
    const sent = (after ? after.then(() => this.enqueue(chunks)) : this.enqueue(chunks)).then(
      () => this.stored(chunks),
      (err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(errorMessage(err));
      },
    );
    if (this.options.follow) this.lastSent.set(source, sent);
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
    if (this.pending.size >= ENQUEUE_CONCURRENCY) await Promise.race(this.pending);
  }

  /** A job's chunks are in Redis: the bytes read for them (and all before them) may be read over. */
  private stored(chunks: PendingChunk[]): void {
    for (const { place } of chunks) this.storedBytes += place.byteLength;
    // Chunks whose bytes were read are of one source (see `hold`); ranges of files have none.
    const { source } = chunks[0]!;
    const reads = this.reads[source];
    if (reads === undefined) return;
    for (const { place } of chunks) reads.ahead.add(place.seq);
    const before = reads.through;
    while (reads.ahead.delete(reads.through + 1)) reads.through++;
    if (reads.through === before) return;
    const last = this.enqueued.place(source, reads.through);
    reads.buffers.storedUpTo(last.byteOffset + last.byteLength);
  }

  /** A job that could not be enqueued fails the submission: a run is never sealed short. */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Stores a job's chunks and adds the job. Both steps are idempotent, so when the
   * connection drops (Redis restarting), they are simply sent again once it is back; and
   * when Redis answers that it is full, once workers drained some of it.
   */
  private async enqueue(chunks: PendingChunk[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.enqueueOnce(chunks, attempt > 1);
        this.memory.relieved();
        return;
      } catch (err) {
        if (isOutOfMemory(err)) await this.memory.waitForRoom(this.signal);
        else if (isConnectionLost(err))
          await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 2_000)));
        else throw err;
      }
    }
  }

  /** Runs a write to the run's records, again whenever Redis answers that it is full, once something drained. */
  private async whileFull<T>(write: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await write();
        this.memory.relieved();
        return result;
      } catch (err) {
        if (!isOutOfMemory(err)) throw err;
        await this.memory.waitForRoom(this.signal);
      }
    }
  }

  private async enqueueOnce(chunks: PendingChunk[], again: boolean): Promise<void> {
    const last = chunks[chunks.length - 1]!;
    const stored = await this.store.storeChunks(
      this.runId,
      chunks.map(({ source, place, parts }) => ({
        source,
        chunk: { ...place, lineCount: Number.isNaN(place.lineCount) ? null : place.lineCount },
        ...(parts ? { parts } : {}),
      })),
      { again, ...(last.checkpoint ? { checkpoint: { source: last.source, checkpoint: last.checkpoint } } : {}) },
    );
    // The run's record is gone only if Redis lost it in a restart; the repair that the
    // restart sets off brings it back and enqueues these chunks too.
    if (stored.includes('run-missing')) return;
    // A job's chunks are of one kind: bytes that went to Redis went as one pack (of one
    // source), which each chunk's job data names.
    const jobs = chunks.every((chunk) => chunk.parts)
      ? packed(chunks.map((chunk) => chunk.job as StoredChunkJob))
      : chunks.map((chunk) => chunk.job);
    await this.queue.add('chunks', batchJobData(jobs), { ...this.jobOptions, jobId: batchJobId(jobs) });
    markStartup('the first job added');
  }

  /**
   * If Redis restarted since the last look, checks the run against what was enqueued and
   * repairs it. Called wherever the coordinator waits.
   */
  async checkRedis(): Promise<boolean> {
    if (!(await this.restarts.restarted())) return false;
    await Promise.allSettled(this.pending);
    const { requeued, lost } = await this.repairer.repair(this.sealed);
    this.notice(
      `Redis restarted: run ${this.runId} checked against what was enqueued` +
        (requeued + lost === 0
          ? '; nothing was lost'
          : `; ${requeued} chunks enqueued again, ${lost} lost for good (reported as dead-lettered)`),
    );
    return true;
  }

  /**
   * The run's record is gone: true if that is because Redis restarted or failed over
   * since the last look (then the run was put back, and its chunks checked), false if
   * not — then the run really is gone (deleted by hand, say).
   */
  async recoverLostRun(): Promise<boolean> {
    this.restarts.lookNow();
    return this.checkRedis();
  }

  /**
   * Whether what was just read can be trusted as the run's state: false if, behind
   * Sentinel, a failover was under way or the connection was still on a replaced master
   * (it reconnects to the new one, and the next `checkRedis` repairs what it lacks).
   */
  async onCurrentMaster(): Promise<boolean> {
    if (!(await this.restarts.leftBehindByFailover())) return true;
    this.notice(`the Sentinels failed over to a new master: run ${this.runId} is checked again there`);
    return false;
  }

  /**
   * In a join: adds the round of reduce jobs that has begun if nobody did (the worker that
   * recorded the last chunk died first); `again`: adds the round's jobs again whatever
   * was said (one that Redis lost in a restart; those still there are not added twice).
   */
  async enqueueJoinRound(again = false): Promise<void> {
    if (!this.options.records?.join) return;
    if (again) await this.store.markJoinEnqueued(this.runId, 0);
    await enqueueJoinRound(this.store, this.queue, this.runId);
  }

  /**
   * In a followed join: starts the next tick if the sides' watermarks moved and the last
   * is over, and adds its jobs; `again`: adds the current tick's jobs again if some
   * partition has not recorded it (Redis may have lost them; those still there are not
   * added twice, and a tick recorded is not recorded again).
   */
  async joinTick(again = false): Promise<void> {
    const join = this.options.records?.join;
    if (join?.latenessMs === undefined || join.withinMs === undefined) return;
    const started = await this.store.startJoinTick(this.runId, join.withinMs, join.latenessMs);
    if (started > 0) await enqueueJoinTick(this.store, this.queue, this.runId, started);
    else if (again) {
      const current = await this.store.currentJoinTick(this.runId);
      if (current && (await this.store.joinTickApplied(this.runId)) < current.partitions)
        await enqueueJoinTick(this.store, this.queue, this.runId, current.tick);
    }
  }

  /** Checks the run against what was enqueued and repairs gaps, restart or not. */
  async recheck(): Promise<void> {
    await Promise.allSettled(this.pending);
    await this.enqueueJoinRound(true);
    const { requeued, lost } = await this.repairer.repair(this.sealed);
    if (requeued + lost > 0)
      this.notice(
        `run ${this.runId}: ${requeued} chunks had no job and were enqueued again, ${lost} lost for good (reported as dead-lettered)`,
      );
  }

  /** Workers connected to the chunk queue right now. */
  async workerCount(): Promise<number> {
    return this.queue.getWorkersCount().catch(() => -1);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
