import type { ChunkBytes } from '../chunk-bytes/chunk-bytes.js';
import type { RedisClient } from '../redis/connection.js';
import type { RedisKeys } from '../redis/keys.js';

/** What the parts of a RunStore work with: its connection, its key names, and the path chunk bytes take. */
export interface RunStoreContext {
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  readonly bytes: ChunkBytes;
}
