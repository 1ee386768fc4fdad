/*
 * The piscina task: counts one chunk on a worker thread. It stays pure and small; it
 * loads only the counting kernel, and caches compiled patterns per pattern set.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import {
  type ChunkCounter,
  type ChunkCounts,
  type ChunkInsightSpec,
  type ChunkRecordSpec,
  CountingWorkspace,
  type EventCounter,
  EventMarks,
  type MultilineSpec,
  DEFAULT_CHUNK_SIZE,
  LineSelection,
  type PatternSpec,
  type RecordPass,
  createChunkCounter,
  createEventCounter,
  createInsightFinder,
  createRecordPass,
  type JoinPartitionResult,
  type JoinTickBounds,
  type JoinTickOutcome,
  joinPartition,
  joinTick,
  readJoinPieces,
  selectEvents,
  sidesOf,
} from '@logcluster/core/counting';

/** What a run asks of a chunk beyond its counts: windows and templates, what its lines' fields give, events. */
export interface BeyondCounts {
  insight?: ChunkInsightSpec;
  records?: ChunkRecordSpec;
  multiline?: MultilineSpec;
  /**
   * With `multiline`, for a task of chunks given as bytes: per chunk, in the task's order,
   * whether it is the first of its source (its first line starts an event whatever it holds).
   */
  sourceStarts?: boolean[];
  /**
   * In a join (`records.join`): per chunk, in the task's order (for a `files` task, file
   * after file), its source, whose sides say which of its lines are join events.
   */
  sources?: number[];
}

export type CountTask =
  | ({
      kind: 'bytes';
      /** Chunks' bytes, end to end, transferred (not copied) from the main thread. */
      bytes: ArrayBuffer;
      /** Where each chunk ends in `bytes`. */
      ends: number[];
      /** Their lines, counted by the coordinator when it cut them. */
      lines: number[];
      patterns: PatternSpec[];
    } & BeyondCounts)
  | ({
      kind: 'file';
      /** An open descriptor of the file (threads share the process's descriptors). */
      fd: number;
      /** Where the first range starts; the others follow it, end to end. */
      offset: number;
      /** The lengths of consecutive ranges, each a chunk, read and counted one by one. */
      lengths: number[];
      fileSize: number;
      patterns: PatternSpec[];
    } & BeyondCounts)
  | ({
      kind: 'files';
      /** Small files (several to a job): each opened, read and counted here, range by range, then closed. */
      files: FileRanges[];
      patterns: PatternSpec[];
    } & BeyondCounts)
  | JoinTask;

/**
 * The reduce of a join's partition (not a count): its pieces end to end in `bytes`
 * (UTF-8, piece i ending at `ends[i]`), transferred from the main thread.
 */
export interface JoinTask {
  kind: 'join';
  bytes: ArrayBuffer;
  ends: number[];
  withinMs?: number;
  /** A followed join's tick (joins/join-tick.ts): the first `openPieces` pieces are the partition's open events. */
  tick?: { openPieces: number; bounds: JoinTickBounds };
}

/** A file of a `files` task: its path (checked by the main thread, `shared-storage.ts`) and consecutive ranges of it. */
export interface FileRanges {
  path: string;
  /** Open with O_NOFOLLOW: the path was not resolved, being a real path already (`SharedStorage.resolve`). */
  noFollow: boolean;
  offset: number;
  lengths: number[];
}

/** What became of one file of a `files` task: its ranges' counts, or why it has none. */
export type FileOutcome =
  { counts: ChunkCounts[] } | { misaligned: string } | { unreadable: string } | { notRegular: string };

/** What every task carries besides its kind: where the thread stamps the time it started (ms since the epoch, a BigInt64). */
export interface TaskClock {
  startedAt: SharedArrayBuffer;
}

export type CountResult =
  | { counts: ChunkCounts[] }
  | { misaligned: string }
  | { files: FileOutcome[] }
  | { join: JoinPartitionResult }
  | { joinTick: JoinTickOutcome };

const MAX_CACHED_PATTERN_SETS = 32;
const counters = new Map<string, ChunkCounter>();
/**
 * This thread's read buffer, reused from chunk to chunk, where chunks are counted with
 * SIMD. Made ready as the thread starts, before its first task: a chunk of the default
 * size reserved and written (the first write to fresh pages faults them in), and the
 * kernel's functions run once (WebAssembly compiles each at its first call), so that the
 * first task is not the slow one (docs/benchmarks.md, "Start-up and the end of a run").
 * If this fails, the first task makes the workspace and reports why it cannot.
 */
let workspace: CountingWorkspace | undefined = readiedWorkspace();
/** Which lines the records pass selected, for the insight finder; one per thread, reused chunk after chunk. */
let lineSelection: LineSelection | undefined;
/** Where a chunk's events start and what they match, for the insight finder; one per thread, reused. */
let eventMarks: EventMarks | undefined;

