import { type RedisClient, redisTargetFromUrl } from '../redis/connection.js';
import { type ChunkBytes, type ChunkBytesItem, type ChunkBytesRead, RedisChunkBytes } from './chunk-bytes.js';
import { type RespEndpoint, RespConnection, RespReplyError } from './resp-connection.js';
import type { RespReply } from './resp-reader.js';

/**
 * Most bytes one reply of chunk bytes carries. Redis copies a reply whole into the
 * client's output buffer and frees it only once all of it is sent, so a GET of a 4 MiB
 * pack cost Redis 4 MiB more for as long as the worker took to drain it: 0–16 MiB at any
 * moment with two workers taking two jobs each, the part of Redis's peak memory that
 * moved from run to run. A longer read goes as GETRANGE slices of this size.
 */
export const REPLY_SLICE = 1024 * 1024;
/** Bytes of replies asked for and not yet received on one connection, at most: what Redis holds for a reader. */
const REPLY_BYTES_OUTSTANDING = 2 * REPLY_SLICE;

/**
 * Chunk bytes on a connection of their own (`RespConnection`): a chunk's Buffers go to
 * the socket as they are, and a chunk read lands in its target straight from the
 * socket. Through ioredis, the same bytes were copied four times more: joined into one
 * write buffer with the rest of a pipeline, and on the way back gathered from socket
 * reads, joined into the reply, then copied for the counting thread.
 *
 * Reads come back in slices of at most `REPLY_SLICE` bytes, with at most
 * `REPLY_BYTES_OUTSTANDING` of them asked for at a time (small reads still go many to a
 * round trip), so what Redis holds for a reader stays small whatever the pack's size.
 */
export class RespChunkBytes implements ChunkBytes {
  private readonly replies = new ReplyBudget(REPLY_BYTES_OUTSTANDING);

  private constructor(private readonly connection: RespConnection) {}

  static async open(endpoint: RespEndpoint, timeoutMs: number): Promise<RespChunkBytes> {
    return new RespChunkBytes(await RespConnection.open(endpoint, timeoutMs));
  }

  async store(items: readonly ChunkBytesItem[]): Promise<void> {
    const replies = items.map(({ key, parts }) => {
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      return this.connection.send([
        `*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${length}\r\n`,
        ...parts,
        '\r\n',
      ]);
    });
    for (const reply of await Promise.all(replies)) {
      if (reply.type === 'error') throw new RespReplyError(reply.text);
      if (reply.type !== 'status') throw new Error(`SET answered with a reply of type ${reply.type}`);
    }
  }

  async readInto(reads: readonly ChunkBytesRead[]): Promise<(number | null)[]> {
    // Every read runs to its end before a failure is reported: no target is written after this returns.
    const settled = await Promise.allSettled(reads.map((read) => this.readOne(read)));
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((result) => (result as PromiseFulfilledResult<number | null>).value);
  }

  /**
   * One read, in slices if it is longer than a slice. A whole value is first asked its
   * length (STRLEN), so that a value that does not fit its target leaves the target
   * alone, as a GET would. A value that goes away between slices (its chunks were
   * settled meanwhile) reads as a missing key would, as if it had gone before the read;
   * its target may then hold part of it.
   */
  private async readOne({ key, target, start }: ChunkBytesRead): Promise<number | null> {
    if (target.length <= REPLY_SLICE)
      return lengthOf(
        await this.replies.run(target.length, () => this.connection.send([command(key, target.length, start)], target)),
      );
    if (start === undefined) {
      const length = integerOf(await this.connection.send([`*2\r\n$6\r\nSTRLEN\r\n${bulk(key)}`]));
      // STRLEN says 0 for a missing key and for an empty value alike.
      if (length !== target.length) return length === 0 && !(await this.exists(key)) ? null : length;
    }
    const pieces: Promise<RespReply>[] = [];
    for (let at = 0; at < target.length; at += REPLY_SLICE) {
      const piece = target.subarray(at, at + REPLY_SLICE);
      pieces.push(
        this.replies.run(piece.length, () =>
          this.connection.send([command(key, piece.length, (start ?? 0) + at)], piece),
        ),
      );
    }
    // What GETRANGE would say: how much of the range there is (the slices stop being full where the value ends).
    const found = (await Promise.all(pieces)).reduce((sum, reply) => sum + (lengthOf(reply) ?? 0), 0);
    if (found === target.length || (await this.exists(key))) return found;
    return start === undefined ? null : 0;
  }

  private async exists(key: string): Promise<boolean> {
    const reply = await this.connection.send([`*2\r\n$6\r\nEXISTS\r\n${bulk(key)}`]);
    return integerOf(reply, 'EXISTS') === 1;
  }

  close(): Promise<void> {
    this.connection.close();
    return Promise.resolve();
  }
}

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/** GET, or GETRANGE of `length` bytes from `start`. */
function command(key: string, length: number, start: number | undefined): string {
  if (start === undefined) return `*2\r\n$3\r\nGET\r\n${bulk(key)}`;
  return `*4\r\n$8\r\nGETRANGE\r\n${bulk(key)}${bulk(String(start))}${bulk(String(start + length - 1))}`;
}

function integerOf(reply: RespReply, commandName = 'STRLEN'): number {
  if (reply.type === 'error') throw new RespReplyError(reply.text);
  if (reply.type !== 'integer') throw new Error(`${commandName} answered with a reply of type ${reply.type}`);
  return reply.value;
}

/**
 * Sends whose replies together stay within `limit` bytes, first come first served; one
 * larger than the limit goes alone.
 */
class ReplyBudget {
  private outstanding = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(bytes: number, send: () => Promise<T>): Promise<T> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.outstanding += bytes;
    else await new Promise<void>((admit) => this.waiting.push({ bytes, admit }));
    try {
      return await send();
    } finally {
      this.outstanding -= bytes;
      while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
        const next = this.waiting.shift()!;
        this.outstanding += next.bytes;
        next.admit();
      }
    }
  }

  private fits(bytes: number): boolean {
    return this.outstanding === 0 || this.outstanding + bytes <= this.limit;
  }
}

function lengthOf(reply: RespReply): number | null {
  if (reply.type === 'nil') return null;
  if (reply.type === 'bulk') return reply.length;
  if (reply.type === 'error') throw new RespReplyError(reply.text);
  throw new Error(`GET answered with a reply of type ${reply.type}`);
}

export interface OpenChunkBytesOptions {
  /** Shown in `CLIENT LIST`. */
  connectionName: string;
  timeoutMs: number;
}

/**
 * The chunk-bytes path for `--redis url`: a connection of its own to a single Redis (TCP,
 * TLS or a unix socket); through `redis`, the ioredis connection, for a Redis Cluster or
 * Sentinel, whose topology only ioredis follows.
 */
export async function openChunkBytes(
  url: string,
  redis: RedisClient,
  options: OpenChunkBytesOptions,
): Promise<ChunkBytes> {
  const target = redisTargetFromUrl(url);
  if (target.kind !== 'single') return new RedisChunkBytes(redis);
  const { path, host, port, tls, username, password, db } = target.options;
  const endpoint: RespEndpoint = {
    connectionName: `${options.connectionName}:bytes`,
    ...(path !== undefined ? { path } : { host: host ?? '127.0.0.1', port: port ?? 6379 }),
    ...(tls ? { tls } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(db !== undefined ? { db } : {}),
  };
  return RespChunkBytes.open(endpoint, options.timeoutMs);
}
