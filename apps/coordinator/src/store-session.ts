import {
  DEFAULT_REDIS_URL,
  DeadLetterQueue,
  type RedisClient,
  RedisKeys,
  RunStore,
  closeRedis,
  connectWithPrefix,
} from '@logcluster/core';

export interface StoreFlags {
  redis?: string;
  prefix: string;
  json?: boolean;
}

export interface StoreSession {
  redis: RedisClient;
  store: RunStore;
  deadLetters: DeadLetterQueue;
}

/** Connects for a short command, runs `use`, and closes everything again. */
export async function withStore<T>(flags: StoreFlags, use: (session: StoreSession) => Promise<T>): Promise<T> {
  const { redis, prefix } = await connectWithPrefix(flags.redis ?? DEFAULT_REDIS_URL, flags.prefix, {
    connectionName: 'logcluster-cli',
  });
  const deadLetters = new DeadLetterQueue(redis, prefix);
  try {
    return await use({ redis, store: new RunStore(redis, new RedisKeys(prefix)), deadLetters });
  } finally {
    await deadLetters.close().catch(() => {});
    await closeRedis(redis);
  }
}
