import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { RedisAuthError, RedisUnavailableError, UsageError, errorMessage } from '../errors.js';
import { redisErrorCode } from './redis-errors.js';
import { tlsOptionsFor } from './tls-trust.js';

/** Where Redis is, unless `--redis` / `REDIS_URL` says otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** How long a command waits for Redis to become reachable before giving up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A connection to one Redis (possibly found through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A seed node of a Redis Cluster or a Sentinel. */
export interface RedisHost {
  host: string;
  port: number;
}

/** Where `--redis` points: one Redis (direct or through Sentinel), or a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; options: RedisOptions }
  | { kind: 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: RedisHost[]; redisOptions: RedisOptions };

const URL_FORMS =
  'redis://[user:password@]host:port[/db], rediss://…, unix:///path/to/redis.sock, ' +
  'redis+cluster://[user:password@]host1:port1,host2:port2 or redis+sentinel://[user:password@]host1:26379,host2:26379/<master name>';

/**
 * Turns a Redis URL into ioredis options. Accepted: `redis://[user:password@]host[:port][/db]`,
 * `rediss://…` for TLS, and `unix:///path/to/redis.sock[?password=…]` for a local socket;
 * also `redis+sentinel://…/<master name>` (the options then carry the sentinels). A
 * `redis+cluster://` URL has no single set of options: see `redisTargetFromUrl`.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const target = redisTargetFromUrl(url);
  if (target.kind === 'cluster')
    throw new UsageError('--redis: a redis+cluster:// URL names a Redis Cluster, not one Redis');
  return target.options;
}

/**
 * Parses `--redis` / `REDIS_URL` in any of its forms: a URL, or the path of a JSON
 * configuration file (anything without `://`, or a `file://` URL); see `configFileTarget`.
 */
export function redisTargetFromUrl(url: string): RedisTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return configFileTarget(url);
  if (scheme === 'file') return configFileTarget(fileURLToPath(url));
  if (
    scheme === 'redis+cluster' ||
    scheme === 'rediss+cluster' ||
    scheme === 'redis+sentinel' ||
    scheme === 'rediss+sentinel'
  ) {
    return multiHostTarget(url, scheme);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `--redis must be a URL such as redis://127.0.0.1:6379 or unix:///tmp/redis.sock (got "${redactRedisUrl(url)}"); forms: ${URL_FORMS}`,
    );
  }
  const auth = {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  switch (parsed.protocol) {
    case 'redis:':
    case 'rediss:': {
      const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
      if (!Number.isInteger(db) || db < 0)
        throw new UsageError(`--redis: "${parsed.pathname.slice(1)}" is not a database number`);
      return {
        kind: 'single',
        options: {
          host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
          port: parsed.port ? Number(parsed.port) : 6379,
          db,
          ...auth,
          ...(parsed.protocol === 'rediss:' ? { tls: tlsOptionsFor(parsed.hostname) } : {}),
        },
      };
    }
    case 'unix:':
    case 'redis+unix:': {
      const password = parsed.searchParams.get('password');
      return {
        kind: 'single',
        options: { path: decodeURIComponent(parsed.pathname), ...auth, ...(password ? { password } : {}) },
      };
    }
    default:
      throw new UsageError(`--redis: unsupported scheme "${parsed.protocol}" (use ${URL_FORMS})`);
  }
}

/**
 * `url` with `password` as the Redis password (the master's, through Sentinel), for a
 * password given apart from the URL (`source` names where, for messages): into the
 * userinfo of a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL, as
 * `?password=` of a unix:// one. Refused when the URL holds a password already, or when
 * `--redis` names a JSON configuration file (which gives its own "password").
 */
