import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, errorMessage } from '@logcluster/core';
import type { FileCheckpoint } from '@logcluster/core';
import type { FileSlots } from './file-slots.js';
import { type StreamPositions, fileIdentity, isCheckpointFile } from './stream-positions.js';

/*
 * `submit --follow`: a growing log file read like `tail -F`, as one byte stream in which
 * no byte is read twice or left out, across both kinds of rotation:
 *
 * - Rename (logrotate `create`; also delete and create again): the path names another
 *   file than the descriptor held. The old file stays open and is followed until the new
 *   file has bytes in it — a logger writes to the old file until it reopens the path, and
 *   once the new file has bytes (a single writer) has reopened — then it is read to its
 *   end, closed, and the new file is read from its beginning. While the path is missing,
 *   the old file is still followed and we wait for the path to come back.
 * - Truncation (logrotate `copytruncate`): the file is shorter than the position read, so
 *   reading starts again at 0. A truncation followed by writes that make the file longer
 *   than the position before the next look is not visible in the size: so whenever the
 *   file has grown, the last TAIL_CHECK_BYTES read are read again and compared with what
 *   was read then; if they changed, the file was rewritten and reading starts again at 0.
 *   If they now read as NUL bytes only, the truncation left a hole because the writer
 *   kept its offset (it did not open the file with O_APPEND): its new bytes are after the
 *   position, so reading goes on from there rather than yielding the hole.
 *
 * Limits (as for `tail -F`):
 * - copytruncate loses what is written between logrotate's copy and its truncate.
 * - A truncation plus rewrite that puts back exactly the bytes that preceded the position
 *   (the same TAIL_CHECK_BYTES at the same offset) is not noticed: the rewritten bytes
 *   before the position are then skipped. Log lines carry timestamps, so this takes a
 *   writer that repeats itself byte for byte. A rewrite to exactly the old length that
 *   never grows is only noticed once the file grows.
 * - Two rotations between two looks (pollMs): the file in between is not seen.
 * - With several writers, bytes written to the old file after the new one has bytes and
 *   the old one has been read to its end are not read.
 *
 * Many files followed at once (`slots`, `--max-open-files`): a follower gives its file
 * descriptor up after a turn whenever another waits for one; closed, it looks at its
 * path (stat) each poll, and asks for a slot again only when the file has grown or the
 * path names another file. Opened again, it must be the same file (device and inode, and
 * the last bytes read), at the path or, if the file was renamed meanwhile, among the
 * names in its directory. A file deleted while closed (or moved out of its directory) is
 * not read past where its last turn ended, said on stderr: only a follower that holds
 * its file open reads it to its end after it is deleted, so totals are exact across
 * deletions when --max-open-files is at least the number of files followed. While a
 * rotation is taken over, a follower holds two descriptors.
 */

const READ_SIZE = 1024 * 1024;
/** How many bytes before the position are compared to notice a truncate-and-rewrite. */
const TAIL_CHECK_BYTES = 4096;
const DEFAULT_POLL_MS = 100;
/** Bytes a follower reads in one turn before it lets a waiting one have its slot. */
const TURN_BYTES = 4 * 1024 * 1024;

export interface FollowOptions {
  /** How often to look at the file for new bytes and rotation, ms (default 100). */
  pollMs?: number;
  /** Stops following: once aborted, the reader reads what is there now (to the end of the current file, and of the old file if a rotation is pending), yields it and ends. */
  signal: AbortSignal;
  /** Called with a short human message on rotation/truncation/file missing (e.g. "app.log was rotated (renamed); following the new file"), for stderr. */
  notice?: (message: string) => void;
  /** The cap on descriptors shared with other followers (a slot per file held open). */
  slots?: FileSlots;
  /** Called with every file (device, inode) this follower reads: the one at the path, and each that replaces it. */
  onFile?: (dev: bigint, ino: bigint) => void;
  /**
   * End once the path has been missing this long and the file held has been read to its
   * end (a deleted log is finished, its descriptor freed); unset: wait for the path to
   * come back, as `tail -F`.
   */
  endWhenGoneMs?: number;
  /** Told where each stretch of the stream comes from (file and offset), for checkpoints. */
  positions?: StreamPositions;
  /**
   * Take up where a checkpoint left off (a run taken up again after its coordinator
   * died): the file it names, found at the path or, rotated meanwhile, in the path's
   * directory, read on from its offset; else, said, the file at the path from its start.
   */
  start?: FileCheckpoint;
}

