import type { RedisClient } from '../redis/connection.js';
import { type ChunkState, asState } from './chunk-records.js';

/**
 * Reads chunk states from a run's chunk-state hash as lua/includes/chunkStates.lua keeps
 * it: settled chunks are folded behind each source's watermark (field `w:<source>`),
 * where a chunk without a field of its own is done, and field `*` says that every chunk
 * of a compacted run is done. One HMGET, so the answer is one moment's.
 */
export async function readChunkStates(
  redis: RedisClient,
  statesKey: string,
  ids: readonly string[],
): Promise<ChunkState[]> {
  if (ids.length === 0) return [];
  const watermarkAt = new Map<string, number>();
  const fields = ['*', ...ids];
  for (const id of ids) {
    const source = id.slice(0, id.indexOf('.'));
    if (!watermarkAt.has(source)) {
      watermarkAt.set(source, fields.length);
      fields.push(`w:${source}`);
    }
  }
  const got = await redis.hmget(statesKey, ...fields);
  return ids.map((id, i) => {
    const own = asState(got[i + 1] ?? null);
    if (own !== null) return own;
    if (got[0] !== null) return 'done';
    const dot = id.indexOf('.');
    const watermark = got[watermarkAt.get(id.slice(0, dot))!];
    return watermark != null && Number(id.slice(dot + 1)) <= Number(watermark) ? 'done' : null;
  });
}
