import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerMissingError, RedisUnavailableError } from '@logcluster/core';

const INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) ' +
  'or point logcluster at a running Redis with --redis <url>';

/**
 * A private `redis-server` for one `analyze`: it listens only on a unix socket in a
 * fresh temp dir, keeps nothing on disk, and is gone with the directory afterwards.
 */
export class EmbeddedRedis {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly url: string,
    private readonly server: ChildProcess,
    private readonly watchdog: ChildProcess,
  ) {}

  static async start(): Promise<EmbeddedRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'logcluster-'));
    const socket = join(dir, 'redis.sock');
    const args = [
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
      '--maxmemory-policy',
      'noeviction',
      '--logfile',
      join(dir, 'redis.log'),
    ];
    // Own process group: Ctrl-C in the terminal goes to us, and we stop Redis in order,
    // after the worker pool, rather than have it die under the run.
    const server = spawn('redis-server', args, { stdio: 'ignore', detached: true });
    const started = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      server.once('spawn', () => resolve(null));
      server.once('error', (err) => resolve(err));
    });
    if (started !== null) {
      await rm(dir, { recursive: true, force: true });
      if (started.code === 'ENOENT')
        throw new RedisServerMissingError(
          `logcluster analyze needs redis-server, which is not on the PATH: ${INSTALL_HINT}`,
        );
      throw new RedisUnavailableError(`cannot start redis-server: ${started.message}`, { cause: started });
    }
    const watchdog = startWatchdog(server.pid!, dir);
    const redis = new EmbeddedRedis(dir, `unix://${socket}`, server, watchdog);
    server.unref();
    try {
      await waitForSocket(server, socket, dir);
    } catch (err) {
      await redis.stop();
      throw err;
    }
    return redis;
  }

  /** Stops Redis and removes its directory. Safe to call more than once. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      if (this.server.exitCode === null && this.server.signalCode === null) {
        // It keeps nothing, so there is nothing for a graceful shutdown to save. The child
        // was unref'd so that it never keeps us alive by itself; ref it while we wait for
        // it, or the event loop could drain before its exit is seen.
        const exited = once(this.server, 'exit');
        this.server.ref();
        this.server.kill('SIGKILL');
        await exited;
      }
      await rm(this.dir, { recursive: true, force: true });
      // Our own clean-up ran; the watchdog has nothing left to do.
      this.watchdog.kill('SIGKILL');
    })());
  }
}

/**
 * A shell that waits for its stdin to close and then kills Redis and removes the
 * directory. Its stdin is a pipe from us, so it closes when we exit for any reason,
 * including SIGKILL, where none of our own clean-up can run.
 */
function startWatchdog(pid: number, dir: string): ChildProcess {
  const script = 'read _ignored; kill "$1" 2>/dev/null; sleep 0.2; kill -9 "$1" 2>/dev/null; rm -rf "$2"';
  const watchdog = spawn('sh', ['-c', script, 'logcluster-redis-watchdog', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

async function waitForSocket(server: ChildProcess, socket: string, dir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      const log = await readFile(join(dir, 'redis.log'), 'utf8').catch(() => '');
      throw new RedisUnavailableError(
        `redis-server exited at start (code ${server.exitCode}): ${log.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    try {
      await access(socket);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  throw new RedisUnavailableError('redis-server did not open its socket within 10 s');
}
