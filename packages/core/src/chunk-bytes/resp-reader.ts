/** A reply as the chunk-bytes connection needs them: no arrays (it sends no command that answers with one). */
export type RespReply =
  | { type: 'status'; text: string }
  | { type: 'error'; text: string }
  | { type: 'integer'; value: number }
  | { type: 'nil' }
  /**
   * A bulk string of `length` bytes: in `bytes` when no target was given, written into the
   * target when it was of that very length (`bytes` null), dropped when it was not.
   */
  | { type: 'bulk'; length: number; bytes: Buffer | null };

/** Raised when the server sends something that is not RESP2 as expected; the connection is then dropped. */
export class RespProtocolError extends Error {
  override name = 'RespProtocolError';
}

const CR = 0x0d;
const LF = 0x0a;
/** Reads between replies, and of replies nobody gave a target for, land here. */
const SCRATCH_SIZE = 64 * 1024;
/** Longest header line accepted (`$<length>`, `-<message>`). */
const MAX_LINE = 64 * 1024;

/**
 * Parses RESP2 replies from a socket, placing a bulk reply straight into the buffer its
 * command asked for: `readBuffer()` says where the next socket read should go — the
 * free part of that buffer while its payload is coming, so the kernel copies the bytes
 * there and nothing copies them again — and `received()` takes what the read brought.
 * Data that arrives any other way (a TLS socket's 'data') goes through `feed()`.
 */
export class RespReader {
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
  /** A header line begun in an earlier read. */
  private line: Buffer[] = [];
  private lineLength = 0;
  private state: 'header' | 'payload' | 'trailer' = 'header';
  /** Where the current bulk payload goes (null: dropped) and how much of it came. */
  private dest: Uint8Array | null = null;
  private destFilled = 0;
  private payloadLength = 0;
  private payloadLeft = 0;
  private trailerLeft = 0;
  private bulk: { length: number; bytes: Buffer | null } | null = null;
  /** The region handed out by the last `readBuffer()` when it was inside a target. */
  private given: Uint8Array | null = null;

  constructor(
    /**
     * The target the command whose reply comes `ahead` replies from now gave, if any
     * (0: the reply being read, or the next one between replies).
     */
    private readonly targetAhead: (ahead: number) => Uint8Array | undefined,
    private readonly onReply: (reply: RespReply) => void,
  ) {}

  /**
   * Where the next read from the socket should land: while a payload is coming, the free
   * part of its target; before a reply that is to go to a target, just the scratch that
   * the end of the reply before (its CRLF) and this one's header take (as the header will
   * be if the reply is what was asked for), so that the read after lands in the target,
   * not in scratch to be copied.
   */
  readBuffer(): Uint8Array {
    if (this.state === 'payload' && this.dest !== null) {
      this.given = this.dest.subarray(this.destFilled, this.destFilled + this.payloadLeft);
      return this.given;
    }
    this.given = null;
    if (this.lineLength === 0 && this.state !== 'payload') {
      const trailer = this.state === 'trailer' ? this.trailerLeft : 0;
      const target = this.targetAhead(trailer > 0 ? 1 : 0);
      if (target !== undefined && target.length > 0)
        return this.scratch.subarray(0, trailer + headerLength(target.length));
    }
    return this.scratch;
  }

  /** `length` bytes were read into `buffer`, which `readBuffer()` returned. */
  received(buffer: Uint8Array, length: number): void {
    if (buffer === this.given && this.given !== null) {
      this.given = null;
      this.destFilled += length;
      this.payloadLeft -= length;
      if (this.payloadLeft === 0) this.state = 'trailer';
      return;
    }
    this.feed(buffer.subarray(0, length));
  }

  /** Parses bytes that arrived in a buffer of their own (not a target): copied where they belong. */
  feed(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.state === 'payload') {
        const n = Math.min(this.payloadLeft, data.length - at);
        if (this.dest !== null) this.dest.set(data.subarray(at, at + n), this.destFilled);
        this.destFilled += n;
        this.payloadLeft -= n;
        at += n;
        if (this.payloadLeft === 0) this.state = 'trailer';
      } else if (this.state === 'trailer') {
        const n = Math.min(this.trailerLeft, data.length - at);
        for (let i = 0; i < n; i++) {
          const expected = this.trailerLeft - i === 2 ? CR : LF;
          if (data[at + i] !== expected) throw new RespProtocolError('a bulk reply does not end with CRLF');
        }
        this.trailerLeft -= n;
        at += n;
        if (this.trailerLeft === 0) this.finishBulk();
      } else {
        const end = data.indexOf(LF, at);
        if (end === -1) {
          this.keepLine(data.subarray(at));
          return;
        }
        this.keepLine(data.subarray(at, end + 1));
        at = end + 1;
        this.header(this.takeLine());
      }
    }
  }

  /** Forgets a reply in progress: the connection it came on is gone. */
  reset(): void {
    this.line = [];
    this.lineLength = 0;
    this.state = 'header';
    this.dest = null;
    this.bulk = null;
    this.given = null;
  }

  private keepLine(part: Uint8Array): void {
    if (part.length === 0) return;
    this.lineLength += part.length;
    if (this.lineLength > MAX_LINE) throw new RespProtocolError(`a reply header longer than ${MAX_LINE} bytes`);
    // A copy: the part may lie in the scratch buffer, which the next read overwrites.
    this.line.push(Buffer.from(part));
  }

  /** The header line without its CRLF. */
  private takeLine(): Buffer {
    const line = this.line.length === 1 ? this.line[0]! : Buffer.concat(this.line);
    this.line = [];
    this.lineLength = 0;
    if (line.length < 3 || line[line.length - 2] !== CR)
      throw new RespProtocolError('a reply header does not end with CRLF');
    return line.subarray(0, line.length - 2);
  }

  private header(line: Buffer): void {
    const text = line.toString('latin1', 1);
    switch (line[0]) {
      case 0x2b: // +
        return this.onReply({ type: 'status', text });
      case 0x2d: // -
        return this.onReply({ type: 'error', text: line.toString('utf8', 1) });
      case 0x3a: // :
        return this.onReply({ type: 'integer', value: integer(text) });
      case 0x24: {
        // $
        const length = integer(text);
        if (length === -1) return this.onReply({ type: 'nil' });
        if (length < 0) throw new RespProtocolError(`a bulk reply of length ${length}`);
        const target = this.targetAhead(0);
        if (target === undefined) {
          this.bulk = { length, bytes: Buffer.allocUnsafe(length) };
          this.dest = this.bulk.bytes;
        } else {
          // A target of another size: the reply is not what was asked for; only its length is kept.
          this.bulk = { length, bytes: null };
          this.dest = target.length === length ? target : null;
        }
        this.destFilled = 0;
        this.payloadLength = length;
        this.payloadLeft = length;
        this.trailerLeft = 2;
        this.state = length === 0 ? 'trailer' : 'payload';
        return;
      }
      default:
        throw new RespProtocolError(`unexpected reply type ${JSON.stringify(String.fromCharCode(line[0] ?? 0))}`);
    }
  }

  private finishBulk(): void {
    const bulk = this.bulk!;
    this.state = 'header';
    this.dest = null;
    this.bulk = null;
    this.onReply({ type: 'bulk', length: this.payloadLength, bytes: bulk.bytes });
  }
}

/** Bytes in `$<length>\r\n`. */
function headerLength(length: number): number {
  return 3 + String(length).length;
}

function integer(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RespProtocolError(`"${text}" is not an integer`);
  return Number(text);
}
