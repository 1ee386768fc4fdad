import { NEWLINE } from '../char-codes.js';
import { LineTooLongError } from '../errors.js';
import { countNewlines } from '../matching/newlines.js';
import { formatBytes } from '../units.js';
import { PendingBytes } from './pending-bytes.js';

/** A line-aligned piece of one source. */
export interface Chunk {
  /** 0-based position of the chunk in its source. */
  seq: number;
  /** Offset of the first byte in the (uncompressed) source. */
  byteOffset: number;
  /** 1-based number of the chunk's first line in its source. */
  firstLine: number;
  /** Lines in the chunk, counted as grep counts them. */
  lineCount: number;
  /**
   * The chunk's bytes as they lie in the buffers they were read into, end to end: a
   * chunk that spans several reads is never copied to be sent on.
   */
  parts: Buffer[];
  /** The chunk's bytes in one buffer (joined on first use when it spans several reads). */
  readonly bytes: Buffer;
}

export interface ChunkerOptions {
  /** Largest chunk in bytes, except for a chunk holding one line longer than this. */
  chunkSize: number;
  /**
   * Longest line accepted. A line longer than `chunkSize` becomes a chunk of its own so
   * that matching never has to see a line in pieces; past this cap the input is refused.
   */
  maxLineSize: number;
  /** Name of the source, for error messages. */
  sourceName: string;
  /**
   * Where the input starts in its source, when it is not at the beginning (a followed
   * source taken up again after its coordinator died): the next chunk's number, byte
   * offset and first line.
   */
  start?: { seq: number; byteOffset: number; line: number };
}

/** Default cap on one line: well under Redis's 512 MB limit on a single value. */
export const DEFAULT_MAX_LINE_SIZE = 256 * 1024 * 1024;

/**
 * Cuts a byte stream into chunks of at most `chunkSize` bytes, each ending just after a
 * `\n` (the last chunk may end without one). A line longer than `chunkSize` is emitted
 * alone, as one oversized chunk of up to `maxLineSize` bytes. An empty piece of input is
 * a flush: the complete lines pending are emitted at once as a (smaller) chunk.
 */
export async function* chunkStream(
  input: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
  options: ChunkerOptions,
): AsyncGenerator<Chunk> {
  const { chunkSize, maxLineSize, sourceName } = options;
  const pending = new PendingBytes();
  let seq = options.start?.seq ?? 0;
  let byteOffset = options.start?.byteOffset ?? 0;
  let nextLine = options.start?.line ?? 1;
  // While the first pending line is longer than a chunk, how far it has been searched
  // for its end, so that a long line arriving in small reads is scanned only once.
  let longLineScanned = 0;

  const emit = (length: number): Chunk => {
    const chunk = newChunk(seq++, byteOffset, nextLine, pending.take(length));
    byteOffset += length;
    nextLine += chunk.lineCount;
    longLineScanned = 0;
    return chunk;
  };

  /** The length of the next chunk to cut, or 0 if more input is needed first. */
  const nextCut = (atEnd: boolean): number => {
    if (pending.length === 0) return 0;
    if (pending.length < chunkSize) return atEnd ? pending.length : 0;
    const lastNewline = pending.lastNewlineBefore(chunkSize);
    if (lastNewline !== -1) return lastNewline + 1;
    const endOfLine = pending.newlineFrom(Math.max(chunkSize, longLineScanned));
    if (endOfLine !== -1) return checkLineLength(endOfLine + 1);
    longLineScanned = pending.length;
    checkLineLength(pending.length);
    return atEnd ? pending.length : 0;
  };

  const checkLineLength = (length: number): number => {
    if (length > maxLineSize) {
      throw new LineTooLongError(
        `${sourceName}: line ${nextLine} (at byte ${byteOffset}) is longer than the maximum line size of ` +
          `${formatBytes(maxLineSize)}; raise --max-line-size to analyse it`,
      );
    }
    return length;
  };

  for await (const data of input) {
    if (data.length === 0) {
      // A flush: what is complete now goes out, short of a chunk or not (following a live log).
      const lastNewline = pending.length === 0 ? -1 : pending.lastNewlineBefore(pending.length);
      if (lastNewline !== -1) yield emit(lastNewline + 1);
      continue;
    }
    pending.push(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    for (let cut = nextCut(false); cut > 0; cut = nextCut(false)) yield emit(cut);
  }
  for (let cut = nextCut(true); cut > 0; cut = nextCut(true)) yield emit(cut);
}

function newChunk(seq: number, byteOffset: number, firstLine: number, parts: Buffer[]): Chunk {
  let lineCount = 0;
  for (const part of parts) lineCount += countNewlines(part);
  const last = parts[parts.length - 1];
  if (last !== undefined && last.length > 0 && last[last.length - 1] !== NEWLINE) lineCount++;
  let joined: Buffer | undefined = parts.length === 1 ? parts[0] : undefined;
  return {
    seq,
    byteOffset,
    firstLine,
    lineCount,
    parts,
    get bytes() {
      return (joined ??= Buffer.concat(parts));
    },
  };
}
