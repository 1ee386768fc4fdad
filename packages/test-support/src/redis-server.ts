import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './polling.js';

export interface TestRedis {
  /** `unix:///…/redis.sock` (with `?password=…` when there is one) */
  url: string;
  /** `redis://[:password@]host:port` when asked for with `tcpHost`. */
  tcpUrl: string | undefined;
  dir: string;
  /** A plain client for assertions and set-up. */
  client: () => Redis;
  /** Kills the server (SIGKILL), as a crash would. */
  kill: () => Promise<void>;
  /** Starts the server again on the same socket and directory. */
  restart: () => Promise<void>;
  /** Stops the server and removes its directory. */
  stop: () => Promise<void>;
}

export interface TestRedisOptions {
  /** Extra redis-server arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
  /**
   * Also listen on TCP on this address (never 6379: a free port is picked), for clients
   * in other network namespaces, say a bridge address. `tcpUrl` is then set.
   */
  tcpHost?: string;
  /** `requirepass`: Redis takes clients from other hosts only with one (protected mode). `url`, `tcpUrl` and `client()` carry it. */
  password?: string;
}

/**
 * A redis-server of the test's own on a unix socket in a fresh temp dir: never the one
 * that may be running on 6379, and killable by fault tests.
 */
export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'logcluster-test-redis-'));
  const socket = join(dir, 'redis.sock');
  const clients: Redis[] = [];
  let server: ChildProcess | undefined;
  const { tcpHost, password } = options;
  let port = 0;
  try {
    if (tcpHost !== undefined) port = await freePort(tcpHost);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const tcp = tcpHost === undefined ? [] : ['--bind', tcpHost, '--port', String(port)];
  const auth = password === undefined ? [] : ['--requirepass', password];

  const launch = async () => {
    server = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--unixsocket',
        socket,
        '--unixsocketperm',
        '700',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        ...tcp,
        ...auth,
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await until(
      'the test redis-server to start',
      async () => {
        const probe = new Redis({
          path: socket,
          lazyConnect: true,
          enableReadyCheck: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        probe.on('error', () => {});
        try {
          await probe.connect();
          await probe.ping().catch((err: Error) => {
            // Up, and asking for a password (--requirepass): that is up.
            if (!/NOAUTH/.test(err.message)) throw err;
          });
          return true;
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 10_000, everyMs: 20 },
    );
  };

  const kill = async () => {
    const current = server;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGKILL');
    await exited;
  };

  try {
    await launch();
  } catch (err) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const secret = password === undefined ? '' : encodeURIComponent(password);
  return {
    url: `unix://${socket}${password === undefined ? '' : `?password=${secret}`}`,
    tcpUrl:
      tcpHost === undefined
        ? undefined
        : `redis://${password === undefined ? '' : `:${secret}@`}${tcpHost.includes(':') ? `[${tcpHost}]` : tcpHost}:${port}`,
    dir,
    client: () => {
      const client = new Redis({
        path: socket,
        ...(password === undefined ? {} : { password }),
        maxRetriesPerRequest: null,
      });
      clients.push(client);
      return client;
    },
    kill,
    restart: launch,
    stop: async () => {
      for (const client of clients) client.disconnect();
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nobody listens on at `host` just now. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  probe.listen(0, host);
  await once(probe, 'listening');
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  probe.close();
  await once(probe, 'close');
  if (!port) throw new Error(`no free TCP port on ${host}`);
  return port;
}