export function withRedisPassword(url: string, password: string, source: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file')
    throw new UsageError(`${source}: --redis names a configuration file, which gives its own "password"`);
  const both = () =>
    new UsageError(`${source} and a password in --redis (or REDIS_URL) both give the Redis password: give one`);
  if (scheme === 'unix' || scheme === 'redis+unix') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--redis: "${redactRedisUrl(url)}" is not a URL (forms: ${URL_FORMS})`);
    }
    if (parsed.password || parsed.searchParams.has('password')) throw both();
    parsed.searchParams.set('password', password);
    return parsed.toString();
  }
  const head = url.slice(0, scheme.length + 3);
  const rest = url.slice(head.length);
  const stop = rest.search(/[/?#]/);
  const authority = stop === -1 ? rest : rest.slice(0, stop);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon !== -1 && colon < userinfo.length - 1) throw both();
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  return `${head}${user}:${encodeURIComponent(password)}@${authority.slice(at + 1)}${stop === -1 ? '' : rest.slice(stop)}`;
}

/**
 * `redis+cluster://[user:password@]h1:p1,h2:p2[?…]` and
 * `redis+sentinel://[user:password@]h1:p1,h2:p2/<master>[?sentinelPassword=…&sentinelUsername=…&db=N]`,
 * which WHATWG URL does not parse (several hosts), taken apart by hand.
 */
function multiHostTarget(url: string, scheme: string): RedisTarget {
  const cluster = scheme.endsWith('+cluster');
  const tls = scheme.startsWith('rediss');
  let rest = url.slice(scheme.length + 3);
  let query = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let path = '';
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    path = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  // The credentials end at the last '@' before the hosts (a password may hold '@' only percent-encoded, but be lenient).
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? '' : rest.slice(0, at);
  const hostList = at === -1 ? rest : rest.slice(at + 1);
  const auth: { username?: string; password?: string } = {};
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const user = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
    const password = colon === -1 ? '' : decode(userinfo.slice(colon + 1));
    if (user) auth.username = user;
    if (password) auth.password = password;
  }
  const defaultPort = cluster ? 6379 : 26379;
  const hosts = hostList
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => parseHost(item, defaultPort));
  const what = cluster ? 'redis+cluster://' : 'redis+sentinel://';
  if (hosts.length === 0) {
    throw new UsageError(
      `--redis: ${what} needs at least one host:port (e.g. ${cluster ? 'redis+cluster://10.0.0.1:6379,10.0.0.2:6379' : 'redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster'})`,
    );
  }
  const params = new URLSearchParams(query);
  const tlsOptions = tls ? { tls: tlsOptionsFor(hosts[0]!.host) } : {};
  if (cluster) {
    if (path !== '')
      throw new UsageError(
        `--redis: a redis+cluster:// URL takes no path (a cluster has only database 0; got "/${path}")`,
      );
    return { kind: 'cluster', nodes: hosts, redisOptions: { ...auth, ...tlsOptions } };
  }
  const name = decode(path);
  if (name === '')
    throw new UsageError(
      '--redis: a redis+sentinel:// URL needs the master name as its path, e.g. redis+sentinel://10.0.0.1:26379/mymaster',
    );
  const dbText = params.get('db');
  const db = dbText === null ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`--redis: "${dbText}" is not a database number`);
  const sentinelPassword = params.get('sentinelPassword');
  const sentinelUsername = params.get('sentinelUsername');
  return {
    kind: 'sentinel',
    options: {
      sentinels: hosts,
      name,
      db,
      ...auth,
      ...(sentinelPassword ? { sentinelPassword } : {}),
      ...(sentinelUsername ? { sentinelUsername } : {}),
      ...tlsOptions,
      ...(tls ? { enableTLSForSentinelMode: true } : {}),
    },
  };
}

/**
 * A JSON file that says where Redis is, for setups a URL says badly (several Sentinels
 * with their own credentials, say) or that keep secrets out of the command line:
 *   {"url": "redis://…"}                       any URL form above
 *   {"sentinels": ["10.0.0.1:26379", {"host": "10.0.0.2", "port": 26379}], "name": "mymaster",
 *    "username"?, "password"?, "sentinelUsername"?, "sentinelPassword"?, "db"?, "tls"?}
 *   {"cluster": ["10.0.0.1:7000", …], "username"?, "password"?, "tls"?}
 * Unknown keys are refused, so that a misspelt one is not silently ignored.
 */
