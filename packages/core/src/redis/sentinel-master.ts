import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisClient } from './connection.js';

/**
 * Where a connection made through Sentinel stands, as the first Sentinel that answers
 * sees it:
 * - `current`: on the master the Sentinels name;
 * - `moved`: on another server (a master the Sentinels have replaced);
 * - `failing-over`: a failover of the master is in progress, or the master is seen down;
 * - `unknown`: no Sentinel answered, or the connection is not up;
 * - `not-sentinel`: one Redis or a cluster, where none of this applies.
 *
 * Why it is needed: during a failover the old master answers as a master — and the
 * Sentinels still name it — until the promoted replica has reported in (about a second
 * here), and it goes on answering for seconds more until it is reconfigured. What a client
 * writes there meanwhile is lost once the old master becomes a replica. So before a
 * coordinator trusts what it read (a run looks finished), it asks.
 */
export type SentinelStanding = 'current' | 'moved' | 'failing-over' | 'unknown' | 'not-sentinel';

export async function sentinelStanding(redis: RedisClient, timeoutMs = 2_000): Promise<SentinelStanding> {
  if (redis.isCluster) return 'not-sentinel';
  const options = (redis as Redis).options;
  if (!options.sentinels?.length || !options.name) return 'not-sentinel';
  const master = await sentinelView(options, timeoutMs);
  if (!master) return 'unknown';
  if (/failover_in_progress|s_down|o_down/.test(master.flags)) return 'failing-over';
  const stream = (redis as Redis).stream as { remoteAddress?: string; remotePort?: number } | undefined;
  if (redis.status !== 'ready' || !stream?.remoteAddress || stream.remotePort === undefined) return 'unknown';
  if (master.port !== stream.remotePort) return 'moved';
  const address = isIP(master.host)
    ? master.host
    : await lookup(master.host).then(
        (found) => found.address,
        () => master.host,
      );
  return normalise(address) === normalise(stream.remoteAddress) ? 'current' : 'moved';
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one address. */
function normalise(address: string): string {
  return address.replace(/^::ffff:/i, '');
}

/** The master's address and flags (`SENTINEL MASTER <name>`) from the first Sentinel that answers. */
async function sentinelView(
  options: RedisOptions,
  timeoutMs: number,
): Promise<{ host: string; port: number; flags: string } | undefined> {
  for (const sentinel of options.sentinels ?? []) {
    const client = new Redis({
      host: sentinel.host ?? '127.0.0.1',
      port: sentinel.port ?? 26379,
      ...(options.sentinelUsername ? { username: options.sentinelUsername } : {}),
      ...(options.sentinelPassword ? { password: options.sentinelPassword } : {}),
      ...(options.enableTLSForSentinelMode && options.tls ? { tls: options.tls } : {}),
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const reply = (await client.call('SENTINEL', 'MASTER', options.name!)) as string[];
      const field = (name: string) => reply[reply.indexOf(name) + 1] ?? '';
      if (reply.includes('ip') && reply.includes('port'))
        return { host: field('ip'), port: Number(field('port')), flags: field('flags') };
    } catch {
      // This Sentinel is unreachable or does not know the master: ask the next.
    } finally {
      client.disconnect();
    }
  }
  return undefined;
}
