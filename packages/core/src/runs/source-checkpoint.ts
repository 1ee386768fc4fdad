import type { RedisKeys } from '../redis/keys.js';
import type { RedisClient } from '../redis/connection.js';

/**
 * Where a followed source stands after the chunks stored so far: written with them, in
 * one step (lua/storeChunks-5.lua), so that a coordinator that takes the run up again
 * after its predecessor died starts exactly after the last chunk stored.
 */
export interface SourceCheckpoint {
  /** The next chunk's number, its byte offset in the source's stream, and its first line. */
  seq: number;
  byteOffset: number;
  line: number;
  /**
   * The file the next byte is read from, told apart by device, inode and a hash of its
   * first bytes (an inode number may be reused), and the offset in it; null for a
   * source that is no file (standard input).
   */
  file: FileCheckpoint | null;
  /** The last chunk stored: its job may be missing, if its coordinator died right after storing it. */
  last: { seq: number; byteOffset: number; byteLength: number; firstLine: number; lineCount: number };
}

export interface FileCheckpoint {
  dev: string;
  ino: string;
  /** SHA-1 (hex) of the file's first `fingerprintLength` bytes. */
  fingerprint: string;
  fingerprintLength: number;
  offset: number;
}

/** The checkpoint as the positions hash holds it: `<next chunk> <JSON>` (the script compares the number). */
export function checkpointValue(checkpoint: SourceCheckpoint): string {
  return `${checkpoint.seq} ${JSON.stringify(checkpoint)}`;
}

/** Every source's checkpoint in the run, by source number. */
export async function readCheckpoints(
  redis: RedisClient,
  keys: RedisKeys,
  runId: string,
): Promise<Map<number, SourceCheckpoint>> {
  const stored = await redis.hgetall(keys.positions(runId));
  return new Map(
    Object.entries(stored).map(([source, value]) => [
      Number(source),
      JSON.parse(value.slice(value.indexOf(' ') + 1)) as SourceCheckpoint,
    ]),
  );
}
