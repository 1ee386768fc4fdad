import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Starting analyze's private redis-server, with nothing but Node's built-in modules: the
 * `logcluster` command starts it before it loads the CLI bundle (early-start.ts), and
 * `EmbeddedRedis` takes it over once analyze asks for it; one without a Redis started
 * early (in-process, the bench) starts its own.
 */

/** A redis-server just spawned on a unix socket in a fresh temp dir, and its watchdog. */
export interface SpawnedRedis {
  dir: string;
  socket: string;
  server: ChildProcess;
  /** Null once the process runs, or why it could not be started (ENOENT: not on the PATH). */
  spawned: Promise<NodeJS.ErrnoException | null>;
  /** Null when the server could not be spawned. */
  watchdog: ChildProcess | null;
}

/** Spawns a redis-server that listens only on a unix socket in a fresh temp dir and keeps nothing on disk. */
export function spawnRedis(): SpawnedRedis {
  const dir = mkdtempSync(join(tmpdir(), 'logcluster-'));
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
  let server: ChildProcess;
  try {
    server = spawn('redis-server', args, { stdio: 'ignore', detached: true });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const spawned = new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('spawn', () => resolve(null));
    server.once('error', (err) => resolve(err));
  });
  // Never keeps us alive by itself: whoever waits for it refs it meanwhile.
  server.unref();
  const watchdog = server.pid === undefined ? null : startWatchdog(server.pid, dir);
  return { dir, socket, server, spawned, watchdog };
}

/**
 * Kills `redis` and removes its directory as the process exits, unless its owner has
 * stopped it before: for one started before anything could own it (early-start.ts).
 */
export function stopAtExit(redis: SpawnedRedis): void {
  process.once('exit', () => {
    if (redis.server.exitCode === null && redis.server.signalCode === null) redis.server.kill('SIGKILL');
    try {
      rmSync(redis.dir, { recursive: true, force: true });
    } catch {
      // Redis was still making a file there: its watchdog removes the directory.
      return;
    }
    redis.watchdog?.kill('SIGKILL');
  });
}

/**
 * A shell that waits for its stdin to close and then kills Redis and removes the
 * directory. Its stdin is a pipe from us, so it closes when we exit for any reason,
 * including SIGKILL, where none of our own clean-up can run.
 */
function startWatchdog(pid: number, dir: string): ChildProcess {
  const script = 'read _ignored; kill "$1" 2>/dev/null; sleep 0.2; kill -9 "$1" 2>/dev/null; rm -rf "$2"';
  const watchdog = spawn('/bin/sh', ['-c', script, 'logcluster-redis-watchdog', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // One that could not start leaves the clean-up to us, as when we are not killed.
  watchdog.once('error', () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}
