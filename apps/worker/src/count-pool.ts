import { ChunkIntegrityError, type ChunkCounts, type PatternSpec, TaskTimeoutError } from '@logcluster/core';
import type { BeyondCounts, CountResult, CountTask, FileOutcome, FileRanges, JoinTask } from './count-task.js';
import { type CountThreads, startCountThreads } from './count-threads.js';
import type { JoinPartitionResult, JoinTickBounds, JoinTickOutcome } from '@logcluster/core';

/** How often a task not yet begun by its thread (still starting) is looked at again. */
const STARTING_CHECK_MS = 50;

export interface CountPoolOptions {
  threads: number;
  /** A task running longer is aborted and its thread replaced. */
  taskTimeoutMs: number;
}

/** The piscina pool that counts chunks off the event loop. */
export class CountPool {
  private readonly pool: CountThreads;
  private closing: Promise<void> | undefined;
  /** Threads not counting now; tasks beyond them wait here, not in piscina's queue. */
  private idleThreads: number;
  private readonly waiting: (() => void)[] = [];

  /**
   * Starts the threads, or takes over `started` (threads started earlier, up to as many:
   * early-start.ts in the coordinator); started ones of another number are ended.
   */
  constructor(
    private readonly options: CountPoolOptions,
    started?: CountThreads,
  ) {
    if (started?.maxThreads === options.threads) this.pool = started;
    else {
      void started?.destroy();
      this.pool = startCountThreads(options.threads);
    }
    this.idleThreads = options.threads;
  }

  /** Counts one chunk whose bytes are here and whose lines are known. */
  async count(
    bytes: Uint8Array,
    lines: number,
    patterns: PatternSpec[],
    beyond: BeyondCounts = {},
  ): Promise<ChunkCounts> {
    const [counts] = await this.countMany([{ bytes, lines }], patterns, beyond);
    return counts!;
  }

