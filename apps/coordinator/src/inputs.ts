import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, access, lstat, open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Socket } from 'node:net';
import { Readable, addAbortSignal, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type FileCheckpoint, InputError, LogclusterError, UsageError, errorMessage } from '@logcluster/core';
import type { ReadBuffers } from './read-buffers.js';

/**
 * A source checked before the run starts, read once when its turn comes. A regular file
 * is opened only while it is read (and checked to be the same file then), so that a run
 * of any number of files holds a few open at a time, not one per file.
 */
export interface Input {
  /** The path as given, or `-`. */
  name: string;
  /**
   * The source's bytes, decompressed if they are gzip; reading stops when `signal` aborts.
   * With `buffers`, a plain file is read into those (see `ReadBuffers`): the caller then
   * says how far the bytes are stored, and must not hold on to any beyond that.
   */
  read(signal?: AbortSignal, buffers?: ReadBuffers): AsyncIterable<Buffer>;
  /**
   * Reads `length` bytes at `offset` of the (decompressed) source again, to enqueue a
   * chunk that Redis lost; null when the source cannot be read twice (standard input).
   */
  readRange(offset: number, length: number): Promise<Buffer | null>;
  /**
   * For a regular file that is not compressed: where it really is (symlinks resolved),
   * and its size; such a file can be read by workers themselves. `open` opens it again
   * (the same file: see `reopen`), for the caller to close.
   */
  plainFile: { realPath: string; size: number; open: () => Promise<FileHandle> } | null;
  /**
   * For a followed file: the file and offset that byte `offset` of the source's stream
   * was read from (a chunk's end, for its checkpoint). Offsets asked for only grow.
   */
  checkpointAt?: (offset: number) => FileCheckpoint | null;
  /** In a followed join: the sides of the source (1 left, 2 right, 3 both), which its chunk jobs name. */
  joinSides?: number;
  close(): Promise<void>;
}

/** Bytes read from a source at a time. */
export const READ_SIZE = 4 * 1024 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Checks every path up front (opens it, and closes a regular file again) so that a
 * missing file, a directory or a permission problem is reported (exit 2) before
 * anything is enqueued.
 */
export async function openInputs(
  paths: readonly string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Input[]> {
  if (paths.length === 0) throw new UsageError('give at least one path, or - for standard input');
  if (paths.filter((path) => path === '-').length > 1)
    throw new UsageError('standard input (-) can be given only once');
  // Several checked at once (a run of many small files spends its start here); the first
  // path in order that fails is the one reported.
  const inputs: (Input | undefined)[] = new Array<Input | undefined>(paths.length);
  const failures: { at: number; err: unknown }[] = [];
  const realDirectories = new RealDirectories();
  let next = 0;
  const lane = async () => {
    while (next < paths.length && failures.length === 0) {
      const at = next++;
      const path = paths[at]!;
      try {
        inputs[at] = path === '-' ? stdinInput(stdin) : await fileInput(path, stdin, realDirectories);
      } catch (err) {
        failures.push({ at, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECKED_AT_ONCE, paths.length) }, lane));
  if (failures.length > 0) {
    await Promise.allSettled(inputs.flatMap((input) => (input ? [input.close()] : [])));
    throw failures.reduce((first, failure) => (failure.at < first.at ? failure : first)).err;
  }
  return inputs as Input[];
}

/** Paths checked at once by `openInputs` (each holds a file open while it is checked). */
const CHECKED_AT_ONCE = 16;

/** Names of this process's standard input. */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * Where directories really are (symlinks resolved), each looked up once: the real path of
 * a file that is no symlink itself is its directory's joined with its name, so that a run
 * of many files in a few directories resolves a few paths, not one per file.
 */
class RealDirectories {
  private readonly found = new Map<string, Promise<string>>();

  realPathOf(path: string): Promise<string> {
    const directory = dirname(path);
    let real = this.found.get(directory);
    if (real === undefined) this.found.set(directory, (real = realpath(directory)));
    return real.then((resolved) => join(resolved, basename(path)));
  }
}

async function fileInput(path: string, stdin: NodeJS.ReadableStream, directories: RealDirectories): Promise<Input> {
  const described = (err: unknown) => {
    throw new InputError(describeOpenError(path, err), { cause: err });
  };
  // The link itself first: a file that is no symlink has its directory's real path.
  const link = await lstat(path).catch(described);
  const symlink = link.isSymbolicLink();
  const info = symlink ? await stat(path).catch(described) : link;
  if (info.isFIFO()) return fifoInput(path);
  if (info.isFile()) {
    const checked = checkedRegularFile(path);
    if (checked) {
      const realPath = checked.gzip ? '' : symlink ? await realpath(path) : await directories.realPathOf(path);
      return new RegularFileInput(path, checked, checked.gzip, realPath);
    }
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    // Linux cannot open a socket through /dev/stdin (ENXIO), and a socket is what a parent
    // such as Node.js often gives as standard input: it is read where it is.
    if ((err as NodeJS.ErrnoException).code === 'ENXIO' && STDIN_PATHS.has(path))
      return { ...stdinInput(stdin), name: path };
    throw new InputError(describeOpenError(path, err), { cause: err });
  }
  const opened = await handle.stat();
  if (opened.isDirectory()) {
    await handle.close();
    throw new InputError(`${path}: is a directory`);
  }
  // A pipe, a socket or a terminal (`<(cmd)`, `/dev/stdin`) cannot be read at a position
  // nor opened again: it is read once, from where it is, as standard input is.
  if (!opened.isFile()) return streamInput(path, handle);
  // A regular file now, and something else a moment ago.
  await handle.close();
  throw new InputError(`${path}: changed from one kind of file to another while it was checked`);
}

/**
 * A regular file opened, looked at (what it is, and whether it is gzip) and closed, or
 * null if what is there now is no regular file. Synchronous: nothing else is done while
 * the inputs are checked, and a run of 100,000 small files spent seconds in libuv's pool
 * round trips here (open, fstat, read, close).
 */
function checkedRegularFile(path: string): { dev: number; ino: number; size: number; gzip: boolean } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new InputError(describeOpenError(path, err), { cause: err });
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return null;
    const head = Buffer.alloc(GZIP_MAGIC.length);
    readSync(fd, head, 0, head.length, 0);
    const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    return { dev: opened.dev, ino: opened.ino, size: opened.size, gzip };
  } finally {
    closeSync(fd);
  }
}

