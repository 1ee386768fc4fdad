import { CHUNK_QUEUE, type RedisClient } from '@logcluster/core';
import { Queue } from 'bullmq';

/**
 * Workers connected to the chunk queue under `prefix` right now (BullMQ names their
 * connections), or -1 when Redis cannot tell: for a message that says why a run waits.
 */
export async function connectedWorkers(redis: RedisClient, prefix: string): Promise<number> {
  // The connection is shared: closing the queue leaves it open.
  const queue = new Queue(CHUNK_QUEUE, { connection: redis, prefix });
  queue.on('error', () => {});
  try {
    return await queue.getWorkersCount();
  } catch {
    return -1;
  } finally {
    await queue.close().catch(() => {});
  }
}
