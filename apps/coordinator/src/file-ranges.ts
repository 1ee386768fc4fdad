import type { FileHandle } from 'node:fs/promises';
import { LineTooLongError, NEWLINE, countNewlines, formatBytes } from '@logcluster/core';

/** A line-aligned range of a file. */
export interface FileRange {
  seq: number;
  byteOffset: number;
  byteLength: number;
}

/** The first look back for a newline; lines are short, so one small read nearly always finds one. */
const FIRST_LOOK = 4 * 1024;
const WINDOW = 64 * 1024;

/**
 * Cuts a file into line-aligned ranges of at most `chunkSize` bytes (a line longer than
 * that is a range of its own, up to `maxLineSize`) without reading it through: each cut
 * looks for the last newline before the limit in one small read. Workers read and count
 * the ranges themselves.
 */
export async function* fileRanges(
  handle: FileHandle,
  size: number,
  options: { chunkSize: number; maxLineSize: number; sourceName: string },
): AsyncGenerator<FileRange> {
  const window = Buffer.allocUnsafe(WINDOW);
  let seq = 0;
  for (let start = 0; start < size; seq++) {
    const end =
      start + options.chunkSize >= size
        ? size
        : await cutBefore(handle, window, start, start + options.chunkSize, size, options);
    yield { seq, byteOffset: start, byteLength: end - start };
    start = end;
  }
}

/** The ranges of a file no larger than a chunk: itself, or none if it is empty (as `fileRanges` cuts it, without reading it). */
export function wholeFile(size: number): FileRange[] {
  return size === 0 ? [] : [{ seq: 0, byteOffset: 0, byteLength: size }];
}

/** Just after the last newline in (start, limit]; else just after the newline that ends the long line at `start`. */
async function cutBefore(
  handle: FileHandle,
  window: Buffer,
  start: number,
  limit: number,
  size: number,
  options: { maxLineSize: number; sourceName: string },
): Promise<number> {
  for (let to = limit, look = FIRST_LOOK; to > start; to -= look, look = WINDOW) {
    const from = Math.max(start, to - look);
    const { bytesRead } = await handle.read(window, 0, to - from, from);
    const at = window.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at !== -1) return from + at + 1;
  }
  // No newline before the limit: the line that starts at `start` is longer than a chunk.
  for (let from = limit; from < size && from - start <= options.maxLineSize; from += WINDOW) {
    const { bytesRead } = await handle.read(window, 0, Math.min(WINDOW, size - from), from);
    const at = window.subarray(0, bytesRead).indexOf(NEWLINE);
    if (at !== -1 && from + at + 1 - start <= options.maxLineSize) return from + at + 1;
    if (at !== -1) break;
  }
  if (size - start <= options.maxLineSize) return size;
  throw new LineTooLongError(
    `${options.sourceName}: line ${await lineNumberAt(handle, window, start)} (at byte ${start}) is longer than the maximum line size of ` +
      `${formatBytes(options.maxLineSize)}; raise --max-line-size to analyse it`,
  );
}

/** The number of the line starting at `offset` (counted only for this error message). */
async function lineNumberAt(handle: FileHandle, window: Buffer, offset: number): Promise<number> {
  let line = 1;
  for (let from = 0; from < offset; from += WINDOW) {
    const { bytesRead } = await handle.read(window, 0, Math.min(WINDOW, offset - from), from);
    line += countNewlines(window.subarray(0, bytesRead));
  }
  return line;
}