/** A file followed, how far it has been read, and its descriptor while it holds one. */
interface Followed {
  path: string;
  /** Null between turns, when its slot went to another follower. */
  handle: FileHandle | null;
  /** The file was rotated while closed and is not to be found again: nothing more is read of it. */
  lost?: boolean;
  /** Its change time at the last look by descriptor: a file created again under a reused inode has another. */
  ctimeNs?: bigint;
  /** Told of the bytes read and of a restart from the file's start (truncation). */
  positions?: StreamPositions;
  dev: bigint;
  ino: bigint;
  position: number;
  /** The last bytes read (up to TAIL_CHECK_BYTES), ending at `position`. */
  tail: Buffer;
}

/**
 * Follows `path` from its beginning (the whole current content first, then what is appended), as one endless byte stream: yields Buffers as bytes arrive. Rotation by rename: the old file (still open by descriptor) is read to its end first, then the new file at the path is opened and read from its beginning. Truncation (size smaller than the position read): read from the new beginning. If the path is missing at start: throw an error whose message says the file does not exist (the caller maps it to a usage error); if it goes missing later (deleted/renamed and not yet recreated), keep waiting for it to reappear (tail -F behaviour) and say so once via notice.
 *
 * The old file is left for the new one only once the new one has bytes (or following
 * stops), so that what a logger writes to the renamed file before it reopens the path is
 * not lost; see the comment at the top of this module for the limits.
 */
export async function* followFile(path: string, options: FollowOptions): AsyncGenerator<Buffer> {
  const { signal } = options;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const say: Say = (what) => options.notice?.(`${path} ${what}`);
  const { slots } = options;
  const watch = new PathWatch(path, say);
  await slots?.acquire();
  let current: Followed;
  try {
    current = (options.start ? await openAt(path, options.start, say) : null) ?? (await openFirst(path));
  } catch (err) {
    slots?.release();
    throw err;
  }
  await beginStretch(current, options.positions);
  options.onFile?.(current.dev, current.ino);
  /** The new file at the path, between its opening and the switch to it. */
  let replacement: Followed | null = null;
  const turn = new Turn(slots, say);

  try {
    for (;;) {
      const stopping = signal.aborted;
      const more = yield* turn.drain(current, stopping);
      const other = await watch.otherFile(current);
      // Stay with the old file while the new one is empty: the writer may not have reopened yet.
      if (other && (stopping || other.size > 0n)) {
        replacement = await watch.openReplacement(current);
        if (replacement) {
          yield* turn.drain(current, stopping, Infinity);
          const old = current;
          const nlink = old.handle ? (await old.handle.stat()).nlink : 1;
          current = replacement;
          replacement = null;
          if (old.handle) await old.handle.close();
          else await slots?.acquire();
          await beginStretch(current, options.positions);
          options.onFile?.(current.dev, current.ino);
          say(`was ${nlink === 0 ? 'deleted and created again' : 'rotated (renamed)'}; following the new file`);
          if (stopping) {
            yield* turn.drain(current, true, Infinity);
            return;
          }
          continue;
        }
      }
      if (stopping) return;
      if (options.endWhenGoneMs !== undefined && watch.missingFor() >= options.endWhenGoneMs && !more) {
        yield* turn.drain(current, true, Infinity);
        say('is gone; its file was read to its end');
        return;
      }
      turn.yieldSlot(current);
      if (more) continue;
      await sleep(pollMs, undefined, { signal }).catch(() => {
        // Aborted: the next round reads what is there and ends.
      });
    }
  } finally {
    try {
      await replacement?.handle?.close();
    } finally {
      if (current!.handle) {
        await current!.handle.close();
        slots?.release();
      }
    }
  }
}