function configFileTarget(path: string): RedisTarget {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw new UsageError(`--redis "${path}": not a URL (${URL_FORMS}), nor a readable JSON configuration file: ${why}`);
  }
  const fail = (what: string) => new UsageError(`--redis ${path}: ${what}`);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw fail('the file must hold a JSON object');
  const entries = config as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = entries[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw fail(`"${key}" must be a non-empty string`);
    return value;
  };
  const hostsOf = (key: string, defaultPort: number): RedisHost[] => {
    const value = entries[key];
    if (!Array.isArray(value) || value.length === 0)
      throw fail(`"${key}" must be a non-empty array of "host:port" strings or {"host", "port"} objects`);
    return value.map((item: unknown) => {
      if (typeof item === 'string') return parseHost(item, defaultPort);
      const { host, port } = (item ?? {}) as { host?: unknown; port?: unknown };
      if (
        typeof host !== 'string' ||
        host === '' ||
        !Number.isInteger(port) ||
        (port as number) < 1 ||
        (port as number) > 65_535
      ) {
        throw fail(`"${key}" holds ${JSON.stringify(item)}, which is not {"host": "…", "port": 1-65535}`);
      }
      return { host, port: port as number };
    });
  };
  const allowed = (keys: string[]) => {
    const unknown = Object.keys(entries).filter((key) => !keys.includes(key));
    if (unknown.length > 0)
      throw fail(
        `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} (known: ${keys.join(', ')})`,
      );
  };
  const tls = entries.tls;
  if (tls !== undefined && typeof tls !== 'boolean') throw fail('"tls" must be true or false');
  const auth = {
    ...(text('username') ? { username: text('username') } : {}),
    ...(text('password') ? { password: text('password') } : {}),
  };
  if ('url' in entries) {
    allowed(['url']);
    const url = text('url')!;
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url.toLowerCase().startsWith('file:'))
      throw fail('"url" must be a redis://, rediss://, unix://, redis+cluster:// or redis+sentinel:// URL');
    return redisTargetFromUrl(url);
  }
  if ('cluster' in entries) {
    allowed(['cluster', 'username', 'password', 'tls']);
    const nodes = hostsOf('cluster', 6379);
    return {
      kind: 'cluster',
      nodes,
      redisOptions: { ...auth, ...(tls ? { tls: tlsOptionsFor(nodes[0]!.host) } : {}) },
    };
  }
  if ('sentinels' in entries) {
    allowed(['sentinels', 'name', 'username', 'password', 'sentinelUsername', 'sentinelPassword', 'db', 'tls']);
    const sentinels = hostsOf('sentinels', 26379);
    const name = text('name');
    if (name === undefined) throw fail('"name" (the master name the Sentinels know) is missing');
    const db = entries.db ?? 0;
    if (!Number.isInteger(db) || (db as number) < 0) throw fail('"db" must be a database number');
    const sentinelUsername = text('sentinelUsername');
    const sentinelPassword = text('sentinelPassword');
    return {
      kind: 'sentinel',
      options: {
        sentinels,
        name,
        db: db as number,
        ...auth,
        ...(sentinelUsername ? { sentinelUsername } : {}),
        ...(sentinelPassword ? { sentinelPassword } : {}),
        ...(tls ? { tls: tlsOptionsFor(sentinels[0]!.host), enableTLSForSentinelMode: true } : {}),
      },
    };
  }
  throw fail('the file must hold "url", "sentinels" (with "name") or "cluster"');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError('--redis: the URL has a malformed percent-encoding');
  }
}

