import type { RedisClient } from '../redis/connection.js';

/** A chunk's bytes to store: one or more parts, end to end (never joined on the way). */
export interface ChunkBytesItem {
  key: string;
  parts: readonly Uint8Array[];
}

/**
 * Where a key's bytes are to be read to: the whole value, or with `start` the
 * `target.length` bytes from there (GETRANGE); `target` must be exactly that long.
 */
export interface ChunkBytesRead {
  key: string;
  target: Uint8Array;
  start?: number;
}

/**
 * How chunk bytes travel to and from Redis: as plain SET and GET of one key per chunk,
 * on a path of their own so that the bytes are not copied on the way (see
 * `RespChunkBytes`), or through the ioredis connection where that path cannot go.
 */
export interface ChunkBytes {
  /** SETs every key to its bytes; resolves once Redis has them all. */
  store(items: readonly ChunkBytesItem[]): Promise<void>;
  /**
   * GETs every key (or its range) into its target. Per read: the length of what Redis
   * returned (the target holds it only if that is the target's length), or null if
   * there is no such key (a range of a missing key: 0 bytes).
   */
  readInto(reads: readonly ChunkBytesRead[]): Promise<(number | null)[]>;
  /** Closes what this opened (nothing, when it borrows a connection). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Chunk bytes through an ioredis connection: for a Redis Cluster or Sentinel, which a
 * plain connection cannot follow. Each reply is copied once more, into its target.
 */
export class RedisChunkBytes implements ChunkBytes {
  constructor(private readonly redis: RedisClient) {}

  async store(items: readonly ChunkBytesItem[]): Promise<void> {
    if (items.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, parts } of items)
      pipeline.set(
        key,
        parts.length === 1
          ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength)
          : Buffer.concat(parts),
      );
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  async readInto(reads: readonly ChunkBytesRead[]): Promise<(number | null)[]> {
    if (reads.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const { key, target, start } of reads) {
      if (start === undefined) pipeline.getBuffer(key);
      else pipeline.getrangeBuffer(key, start, start + target.length - 1);
    }
    const values = ((await pipeline.exec()) ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as Buffer | null;
    });
    return reads.map(({ target }, i) => {
      const value = values[i] ?? null;
      if (value === null) return null;
      if (value.length === target.length) target.set(value);
      return value.length;
    });
  }

  async close(): Promise<void> {}
}
