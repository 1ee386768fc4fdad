import { NEWLINE } from '../char-codes.js';
import { LineTooLongError } from '../errors.js';
import type { EventStartTest } from '../matching/event-starts.js';
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
  /**
   * With `--multiline`: which lines start an event. Chunks are then cut where events
   * start, so that an event lies in one chunk (see `chunkStream`).
   */
  eventStarts?: EventStartTest;
}

/** Default cap on one line: well under Redis's 512 MB limit on a single value. */
export const DEFAULT_MAX_LINE_SIZE = 256 * 1024 * 1024;

/**
 * Cuts a byte stream into chunks of at most `chunkSize` bytes, each ending just after a
 * `\n` (the last chunk may end without one). A line longer than `chunkSize` is emitted
 * alone, as one oversized chunk of up to `maxLineSize` bytes. An empty piece of input is
 * a flush: the complete lines pending are emitted at once as a (smaller) chunk.
 *
 * With `eventStarts` (`--multiline`), a chunk ends just before a line that starts an
 * event: the last such line before the size cut, or, in an event longer than a chunk,
 * the first one after it (the chunk is then larger, as a long line's is). Only an event
 * longer than `maxLineSize` is cut inside. A flush holds the last event back, since
 * lines may still come that continue it, unless nothing arrived since the flush before
 * (a followed file quiet for a flush interval: the event is over). A chunk that starts
 * inside an event (those two cases) starts with a line that starts none, which is how
 * its worker knows (matching/event-counts.ts).
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

  const events = options.eventStarts ? new EventCuts(pending, options.eventStarts, maxLineSize) : undefined;
  // With events: whether the last flush held an event back and nothing arrived since.
  let heldAtFlush = false;

  const emit = (length: number): Chunk => {
    const chunk = newChunk(seq++, byteOffset, nextLine, pending.take(length));
    events?.restart();
    byteOffset += length;
    nextLine += chunk.lineCount;
    longLineScanned = 0;
    return chunk;
  };

  /** The length of the next chunk to cut, or 0 if more input is needed first. */
  const nextCut = (atEnd: boolean): number => {
    const cut = lineCut(atEnd);
    return events && cut > 0 && !(atEnd && cut === pending.length) ? events.cutAt(cut, atEnd) : cut;
  };

  /** The length of the next chunk by lines alone, or 0. */
  const lineCut = (atEnd: boolean): number => {
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
      const complete = lastNewline + 1;
      // With events, all but the last event, unless the last flush held it back already.
      const cut: number = events && complete > 0 && !heldAtFlush ? events.lastStartIn(complete) : complete;
      heldAtFlush = events !== undefined && cut < complete;
      if (cut > 0) yield emit(cut);
      continue;
    }
    heldAtFlush = false;
    pending.push(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    for (let cut = nextCut(false); cut > 0; cut = nextCut(false)) yield emit(cut);
  }
  for (let cut = nextCut(true); cut > 0; cut = nextCut(true)) yield emit(cut);
}

/** Where events start in the pending bytes, for `chunkStream`'s cuts. */
class EventCuts {
  /** How far forward an event longer than a chunk has been searched for the next start (a line start; 0: not yet). */
  private scanned = 0;

  constructor(
    private readonly pending: PendingBytes,
    private readonly startsEvent: EventStartTest,
    private readonly maxEventSize: number,
  ) {}

  /** Whether the complete line at `at` (a line start) starts an event; a line not yet complete does not say. */
  startsEventAt(at: number): boolean {
    const end = this.pending.newlineFrom(at);
    return this.startsEvent(this.pending.text(at, end === -1 ? this.pending.length : end));
  }

  /**
   * The chunk's length given its cut by lines (`cut`, a line start short of the pending
   * bytes' end): the last event start in (0, cut], else the first after it, else (past
   * `maxEventSize`) `cut` itself, or 0 while more input is needed to tell.
   */
  cutAt(cut: number, atEnd: boolean): number {
    const lineEnd = this.pending.newlineFrom(cut);
    if (lineEnd === -1 && !atEnd) return this.pending.length > this.maxEventSize ? cut : 0;
    const back = this.lastStartIn(cut + 1);
    if (back > 0) return back;
    for (let at = Math.max(cut, this.scanned); at < this.pending.length;) {
      const end = this.pending.newlineFrom(at);
      if (end === -1 && !atEnd) {
        this.scanned = at;
        return this.pending.length > this.maxEventSize ? cut : 0;
      }
      if (at > cut && this.startsEventAt(at)) return at;
      if (end === -1) break;
      if (end + 1 > this.maxEventSize) return at > cut ? at : cut;
      at = end + 1;
    }
    return atEnd ? this.pending.length : 0;
  }

  /** The start of the last line in (0, limit) that starts an event, or 0 if none does. */
  lastStartIn(limit: number): number {
    for (let end = limit - 1; end > 0;) {
      const start = this.pending.lastNewlineBefore(end) + 1;
      if (start > 0 && this.startsEventAt(start)) return start;
      end = start - 1;
    }
    return 0;
  }

  /** The pending bytes now start where the last chunk ended. */
  restart(): void {
    this.scanned = 0;
  }
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
