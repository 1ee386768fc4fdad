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

/** Redis's `used_memory` and `used_memory_peak`, in bytes. */
export async function redisMemory(url: string): Promise<{ used: number; peak: number }> {
  const client = await connectRedis(url, { connectionName: 'bench' });
  try {
    const info = await client.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return { used: field('used_memory'), peak: field('used_memory_peak') };
  } finally {
    client.disconnect();
  }
}
