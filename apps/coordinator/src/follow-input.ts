import { stat } from 'node:fs/promises';
import { InputError, errorMessage } from '@logcluster/core';
import { type FollowOptions, followFile, followStream } from './follow-reader.js';
import { StreamPositions } from './stream-positions.js';
import type { Input } from './inputs.js';

/** An empty piece of input: the chunker's cue to emit the complete lines it holds. */
const FLUSH = Buffer.alloc(0);

/**
 * A growing file (or standard input) as the one source of a `--follow` run: its bytes as
 * they arrive, with a flush whenever some have waited `flushMs`, until `stop` aborts —
 * then what is there is read, and the source ends. It cannot be read twice (a rotated
 * file is gone), so a chunk Redis loses is reported dead-lettered, as for standard input.
 */
export async function followInput(
  path: string,
  options: { stdin: NodeJS.ReadableStream; stop: AbortSignal; flushMs: number; notice: (message: string) => void },
): Promise<Input> {
  if (path === '-') {
    return {
      name: path,
      read: () => withFlushes(followStream(options.stdin, { signal: options.stop }), options.flushMs),
      readRange: () => Promise.resolve(null),
      plainFile: null,
      close: () => Promise.resolve(),
    };
  }
  const found = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${err.message}`, { cause: err });
  });
  if (found.isDirectory()) throw new InputError(`${path}: is a directory`);
  return followedFile(path, options);
}

/**
 * A followed file as a source: its bytes as `followFile` reads them (with `options`:
 * slots, the end of a gone file, where to start), flushed every `flushMs`, and where each
 * byte of its stream came from, for checkpoints (`from`: the stream offset it starts at).
 */
export function followedFile(
  path: string,
  options: Omit<FollowOptions, 'signal' | 'positions'> & {
    stop: AbortSignal;
    flushMs: number;
    from?: number;
    /** Called once the follower has ended, however it ended. */
    onEnd?: () => void;
    /** A file gone before it could be opened is a source with nothing in it (said), not an error. */
    goneIsEmpty?: boolean;
  },
): Input {
  const { stop, flushMs, from, onEnd, goneIsEmpty, ...follow } = options;
  const positions = new StreamPositions(from ?? 0);
  const read = async function* (): AsyncGenerator<Buffer> {
    try {
      yield* followFile(path, { ...follow, signal: stop, positions });
    } catch (err) {
      if (!goneIsEmpty || !(err instanceof InputError)) throw err;
      follow.notice?.(`${errorMessage(err)}; left out`);
    } finally {
      onEnd?.();
    }
  };
  return {
    name: path,
    read: () => withFlushes(read(), flushMs),
    readRange: () => Promise.resolve(null),
    plainFile: null,
    checkpointAt: (offset) => positions.at(offset),
    close: () => Promise.resolve(),
  };
}

/**
 * The source's bytes, and an empty buffer whenever bytes have waited `flushMs` without a
 * flush; after such a flush, one more once the source has been quiet for `flushMs` (the
 * chunker holds a `--multiline` event back at a flush, and lets it go at the quiet one).
 */
export async function* withFlushes(source: AsyncIterable<Buffer>, flushMs: number): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  // When the next flush is due (null: none), and whether it is the quiet one.
  let flushAt: number | null = null;
  let quiet = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const due =
        flushAt === null
          ? null
          : new Promise<'flush'>((resolve) => {
              timer = setTimeout(() => resolve('flush'), Math.max(0, flushAt! - Date.now()));
            });
      const result = await (due ? Promise.race([next, due]) : next);
      clearTimeout(timer);
      if (result === 'flush') {
        flushAt = quiet ? null : Date.now() + flushMs;
        quiet = !quiet;
        yield FLUSH;
        continue;
      }
      if (result.done) return;
      next = iterator.next();
      if (result.value.length > 0) {
        if (flushAt === null || quiet) flushAt = Date.now() + flushMs;
        quiet = false;
        yield result.value;
      }
    }
  } finally {
    // Not awaited: a source still waiting for bytes would hold us up; it ends with its stop signal.
    void iterator.return?.(undefined).catch(() => {});
  }
}