function parseHost(item: string, defaultPort: number): RedisHost {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(item);
  if (!match) throw new UsageError(`--redis: "${item}" is not a host[:port]`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--redis: "${item}" has no valid port`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The URL with its passwords replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
  // By hand rather than through URL: multi-host URLs do not parse, and must not leak either.
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@')
    .replace(/([?&](?:password|sentinelPassword)=)[^&#]*/g, '$1***');
}

/**
 * The key prefix to use on this connection. On a Redis Cluster, every multi-key command
 * and Lua script must touch keys of one hash slot, so the prefix must be a hash tag:
 * `logcluster` becomes `{logcluster}` (all of a cluster's keys then live on one master).
 * A prefix that holds a hash tag already is kept; one with a stray brace is refused. On
 * one Redis the prefix is used as given.
 */
export function effectivePrefix(redis: RedisClient, prefix: string): string {
  if (!redis.isCluster) return prefix;
  const open = prefix.indexOf('{');
  const close = open === -1 ? -1 : prefix.indexOf('}', open + 1);
  if (open !== -1 && close > open + 1) return prefix;
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new UsageError(
      `--prefix "${prefix}": on a Redis Cluster the prefix must hold a non-empty hash tag such as "{logcluster}", or no braces at all (it is then wrapped in braces)`,
    );
  }
  return `{${prefix}}`;
}

/**
 * The connection to the Redis server that holds `key`: the connection itself on one
 * Redis, the master owning the key's slot on a cluster. For commands about the server
 * (INFO) that a cluster would otherwise send to any node.
 */
export async function nodeForKey(redis: RedisClient, key: string): Promise<Redis> {
  if (!redis.isCluster) return redis as Redis;
  const cluster = redis as Cluster;
  const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
  const owner = cluster.slots[slot]?.[0];
  const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  if (!node) throw new Error(`no master of the Redis Cluster holds slot ${slot} (cluster state is changing?)`);
  return node;
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
export async function connectRedis(url: string, options: ConnectRedisOptions): Promise<RedisClient> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const target = redisTargetFromUrl(url);
  const common = {
    connectionName: options.connectionName,
    // BullMQ workers need commands to wait through reconnections rather than fail.
    maxRetriesPerRequest: null,
    connectTimeout: Math.min(timeoutMs, 10_000),
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
  };
  const redis: RedisClient =
    target.kind === 'cluster'
      ? new Cluster(target.nodes, {
          lazyConnect: true,
          redisOptions: { ...target.redisOptions, ...common },
          clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
          // A failover moves slots: look again soon rather than on the next MOVED only.
          slotsRefreshInterval: 2_000,
        })
      : new Redis({
          ...target.options,
          ...common,
          lazyConnect: true,
          ...(target.kind === 'sentinel'
            ? {
                sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
                // Reconnect, through the Sentinels, as soon as they announce a new master…
                failoverDetector: true,
                // …and when a demoted master refuses a write: resend it to the new one.
                reconnectOnError: (err: Error) => (/^READONLY/.test(err.message) ? 2 : false),
              }
            : {}),
        });
  let lastError: unknown;
  const onError = (err: unknown) => (lastError = err);
  redis.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new RedisUnavailableError(
            `cannot reach Redis at ${redactRedisUrl(url)} within ${timeoutMs / 1000} s${lastError ? `: ${errorMessage(lastError)}` : ''}`,
          ),
        );
      }, timeoutMs);
      const authFailure = (err: unknown) => {
        const code = redisErrorCode(err);
        if (code === 'WRONGPASS' || code === 'NOAUTH') {
          clearTimeout(timer);
          reject(
            new RedisAuthError(`Redis at ${redactRedisUrl(url)} refused the credentials: ${errorMessage(err)}`, {
              cause: err,
            }),
          );
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
 * Connects (see `connectRedis`) and works out the key prefix to use on that connection
 * (see `effectivePrefix`); a prefix that cannot be used closes the connection again.
 */
export async function connectWithPrefix(
  url: string,
  prefix: string,
  options: ConnectRedisOptions,
): Promise<{ redis: RedisClient; prefix: string }> {
  const redis = await connectRedis(url, options);
  try {
    return { redis, prefix: effectivePrefix(redis, prefix) };
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
}

/**
 * Closes a connection: politely (QUIT) when it is up, at once when it is not, so that
 * closing never fails nor waits on a Redis that went away.
 */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * Resolves if Redis answers PING within `timeoutMs`; rejects with why not. For health
 * checks: the connection queues commands while it reconnects, so a plain PING would wait.
 */
export async function checkRedis(redis: RedisClient, timeoutMs = 2_000): Promise<void> {
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
