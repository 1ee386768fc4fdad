import { Queue } from 'bullmq';
import { CHUNK_QUEUE } from '../contract/queues.js';
import type { RedisClient } from './connection.js';

/**
 * The chunk queue under `prefix`, on a connection the caller owns: closing the queue
 * leaves the connection open. The connection's errors are reported where it is used, so
 * the queue's own 'error' events are not (an unhandled one would end the process).
 */
export function openChunkQueue(connection: RedisClient, prefix: string): Queue {
  const queue = new Queue(CHUNK_QUEUE, { connection, prefix });
  queue.on('error', () => {});
  return queue;
}
