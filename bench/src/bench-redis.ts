import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis } from '@logcluster/core';

/** A redis-server of the benchmark's own, on a unix socket, started fresh for each measurement that reads its memory peak. */
export class BenchRedis {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly server: ChildProcess,
  ) {}

  static async start(): Promise<BenchRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'logcluster-bench-redis-'));
    const socket = join(dir, 'redis.sock');
    const server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'], {
      stdio: 'ignore',
    });
    const redis = new BenchRedis(`unix://${socket}`, dir, server);
    const client = await connectRedis(redis.url, { connectionName: 'bench' });
    client.disconnect();
    return redis;
  }

  async usedMemoryPeak(): Promise<number> {
    const client = await connectRedis(this.url, { connectionName: 'bench' });
    try {
      return Number(/^used_memory_peak:(\d+)/m.exec(await client.info('memory'))?.[1] ?? 0);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    const exited = once(this.server, 'exit');
    this.server.kill('SIGTERM');
    await exited;
    await rm(this.dir, { recursive: true, force: true });
  }
}