/**
 * A follower's turns at the shared slots: it reads its file (opened again first if its
 * slot was given up), at most TURN_BYTES while another waits, and gives the slot up after
 * the turn when another waits.
 */
class Turn {
  constructor(
    private readonly slots: FileSlots | undefined,
    private readonly say: Say,
  ) {}

  /** Yields what `file` has now (see `drain`); returns whether it stopped short for another's turn. */
  async *drain(file: Followed, stopping: boolean, budget?: number): AsyncGenerator<Buffer, boolean> {
    if (file.lost) return false;
    if (!file.handle && !stopping && (await unchanged(file))) return false;
    if (!file.handle) {
      await this.slots?.acquire();
      file.handle = await reopen(file, this.say);
      if (!file.handle) {
        this.slots?.release();
        return false;
      }
    }
    const limit = budget ?? (this.slots && this.slots.waiting > 0 ? TURN_BYTES : Infinity);
    return yield* drain(file, stopping, this.say, limit);
  }

  /** Closes `file` and hands its slot on if another follower waits for one. */
  yieldSlot(file: Followed): void {
    if (!this.slots || this.slots.waiting === 0 || !file.handle) return;
    const { handle } = file;
    file.handle = null;
    // The slot goes on once the descriptor is closed, so the cap holds.
    void handle.close().finally(() => this.slots!.release());
  }
}

/**
 * Whether the path still names `file` as it was at its last look (the same inode, size
 * and change time): nothing to open it again for.
 */
async function unchanged(file: Followed): Promise<boolean> {
  const found = await stat(file.path, { bigint: true }).catch(() => null);
  return (
    found !== null &&
    found.dev === file.dev &&
    found.ino === file.ino &&
    found.size === BigInt(file.position) &&
    found.ctimeNs === file.ctimeNs
  );
}

/**
 * The file followed opened again after its slot was given up: at its path if that still
 * names it, else under another name in its directory (renamed by a rotation meanwhile);
 * null, said once, if it is nowhere to be found (deleted, or moved elsewhere). The same
 * file has the same device and inode and, before the position, the same last bytes read:
 * a file deleted while closed may leave its inode number to a new one.
 */
async function reopen(file: Followed, say: Say): Promise<FileHandle | null> {
  const same = async (candidate: string): Promise<FileHandle | null> => {
    const handle = await open(candidate, 'r').catch(() => null);
    if (!handle) return null;
    const found = await handle.stat({ bigint: true }).catch(() => null);
    if (found && found.dev === file.dev && found.ino === file.ino && (await endsWithTail(handle, file))) return handle;
    await handle.close();
    return null;
  };
  const atPath = await same(file.path);
  if (atPath) return atPath;
  const dir = dirname(file.path);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const info = await lstat(join(dir, name), { bigint: true }).catch(() => null);
    if (info?.ino !== file.ino || info.dev !== file.dev) continue;
    const handle = await same(join(dir, name));
    if (handle) return handle;
  }
  file.lost = true;
  // Whatever the path names now is another file, even if its inode number is the same.
  file.dev = -1n;
  file.ino = -1n;
  say(
    `was rotated while it waited for a turn (more files than --max-open-files) and its old file is gone: what was written to it after byte ${file.position} is not read`,
  );
  return null;
}

/** Whether `handle`'s bytes just before `file`'s position are the last ones read of it. */
async function endsWithTail(handle: FileHandle, file: Followed): Promise<boolean> {
  const { tail, position } = file;
  if (tail.length === 0) return true;
  const before = Buffer.allocUnsafe(tail.length);
  const { bytesRead } = await handle.read(before, 0, tail.length, position - tail.length);
  return bytesRead === tail.length && before.equals(tail);
}

/** Gives a notice about the followed path: `say('was truncated; …')`. */
type Say = (what: string) => void;

/**
 * Yields what `file` has now: to its end; when stopping, only up to its size at the start
 * (a busy writer must not keep us).
 */