/**
 * A regular file, checked and closed: opened again when it is read. Opened again, it must
 * be the file that was checked (same device and inode), and no shorter (a live log may
 * have grown, as it may while it is read); otherwise the run stops with an `InputError`
 * rather than count another file's bytes. A class, and only numbers of what was checked:
 * a run may hold 100,000 of them.
 */
class RegularFileInput implements Input {
  readonly plainFile: Input['plainFile'];

  constructor(
    readonly name: string,
    private readonly checked: { dev: number; ino: number; size: number },
    private readonly gzip: boolean,
    realPath: string,
  ) {
    this.plainFile = gzip ? null : { realPath, size: checked.size, open: () => this.reopen() };
  }

  read(signal?: AbortSignal, buffers?: ReadBuffers): AsyncIterable<Buffer> {
    return named(this.name, this.whileOpen(signal, buffers));
  }

  async readRange(offset: number, length: number): Promise<Buffer | null> {
    const handle = await this.reopen();
    try {
      if (this.gzip) return await sliceOf(decompressed(this.name, this.stream(handle)), offset, length);
      const out = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(out, 0, length, offset);
      if (bytesRead !== length)
        throw new InputError(`${this.name}: shorter than before (changed while being analysed?)`);
      return out;
    } finally {
      await handle.close();
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async reopen(): Promise<FileHandle> {
    const { name: path, checked } = this;
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw new InputError(describeOpenError(path, err), { cause: err });
    }
    const now = await handle.stat();
    const replaced = now.dev !== checked.dev || now.ino !== checked.ino;
    if (replaced || now.size < checked.size) {
      await handle.close();
      throw new InputError(
        `${path}: ${replaced ? 'replaced by another file' : `truncated from ${checked.size} to ${now.size} bytes`} since the run started (changed while being analysed?)`,
      );
    }
    return handle;
  }

  private async *whileOpen(signal?: AbortSignal, buffers?: ReadBuffers): AsyncGenerator<Buffer> {
    const handle = await this.reopen();
    try {
      yield* this.gzip || buffers === undefined
        ? decompressed(this.name, abortable(this.stream(handle), signal))
        : readInto(handle, buffers, signal);
    } finally {
      await handle.close();
    }
  }

  private stream(handle: FileHandle): Readable {
    return handle.createReadStream({ highWaterMark: READ_SIZE, autoClose: false, start: 0 });
  }
}

/** A source that is read once, as a stream, through the handle it was opened with. */
function streamInput(path: string, handle: FileHandle): Input {
  let closed = false;
  return {
    name: path,
    plainFile: null,
    read: (signal) =>
      named(
        path,
        decompressed(path, abortable(handle.createReadStream({ highWaterMark: READ_SIZE, autoClose: false }), signal)),
      ),
    readRange: () => Promise.resolve(null),
    close: async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/**
 * A FIFO (`mkfifo`, or `<(command)` as /dev/fd/N), opened only when its turn to be read
 * comes, as grep does: opening one waits for its writer, and a writer may be waiting for
 * an earlier FIFO to be read first. It is opened without waiting (O_NONBLOCK, which
 * never blocks a reader's open) and read as a stream that waits for the writer, so that
 * no thread is held in open() and Ctrl-C ends the wait at once. Whether it can be read at
 * all is checked up front.
 */
async function fifoInput(path: string): Promise<Input> {
  await access(path, constants.R_OK).catch((err: unknown) => {
    throw new InputError(describeOpenError(path, err), { cause: err });
  });
  let socket: Socket | undefined;
  return {
    name: path,
    plainFile: null,
    read: (signal) => {
      let fd: number;
      try {
        fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (err) {
        throw new InputError(describeOpenError(path, err), { cause: err });
      }
      socket = new Socket({ fd, readable: true, writable: false });
      return named(path, decompressed(path, abortable(socket, signal)));
    },
    readRange: () => Promise.resolve(null),
    close: () => {
      socket?.destroy();
      return Promise.resolve();
    },
  };
}

function stdinInput(stdin: NodeJS.ReadableStream): Input {
  return {
    name: '-',
    read: (signal) => decompressed('-', abortable(stdin as Readable, signal)),
    readRange: () => Promise.resolve(null),
    plainFile: null,
    close: async () => {},
  };
}

/** A plain file from its start, read into `buffers`. */
async function* readInto(
  handle: FileHandle,
  buffers: ReadBuffers,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  for (let position = 0; ;) {
    signal?.throwIfAborted();
    const buffer = buffers.take();
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    buffers.filledTo(buffer, position);
    yield buffer.subarray(0, bytesRead);
  }
}

/** The source's bytes; a read that fails says which source it was reading. */
async function* named(name: string, bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* bytes;
  } catch (err) {
    if (err instanceof LogclusterError || (err as Error).name === 'AbortError') throw err;
    throw new InputError(`${name}: cannot read: ${errorMessage(err)}`, { cause: err });
  }
}

/** Bytes `offset` to `offset + length` of a stream, read from its start. */
async function sliceOf(stream: AsyncIterable<Buffer>, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let position = 0;
  let filled = 0;
  for await (const data of stream) {
    const from = Math.max(0, offset - position);
    const to = Math.min(data.length, offset + length - position);
    if (from < to) filled += data.copy(out, filled, from, to);
    position += data.length;
    if (filled === length) return out;
  }
  throw new InputError('input is shorter than before (changed while being analysed?)');
}

/** The stream, destroyed when `signal` aborts so that a pending read ends at once. */
function abortable(stream: Readable, signal: AbortSignal | undefined): AsyncIterable<Buffer> {
  return signal ? addAbortSignal(signal, stream) : stream;
}

function describeOpenError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${path}: no such file`;
  if (code === 'EACCES' || code === 'EPERM') return `${path}: permission denied`;
  if (code === 'EISDIR') return `${path}: is a directory`;
  return `${path}: cannot open: ${errorMessage(err)}`;
}

/**
 * Yields the stream's bytes, gunzipped if they start with gzip's magic bytes (the name
 * does not matter). A truncated or corrupt gzip stream fails with an `InputError` that
 * says how far decompression got.
 */
async function* decompressed(name: string, stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = stream[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < GZIP_MAGIC.length) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
    if (head.length > 0) yield head;
    yield* rest;
    return;
  }
  yield* gunzip(name, head, rest);
}

async function* gunzip(name: string, head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  async function* compressed(): AsyncGenerator<Buffer> {
    compressedBytes += head.length;
    yield head;
    for await (const data of rest) {
      compressedBytes += data.length;
      yield data;
    }
  }
  const gunzipper = createGunzip({ chunkSize: 256 * 1024 });
  // pipeline() carries an error of either side to the other and tears both down when
  // the reader stops early.
  pipeline(Readable.from(compressed(), { objectMode: false }), gunzipper, () => {});
  try {
    for await (const data of gunzipper as AsyncIterable<Buffer>) {
      uncompressedBytes += data.length;
      yield data;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(
      `${name}: gzip data is truncated or corrupt (${errorMessage(err)}): decompression stopped at compressed byte ` +
        `${gunzipper.bytesWritten} of ${compressedBytes} read, after ${uncompressedBytes} uncompressed bytes were counted`,
      { cause: err },
    );
  }
}
