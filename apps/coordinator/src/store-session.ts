import { DEFAULT_REDIS_URL, DeadLetterQueue, RedisKeys, RunStore, closeRedis, connectRedis } from '@logcluster/core';
import type { Redis } from 'ioredis';

export interface StoreFlags {
  redis?: string;
  prefix: string;
  json?: boolean;
}

export interface StoreSession {
  redis: Redis;
  store: RunStore;
  deadLetters: DeadLetterQueue;
}

/** Connects for a short command, runs `use`, and closes everything again. */
export async function withStore<T>(flags: StoreFlags, use: (session: StoreSession) => Promise<T>): Promise<T> {
  const redis = await connectRedis(flags.redis ?? DEFAULT_REDIS_URL, { connectionName: 'logcluster-cli' });
  const deadLetters = new DeadLetterQueue(redis, flags.prefix);
  try {
    return await use({ redis, store: new RunStore(redis, new RedisKeys(flags.prefix)), deadLetters });
  } finally {
    await deadLetters.close().catch(() => {});
    await closeRedis(redis);
  }
}