async function* drain(file: Followed, stopping: boolean, say: Say, budget: number): AsyncGenerator<Buffer, boolean> {
  const limit = stopping ? (await file.handle!.stat()).size : Infinity;
  let read = 0;
  for (;;) {
    if (read >= budget) return true;
    const data = await nextBytes(file, limit, say);
    if (data === null) return false;
    read += data.length;
    yield data;
  }
}

/** The next bytes of `file` (at most READ_SIZE, not past `limit`), or null if there are none yet. */
async function nextBytes(file: Followed, limit: number, say: Say): Promise<Buffer | null> {
  const handle = file.handle!;
  const info = await handle.stat({ bigint: true });
  const size = Number(info.size);
  file.ctimeNs = info.ctimeNs;
  await followTruncation(file, size, say);
  const end = Math.min(size, limit);
  if (end <= file.position) return null;
  const length = Math.min(READ_SIZE, end - file.position);
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buffer, 0, length, file.position);
  // Fewer bytes: the file shrank since the stat; the next look sees it.
  if (bytesRead === 0) return null;
  file.positions?.advance(bytesRead);
  const data = bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  file.position += bytesRead;
  file.tail =
    bytesRead >= TAIL_CHECK_BYTES
      ? Buffer.from(data.subarray(bytesRead - TAIL_CHECK_BYTES))
      : Buffer.concat([file.tail, data]).subarray(-TAIL_CHECK_BYTES);
  return data;
}

/**
 * Notices a truncation of `file`, now `size` bytes, since the last look — by its size, or
 * by the bytes before the position when it has grown — and says where reading goes on:
 * from the start, or after the hole a writer that kept its offset left.
 */
async function followTruncation(file: Followed, size: number, say: Say): Promise<void> {
  if (size < file.position) {
    say('was truncated; reading it again from its start');
    restart(file);
    await beginStretch(file, file.positions);
  } else if (size > file.position && file.tail.length > 0) {
    const before = Buffer.allocUnsafe(file.tail.length);
    const { bytesRead } = await file.handle!.read(before, 0, before.length, file.position - before.length);
    if (bytesRead === before.length && before.equals(file.tail)) {
      // Unchanged: only appended to.
    } else if (bytesRead === before.length && !before.some((byte) => byte !== 0)) {
      say('was truncated by a writer that kept its offset; reading on after the hole it left');
      file.tail = before;
    } else {
      say('was truncated and written again; reading it again from its start');
      restart(file);
      await beginStretch(file, file.positions);
    }
  }
}

/** What the followed path names now, against the file followed; says once when it is gone. */
class PathWatch {
  /** Whether the notice that the path is gone (or unusable) has been given since it was last seen. */
  private absentNoticed = false;
  /** When the path was first found missing since it was last seen (ms), or null. */
  private missingSince: number | null = null;

  constructor(
    private readonly path: string,
    private readonly say: Say,
  ) {}

  /** The regular file now at the path when it is another one than `current`, else null. */
  async otherFile(current: Followed): Promise<{ size: bigint } | null> {
    let found;
    try {
      found = await stat(this.path, { bigint: true });
    } catch (err) {
      if (isMissing(err)) this.missingSince ??= Date.now();
      await this.absent(current, isMissing(err) ? 'is missing' : `cannot be looked at (${errorMessage(err)})`);
      return null;
    }
    this.missingSince = null;
    if (!found.isFile()) {
      await this.absent(current, 'is not a regular file any more');
      return null;
    }
    this.absentNoticed = false;
    return found.ino === current.ino && found.dev === current.dev ? null : found;
  }

  /** How long the path has been missing (0 if it is there). */
  missingFor(): number {
    return this.missingSince === null ? 0 : Date.now() - this.missingSince;
  }

  /** The file at the path opened, or null if it cannot be (gone again, unreadable, not a regular file). */
  async openReplacement(current: Followed): Promise<Followed | null> {
    try {
      const opened = await openFollowed(this.path);
      if (opened) return opened;
      await this.absent(current, 'is not a regular file any more');
    } catch (err) {
      await this.absent(current, isMissing(err) ? 'is missing' : `cannot be opened (${errorMessage(err)})`);
    }
    return null;
  }

