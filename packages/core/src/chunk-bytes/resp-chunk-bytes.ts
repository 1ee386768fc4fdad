import { type RedisClient, redisTargetFromUrl } from '../redis/connection.js';
import { type ChunkBytes, type ChunkBytesItem, type ChunkBytesRead, RedisChunkBytes } from './chunk-bytes.js';
import { type RespEndpoint, RespConnection, RespReplyError } from './resp-connection.js';
import type { RespReply } from './resp-reader.js';

/**
 * Chunk bytes on a connection of their own (`RespConnection`): a chunk's Buffers go to
 * the socket as they are, and a chunk read lands in its target straight from the
 * socket. Through ioredis, the same bytes were copied four times more: joined into one
 * write buffer with the rest of a pipeline, and on the way back gathered from socket
 * reads, joined into the reply, then copied for the counting thread.
 */
export class RespChunkBytes implements ChunkBytes {
  private constructor(private readonly connection: RespConnection) {}

  static async open(endpoint: RespEndpoint, timeoutMs: number): Promise<RespChunkBytes> {
    return new RespChunkBytes(await RespConnection.open(endpoint, timeoutMs));
  }

  async store(items: readonly ChunkBytesItem[]): Promise<void> {
    const replies = items.map(({ key, parts }) => {
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      return this.connection.send([`*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${length}\r\n`, ...parts, '\r\n']);
    });
    for (const reply of await Promise.all(replies)) {
      if (reply.type === 'error') throw new RespReplyError(reply.text);
      if (reply.type !== 'status') throw new Error(`SET answered with a reply of type ${reply.type}`);
    }
  }

  async readInto(reads: readonly ChunkBytesRead[]): Promise<(number | null)[]> {
    const replies = await Promise.all(reads.map(({ key, target, start }) => this.connection.send([command(key, target.length, start)], target)));
    return replies.map(lengthOf);
  }

  close(): Promise<void> {
    this.connection.close();
    return Promise.resolve();
  }
}

/** GET, or GETRANGE of `length` bytes from `start`. */
function command(key: string, length: number, start: number | undefined): string {
  const head = `$${Buffer.byteLength(key)}\r\n${key}\r\n`;
  if (start === undefined) return `*2\r\n$3\r\nGET\r\n${head}`;
  const [from, to] = [String(start), String(start + length - 1)];
  return `*4\r\n$8\r\nGETRANGE\r\n${head}$${from.length}\r\n${from}\r\n$${to.length}\r\n${to}\r\n`;
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
export async function openChunkBytes(url: string, redis: RedisClient, options: OpenChunkBytesOptions): Promise<ChunkBytes> {
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
