import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RedisServerMissingError, RedisUnavailableError, errorMessage } from '@logcluster/core';
import { type SpawnedRedis, spawnRedis } from './redis-spawn.js';

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

  /** Starts a Redis (or takes over `spawned`, started earlier: redis-spawn.ts) and waits until it listens. */
  static async start(spawned?: SpawnedRedis): Promise<EmbeddedRedis> {
    let launched: SpawnedRedis;
    try {
      launched = spawned ?? spawnRedis();
    } catch (err) {
      throw new RedisUnavailableError(`cannot start redis-server: ${errorMessage(err)}`, { cause: err });
    }
    const { dir, socket, server, watchdog } = launched;
    const started = await launched.spawned;
    if (started !== null || watchdog === null) {
      await rm(dir, { recursive: true, force: true });
      if (started?.code === 'ENOENT')
        throw new RedisServerMissingError(
          `logcluster analyze needs redis-server, which is not on the PATH: ${INSTALL_HINT}`,
        );
      throw new RedisUnavailableError(`cannot start redis-server: ${started?.message ?? 'no process'}`, {
        cause: started,
      });
    }
    const redis = new EmbeddedRedis(dir, `unix://${socket}`, server, watchdog);
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