  /** Tells once that the path is gone or unusable; `current` is still followed. */
  private async absent(current: Followed, why: string): Promise<void> {
    if (this.absentNoticed) return;
    this.absentNoticed = true;
    const nlink = current.handle ? (await current.handle.stat()).nlink : 1;
    const was = nlink === 0 ? 'the deleted file' : 'the file it named';
    this.say(`${why}; reading on in ${was} and waiting for ${this.path} to reappear`);
  }
}

/** Tells `positions` that the stream goes on with `file`, from its position (its first bytes hashed, to know it again). */
async function beginStretch(file: Followed, positions: StreamPositions | undefined): Promise<void> {
  if (!positions || !file.handle) return;
  file.positions = positions;
  positions.begin(await fileIdentity(file.handle, file.dev, file.ino), file.position);
}

/**
 * The file a checkpoint names, at its offset: at the path, or under another name in the
 * path's directory (rotated while nobody followed it); null, said, if it is nowhere.
 */
async function openAt(path: string, start: FileCheckpoint, say: Say): Promise<Followed | null> {
  const atOffset = async (candidate: string): Promise<Followed | null> => {
    const opened = await openFollowed(candidate).catch(() => null);
    if (!opened) return null;
    if (!(await isCheckpointFile(opened.handle!, opened.dev, opened.ino, start))) {
      await opened.handle!.close();
      return null;
    }
    opened.path = path;
    opened.position = start.offset;
    const tail = Buffer.alloc(Math.min(TAIL_CHECK_BYTES, start.offset));
    const { bytesRead } = await opened.handle!.read(tail, 0, tail.length, start.offset - tail.length);
    opened.tail = tail.subarray(0, bytesRead);
    return opened;
  };
  const atPath = await atOffset(path);
  if (atPath) return atPath;
  const dir = dirname(path);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const info = await lstat(join(dir, name), { bigint: true }).catch(() => null);
    if (info?.dev.toString() !== start.dev || info.ino.toString() !== start.ino) continue;
    const renamed = await atOffset(join(dir, name));
    if (renamed) return renamed;
  }
  say(
    `was rotated while nobody followed it, and its old file is gone: what was written to it after byte ${start.offset} is not read`,
  );
  return null;
}

/** Opens the file to follow first; its absence is the caller's input error. */
async function openFirst(path: string): Promise<Followed> {
  let opened: Followed | null;
  try {
    opened = await openFollowed(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isMissing(err)) throw new InputError(`${path}: no such file (it does not exist)`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new InputError(`${path}: permission denied`, { cause: err });
    throw new InputError(`${path}: cannot open: ${errorMessage(err)}`, { cause: err });
  }
  if (!opened) throw new InputError(`${path}: not a regular file (to follow standard input or a pipe, give -)`);
  return opened;
}

/** `path` opened for reading from its start, or null (and closed) if it is not a regular file. */
async function openFollowed(path: string): Promise<Followed | null> {
  const handle = await open(path, 'r');
  try {
    const found = await handle.stat({ bigint: true });
    if (found.isFile()) return { path, handle, dev: found.dev, ino: found.ino, position: 0, tail: Buffer.alloc(0) };
  } catch (err) {
    await handle.close();
    throw err;
  }
  await handle.close();
  return null;
}

/** Whether `err` says that nothing is at the path. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function restart(file: Followed): void {
  file.position = 0;
  file.tail = Buffer.alloc(0);
}

/** Follows a readable stream (stdin for `--follow -`): yields its chunks as they come; ends when the stream ends or when the signal aborts (then it stops at once, with what was read). */
export async function* followStream(
  stream: NodeJS.ReadableStream,
  options: Pick<FollowOptions, 'signal'>,
): AsyncGenerator<Buffer> {
  const { signal } = options;
  if (signal.aborted) return;
  const readable = stream instanceof Readable ? stream : new Readable().wrap(stream);
  try {
    // Aborting destroys the stream, so that a pending read ends at once.
    for await (const chunk of addAbortSignal(signal, readable) as AsyncIterable<Buffer | string>) {
      yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}
