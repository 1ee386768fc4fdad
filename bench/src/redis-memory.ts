import { connectRedis } from '@logcluster/core';

/** Redis's `used_memory_peak`, in bytes: the most it has held since it started. */
export async function usedMemoryPeak(url: string): Promise<number> {
  const client = await connectRedis(url, { connectionName: 'bench' });
  try {
    return Number(/^used_memory_peak:(\d+)/m.exec(await client.info('memory'))?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}
