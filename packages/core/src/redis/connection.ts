import { Redis, type RedisOptions } from 'ioredis';
import { RedisAuthError, RedisUnavailableError, UsageError, errorMessage } from '../errors.js';
import { redisErrorCode } from './redis-errors.js';

/** Where Redis is, unless `--redis` / `REDIS_URL` says otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** How long a command waits for Redis to become reachable before giving up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Turns a Redis URL into ioredis options. Accepted: `redis://[user:password@]host[:port][/db]`,
 * `rediss://…` for TLS, and `unix:///path/to/redis.sock[?password=…]` for a local socket.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis must be a URL such as redis://127.0.0.1:6379 or unix:///tmp/redis.sock (got "${url}")`);
  }
  const auth = {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  switch (parsed.protocol) {
    case 'redis:':
    case 'rediss:': {
      const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
      if (!Number.isInteger(db) || db < 0) throw new UsageError(`--redis: "${parsed.pathname.slice(1)}" is not a database number`);
      return {
        host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
        port: parsed.port ? Number(parsed.port) : 6379,
        db,
        ...auth,
        ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
      };
    }
    case 'unix:':
    case 'redis+unix:': {
      const password = parsed.searchParams.get('password');
      return { path: decodeURIComponent(parsed.pathname), ...auth, ...(password ? { password } : {}) };
    }
    default:
      throw new UsageError(`--redis: unsupported scheme "${parsed.protocol}" (use redis://, rediss:// or unix://)`);
  }
}

/** The URL with its password replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface ConnectRedisOptions {
  /** Shown in `CLIENT LIST`. */
  connectionName: string;
  /** Give up (and throw `RedisUnavailableError`) if not ready within this time. */
  timeoutMs?: number;
}

/**
 * Opens a connection and waits until it is ready. Once connected, it reconnects for ever
 * (commands queue meanwhile), which is what carries a run across a Redis restart; the
 * deadline applies only to the first connection, so a wrong URL fails fast.
 */
export async function connectRedis(url: string, options: ConnectRedisOptions): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const redis = new Redis({
    ...redisOptionsFromUrl(url),
    connectionName: options.connectionName,
    lazyConnect: true,
    // BullMQ workers need commands to wait through reconnections rather than fail.
    maxRetriesPerRequest: null,
    connectTimeout: Math.min(timeoutMs, 10_000),
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
  let lastError: unknown;
  const onError = (err: unknown) => (lastError = err);
  redis.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new RedisUnavailableError(`cannot reach Redis at ${redactRedisUrl(url)} within ${timeoutMs / 1000} s${lastError ? `: ${errorMessage(lastError)}` : ''}`));
      }, timeoutMs);
      const authFailure = (err: unknown) => {
        const code = redisErrorCode(err);
        if (code === 'WRONGPASS' || code === 'NOAUTH') {
          clearTimeout(timer);
          reject(new RedisAuthError(`Redis at ${redactRedisUrl(url)} refused the credentials: ${errorMessage(err)}`, { cause: err }));
        }
      };
      redis.on('error', authFailure);
      redis.once('ready', () => {
        clearTimeout(timer);
        redis.off('error', authFailure);
        resolve();
      });
      redis.connect().catch(() => {
        // Failures surface through 'error' events and the deadline above.
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return redis;
}

/**
 * Closes a connection: politely (QUIT) when it is up, at once when it is not, so that
 * closing never fails nor waits on a Redis that went away.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * Resolves if Redis answers PING within `timeoutMs`; rejects with why not. For health
 * checks: the connection queues commands while it reconnects, so a plain PING would wait.
 */
export async function checkRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