function readiedWorkspace(): CountingWorkspace | undefined {
  try {
    const ready = new CountingWorkspace();
    const bytes = ready.reserve(DEFAULT_CHUNK_SIZE + 1).fill(0x0a);
    ready.countNewlines(0, bytes.length);
    // A literal counted with the chunk's lines (bytes read from a file), and alone (lines known).
    for (const ignoreCase of [true, false]) {
      const count = createChunkCounter([{ pattern: 'ERROR', regex: false, ignoreCase }], ready);
      count(bytes.subarray(0, 4096));
      count(bytes.subarray(0, 4096), 4096);
    }
    return ready;
  } catch {
    return undefined;
  }
}

export default function countChunk(task: CountTask & TaskClock): CountResult {
  // The task's time limit runs from here: not from when it was handed over, which may be
  // before this thread had even started (a thread replaced after a timeout, a loaded machine).
  Atomics.store(new BigInt64Array(task.startedAt), 0, BigInt(Date.now()));
  if (task.kind === 'join') return task.tick ? { joinTick: tickJoin(task, task.tick) } : { join: reduceJoin(task) };
  workspace ??= new CountingWorkspace();
  const plain = counterFor(task.patterns, workspace);
  // The kernel counts; with a record spec, the records pass makes the counts those of the
  // selected lines and marks them (which matched, their keys) in `selection`; then the
  // insight finder counts windows and templates of the marked lines only, reading no
  // field again. Without a record spec the finder reads every line, as it always did.
  const selection =
    task.records && (task.insight || task.multiline) ? (lineSelection ??= new LineSelection()) : undefined;
  const records = task.records ? recordPassFor(plain, task.patterns, task.records, workspace) : undefined;
  const events = task.multiline ? eventCounterFor(task.multiline, task.patterns, plain) : undefined;
  const marks = events && (task.insight || task.records) ? (eventMarks ??= new EventMarks()) : undefined;
  const join = task.records?.join;
  const sidesAt = join ? (index: number) => sidesOf(join, task.sources![index]!) : () => 0;
  const count = countingOf(plain, records, task.patterns, task.insight, selection, events, marks, sidesAt);
  if (task.kind === 'bytes') {
    // Copied into the workspace (a memcpy), where the kernel counts literals with SIMD.
    const placed = workspace.place(new Uint8Array(task.bytes));
    return {
      counts: task.ends.map((end, i) =>
        count(placed.subarray(i === 0 ? 0 : task.ends[i - 1]!, end), task.lines[i], task.sourceStarts?.[i] === true, i),
      ),
    };
  }
  if (task.kind === 'files') {
    let first = 0;
    return {
      files: task.files.map((file) => {
        const outcome = countFile(file, count, workspace!, first);
        first += file.lengths.length;
        return outcome;
      }),
    };
  }
  return countRanges(task.fd, task.offset, task.lengths, task.fileSize, count, workspace, 0);
}

/** Joins a partition's events (core's joins/partition-join.ts). */
function reduceJoin(task: JoinTask): JoinPartitionResult {
  return joinPartition(readJoinPieces(piecesOf(task)), task.withinMs);
}

/** A followed join's tick of a partition (core's joins/join-tick.ts). */
function tickJoin(task: JoinTask, tick: NonNullable<JoinTask['tick']>): JoinTickOutcome {
  return joinTick(piecesOf(task), tick.openPieces, task.withinMs!, tick.bounds);
}

function piecesOf(task: JoinTask): string[] {
  const bytes = Buffer.from(task.bytes);
  return task.ends.map((end, i) => bytes.toString('utf8', i === 0 ? 0 : task.ends[i - 1]!, end));
}

/** A file of a `files` task, opened here (a thread may block on it), counted, closed. */
function countFile(file: FileRanges, count: CountOne, workspace: CountingWorkspace, first: number): FileOutcome {
  let fd: number;
  try {
    fd = openSync(file.path, file.noFollow ? constants.O_RDONLY | constants.O_NOFOLLOW : constants.O_RDONLY);
  } catch (err) {
    return { unreadable: `${file.path} cannot be opened for a chunk: ${(err as Error).message}` };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { notRegular: `refused to read ${file.path}: not a regular file` };
    return countRanges(fd, file.offset, file.lengths, info.size, count, workspace, first);
  } finally {
    closeSync(fd);
  }
}

/**
 * Consecutive ranges of an open file, from `offset`. Range by range: each read into the
 * workspace and counted while it is still in the processor's cache, faster than reading
 * a whole job first (docs/benchmarks.md, "What limits the speed now"). One byte before
 * each range too: it must be the `\n` that ends the line before.
 */