  /**
   * Counts several chunks in one task (a task costs tens of microseconds to hand over;
   * small chunks are cheaper together). Their bytes are copied once, end to end, into a
   * buffer that then moves to the thread without a copy (a lone chunk that fills a buffer
   * of its own moves as it is, and is unusable here afterwards). The timeout covers the
   * whole task.
   */
  async countMany(
    chunks: readonly { bytes: Uint8Array; lines: number }[],
    patterns: PatternSpec[],
    beyond: BeyondCounts = {},
  ): Promise<ChunkCounts[]> {
    const whole = chunks.length === 1 ? chunks[0]!.bytes : null;
    if (
      whole !== null &&
      whole.byteOffset === 0 &&
      whole.byteLength === whole.buffer.byteLength &&
      whole.buffer instanceof ArrayBuffer
    ) {
      return this.countJoined(whole.buffer, [whole.length], [chunks[0]!.lines], patterns, beyond);
    }
    const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.bytes.length, 0));
    let end = 0;
    const ends = chunks.map(({ bytes }) => {
      joined.set(bytes, end);
      return (end += bytes.length);
    });
    return this.countJoined(
      joined.buffer,
      ends,
      chunks.map((chunk) => chunk.lines),
      patterns,
      beyond,
    );
  }

  /**
   * Counts chunks that lie end to end in `buffer` (chunk i ends at `ends[i]`) in one task.
   * The buffer moves to the thread: it is unusable here afterwards.
   */
  async countJoined(
    buffer: ArrayBuffer,
    ends: number[],
    lines: number[],
    patterns: PatternSpec[],
    beyond: BeyondCounts = {},
  ): Promise<ChunkCounts[]> {
    return this.counted({ kind: 'bytes', bytes: buffer, ends, lines, patterns, ...definedOf(beyond) }, [buffer]);
  }

  /** Counts a range of an open file, which the thread reads itself; also its lines. */
  async countFile(
    fd: number,
    offset: number,
    length: number,
    fileSize: number,
    patterns: PatternSpec[],
    beyond: BeyondCounts = {},
  ): Promise<ChunkCounts> {
    const [counts] = await this.countFileRanges(fd, offset, [length], fileSize, patterns, beyond);
    return counts!;
  }

  /** Counts consecutive ranges of an open file (from `offset`), read in one go, in one task. */
  countFileRanges(
    fd: number,
    offset: number,
    lengths: number[],
    fileSize: number,
    patterns: PatternSpec[],
    beyond: BeyondCounts = {},
  ): Promise<ChunkCounts[]> {
    return this.counted({ kind: 'file', fd, offset, lengths, fileSize, patterns, ...definedOf(beyond) }, []);
  }

  /**
   * Counts small files in one task (a task costs tens of microseconds to hand over; a run
   * of 100,000 one-chunk files spent seconds on that): the thread opens, reads and closes
   * each. Per file, in their order, what became of it.
   */
  async countFiles(files: FileRanges[], patterns: PatternSpec[], beyond: BeyondCounts = {}): Promise<FileOutcome[]> {
    const result = await this.run({ kind: 'files', files, patterns, ...definedOf(beyond) }, []);
    if (!('files' in result)) throw new Error('a files task answered without its files');
    return result.files;
  }

  /**
   * Joins a partition's pieces on a thread (a large partition takes seconds: never on the
   * event loop, where it would starve the job's lock). The pieces are copied end to end
   * into one buffer, which moves to the thread.
   */
  async reduceJoin(pieces: readonly Buffer[], withinMs: number | undefined): Promise<JoinPartitionResult> {
    const result = await this.run(...joinTask(pieces, withinMs));
    if (!('join' in result)) throw new Error('a join task answered without its result');
    return result.join;
  }

  /**
   * A followed join's tick of a partition (core's joins/join-tick.ts), or with bounds of
   * Infinity its final join: the first `openPieces` of the pieces are its open events.
   */
  async joinTick(
    pieces: readonly Buffer[],
    withinMs: number,
    tick: { openPieces: number; bounds: JoinTickBounds },
  ): Promise<JoinTickOutcome> {
    const [task, transfer] = joinTask(pieces, withinMs);
    const result = await this.run({ ...task, tick }, transfer);
    if (!('joinTick' in result)) throw new Error('a join tick answered without its outcome');
    return result.joinTick;
  }

  /** Runs a task whose result is counts, or a range that no longer lies where it did (a ChunkIntegrityError). */
  private async counted(task: CountTask, transferList: ArrayBuffer[]): Promise<ChunkCounts[]> {
    const result = await this.run(task, transferList);
    if ('misaligned' in result) throw new ChunkIntegrityError(result.misaligned);
    if (!('counts' in result)) throw new Error('a counting task answered without counts');
    return result.counts;
  }

  private async run(task: CountTask, transferList: ArrayBuffer[]): Promise<CountResult> {
    // The timeout measures counting, not waiting: a task is handed over only when a
    // thread is free, and its clock starts when the thread begins it.
    if (this.idleThreads === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.idleThreads--;
    const abort = new AbortController();
    const startedAt = new SharedArrayBuffer(8);
    const stamp = new BigInt64Array(startedAt);
    let timer: NodeJS.Timeout;
    // Counted from when the thread began the task (it stamps the time); until then, look again shortly.
    const check = () => {
      const started = Number(Atomics.load(stamp, 0));
      const left = started === 0 ? STARTING_CHECK_MS : started + this.options.taskTimeoutMs - Date.now();
      if (started !== 0 && left <= 0) abort.abort();
      else timer = setTimeout(check, left);
    };
    timer = setTimeout(check, this.options.taskTimeoutMs);
    try {
      return await this.pool.run({ ...task, startedAt }, { transferList, signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) {
        throw new TaskTimeoutError(
          `counting took longer than the task timeout of ${this.options.taskTimeoutMs} ms; the thread was replaced`,
          {
            cause: err,
          },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
      const next = this.waiting.shift();
      if (next) next();
      else this.idleThreads++;
    }
  }

  /** Share of the threads' time spent counting since the pool started, 0–1. */
  utilization(): number {
    return this.pool.utilization;
  }

  /** Tasks waiting for a free thread. */
  queueSize(): number {
    return this.waiting.length + this.pool.queueSize;
  }

  /** Waits for running tasks, or with `force` ends them (their threads are terminated). */
  close({ force = false } = {}): Promise<void> {
    return (this.closing ??= force ? this.pool.destroy() : this.pool.close());
  }
}

/** The parts of a spec that are given: a task carries no undefined fields. */
function definedOf(beyond: BeyondCounts): BeyondCounts {
  return {
    ...(beyond.insight ? { insight: beyond.insight } : {}),
    ...(beyond.records ? { records: beyond.records } : {}),
    ...(beyond.multiline ? { multiline: beyond.multiline } : {}),
    ...(beyond.sourceStarts ? { sourceStarts: beyond.sourceStarts } : {}),
    ...(beyond.sources ? { sources: beyond.sources } : {}),
  };
}

/** A join task: the pieces copied end to end into one buffer, which moves to the thread. */
function joinTask(pieces: readonly Buffer[], withinMs: number | undefined): [JoinTask, ArrayBuffer[]] {
  const whole = Buffer.allocUnsafeSlow(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let end = 0;
  const ends = pieces.map((piece) => {
    piece.copy(whole, end);
    return (end += piece.length);
  });
  const task: JoinTask = { kind: 'join', bytes: whole.buffer, ends, ...(withinMs !== undefined ? { withinMs } : {}) };
  return [task, [whole.buffer]];
}
