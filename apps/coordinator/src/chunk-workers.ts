import { type RedisClient, openChunkQueue } from '@logcluster/core';

/**
 * Workers connected to the chunk queue under `prefix` right now (BullMQ names their
 * connections), or -1 when Redis cannot tell: for a message that says why a run waits.
 */
export async function connectedWorkers(redis: RedisClient, prefix: string): Promise<number> {
  const queue = openChunkQueue(redis, prefix);
  try {
    return await queue.getWorkersCount();
  } catch {
    return -1;
  } finally {
    await queue.close().catch(() => {});
  }
}