function countRanges(
  fd: number,
  offset: number,
  lengths: readonly number[],
  fileSize: number,
  count: CountOne,
  workspace: CountingWorkspace,
  /** The index of the first range among the task's chunks. */
  first: number,
): { counts: ChunkCounts[] } | { misaligned: string } {
  const counts: ChunkCounts[] = [];
  let start = offset;
  for (const length of lengths) {
    const from = start > 0 ? start - 1 : 0;
    const end = start + length;
    const scratch = workspace.reserve(end - from);
    for (let filled = 0; filled < end - from;) {
      const read = readSync(fd, scratch, filled, end - from - filled, from + filled);
      if (read === 0) return { misaligned: `the file ends before byte ${end}: it changed since it was submitted` };
      filled += read;
    }
    const at = start - from;
    if (start > 0 && scratch[0] !== 0x0a)
      return { misaligned: `byte ${start} no longer starts a line: the file changed since it was submitted` };
    const last = scratch[at + length - 1];
    if (end < fileSize && last !== 0x0a) {
      return { misaligned: `byte ${end} no longer ends a line: the file changed since it was submitted` };
    }
    // Its lines are counted by the counter, in the same read as a literal where it can.
    counts.push(count(scratch.subarray(at, at + length), undefined, start === 0, first + counts.length));
    start = end;
  }
  return { counts };
}

/**
 * Counts one chunk (`lines`: its lines when known, else the counter counts them;
 * `sourceStart`: the first of its source; `index`: its place among the task's chunks).
 */
type CountOne = (bytes: Uint8Array, lines: number | undefined, sourceStart: boolean, index: number) => ChunkCounts;

/**
 * Counts (with `plain`, the run's counter), then, when the run asks: reads the lines'
 * fields (`records`: the counts become those of the selected lines, which it marks in
 * `selection`), counts the chunk's events (of all its lines; with a record spec, those
 * whose first line is selected count as matching, and under its key: `selectEvents`) and
 * finds its windows and templates (its first line is filled in by whoever knows it): of
 * the lines marked in `selection`, when given, and per event with `marks`, which the
 * event counter fills. `plain` is also what the finder asks about single lines. In a
 * join, `joinSidesAt` gives a chunk's sides, whose join events the records pass finds.
 */
function countingOf(
  plain: ChunkCounter,
  records: RecordPass | undefined,
  patterns: PatternSpec[],
  insight: ChunkInsightSpec | undefined,
  selection: LineSelection | undefined,
  events: EventCounter | undefined,
  marks: EventMarks | undefined,
  joinSidesAt: (index: number) => number,
): CountOne {
  const find = insight ? createInsightFinder(insight, patterns, plain) : undefined;
  return (bytes, lines, sourceStart, index) => {
    const all = plain(bytes, lines);
    const counts = records ? records(bytes, all, selection, joinSidesAt(index)) : all;
    if (events) {
      counts.events = events(bytes, all, sourceStart, marks);
      if (records) selectEvents(counts, marks!, selection!, patterns);
    }
    if (find) {
      const matching = counts.matches.map((match) => match.lines);
      counts.insight = find(bytes, null, counts.lines, matching, selection, marks);
    }
    return counts;
  };
}

const MAX_CACHED_RECORD_PASSES = 8;
const recordPasses = new Map<string, RecordPass>();

/**
 * The run's records pass: it reads the fields of a chunk's lines, and makes the counts
 * those of its selected lines, with their keys and distinct values. A pass (a compiled
 * schema, its regexes) is made once per run spec and kept, as compiled patterns are.
 * `plain` is what it asks about single lines.
 */
function recordPassFor(
  plain: ChunkCounter,
  patterns: PatternSpec[],
  spec: ChunkRecordSpec,
  workspace: CountingWorkspace,
): RecordPass {
  const key = JSON.stringify([patterns, spec]);
  let pass = recordPasses.get(key);
  if (pass === undefined) {
    if (recordPasses.size >= MAX_CACHED_RECORD_PASSES) recordPasses.clear();
    pass = createRecordPass(spec, patterns, plain, workspace);
    recordPasses.set(key, pass);
  }
  return pass;
}

const eventCounters = new Map<string, EventCounter>();

/** The run's event counter (`--multiline`), made once per spec and patterns and kept, as counters are. */
function eventCounterFor(spec: MultilineSpec, patterns: PatternSpec[], plain: ChunkCounter): EventCounter {
  const key = JSON.stringify([spec, patterns]);
  let events = eventCounters.get(key);
  if (events === undefined) {
    if (eventCounters.size >= MAX_CACHED_PATTERN_SETS) eventCounters.clear();
    events = createEventCounter(spec, patterns, plain);
    eventCounters.set(key, events);
  }
  return events;
}

function counterFor(patterns: PatternSpec[], workspace: CountingWorkspace): ChunkCounter {
  const key = JSON.stringify(patterns);
  let counter = counters.get(key);
  if (counter === undefined) {
    if (counters.size >= MAX_CACHED_PATTERN_SETS) counters.clear();
    counter = createChunkCounter(patterns, workspace);
    counters.set(key, counter);
  }
  return counter;
}
