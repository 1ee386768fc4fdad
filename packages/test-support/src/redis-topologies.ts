import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './polling.js';

/** Redis servers on TCP ports of the test's own (127.0.0.1), in one temp dir. */
interface ServerSet {
  dir: string;
  /** Kills every server (SIGKILL) and removes the directory; safe to call twice. */
  stop: () => Promise<void>;
}

export interface TestRedisCluster extends ServerSet {
  /** The masters' ports. */
  ports: number[];
  /** `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>` */
  url: string;
}

export interface TestSentinel extends ServerSet {
  masterPort: number;
  /** Replica ports (empty unless asked for). */
  replicaPorts: number[];
  sentinelPort: number;
  masterName: string;
  /** `redis+sentinel://127.0.0.1:<sentinelPort>/<masterName>` */
  url: string;
}

/** Whether a TCP port on 127.0.0.1 can be bound now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port whose cluster bus port (+10000) is free too, from a range away from the
 * usual services (6379, 26379) and from the kernel's ephemeral ports.
 */
async function freePort(taken: Set<number>, withBus: boolean): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port) || (withBus && taken.has(port + 10_000))) continue;
    if ((await portFree(port)) && (!withBus || (await portFree(port + 10_000)))) {
      taken.add(port);
      if (withBus) taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port found for a test redis-server');
}

function redisCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts servers in a fresh dir and gives back what is needed to stop them all. */
async function serverSet(): Promise<{
  dir: string;
  launch: (args: string[]) => ChildProcess;
  stop: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'logcluster-test-topology-'));
  const children: ChildProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }),
      );
      await rm(dir, { recursive: true, force: true });
    })());
  const launch = (args: string[]) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', () => {});
    children.push(child);
    return child;
  };
  return { dir, launch, stop };
}

function pingable(port: number): boolean {
  return redisCli(['-p', String(port), 'ping']).stdout.trim() === 'PONG';
}

/**
 * A Redis Cluster of `masters` masters (no replicas) on 127.0.0.1, created with
 * `redis-cli --cluster create`, returned once `cluster_state:ok`. Everything is killed
 * and removed if starting fails.
 */
export async function startTestRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const set = await serverSet();
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freePort(taken, true));
    for (const port of ports) {
      set.launch([
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(set.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        set.dir,
        '--daemonize',
        'no',
      ]);
    }
    await until('the cluster nodes to start', () => ports.every(pingable), { timeoutMs: 10_000, everyMs: 100 });
    const created = redisCli([
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await until(
      'the cluster to reach cluster_state:ok',
      () => ports.every((port) => /cluster_state:ok/.test(redisCli(['-p', String(port), 'cluster', 'info']).stdout)),
      { timeoutMs: 20_000, everyMs: 100 },
    );
    return {
      dir: set.dir,
      ports,
      url: `redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1] ?? ports[0]}`,
      stop: set.stop,
    };
  } catch (err) {
    await set.stop();
    throw err;
  }
}

/**
 * One master (plus `replicas` replicas) watched by one Sentinel with quorum 1, on
 * 127.0.0.1; returned once the Sentinel knows the master (and its replicas).
 */
export async function startTestSentinel({
  replicas = 0,
  masterName = 'mymaster',
}: { replicas?: number; masterName?: string } = {}): Promise<TestSentinel> {
  const set = await serverSet();
  try {
    const taken = new Set<number>();
    const masterPort = await freePort(taken, false);
    const replicaPorts: number[] = [];
    for (let i = 0; i < replicas; i++) replicaPorts.push(await freePort(taken, false));
    const sentinelPort = await freePort(taken, false);
    // No delay before a replica's first full sync (Redis waits 5 s by default, to batch replicas).
    const common = [
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      set.dir,
      '--daemonize',
      'no',
      '--repl-diskless-sync-delay',
      '0',
    ];
    set.launch(['--port', String(masterPort), ...common]);
    for (const port of replicaPorts)
      set.launch(['--port', String(port), '--replicaof', '127.0.0.1', String(masterPort), ...common]);
    await until('the master and replicas to start', () => [masterPort, ...replicaPorts].every(pingable), {
      timeoutMs: 10_000,
      everyMs: 100,
    });
    // A replica that has not finished its first sync holds nothing: promoting it would lose everything.
    await until(
      'the replicas to finish their first sync',
      () =>
        replicaPorts.every((port) =>
          /master_link_status:up/.test(redisCli(['-p', String(port), 'info', 'replication']).stdout),
        ),
      { timeoutMs: 15_000, everyMs: 100 },
    );
    const conf = join(set.dir, 'sentinel.conf');
    await writeFile(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${set.dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        '',
      ].join('\n'),
    );
    set.launch([conf, '--sentinel']);
    await until(
      'the sentinel to see the master and its replicas',
      () => {
        const out = redisCli(['-p', String(sentinelPort), 'sentinel', 'replicas', masterName]);
        if (out.status !== 0 || /ERR/.test(out.stdout)) return false;
        return replicaPorts.every((port) => out.stdout.includes(String(port)));
      },
      { timeoutMs: 15_000, everyMs: 100 },
    );
    return {
      dir: set.dir,
      masterPort,
      replicaPorts,
      sentinelPort,
      masterName,
      url: `redis+sentinel://127.0.0.1:${sentinelPort}/${masterName}`,
      stop: set.stop,
    };
  } catch (err) {
    await set.stop();
    throw err;
  }
}

/** The port of the master the Sentinel names now. */
export function sentinelMasterPort(sentinel: TestSentinel): number {
  const out = redisCli([
    '-p',
    String(sentinel.sentinelPort),
    'sentinel',
    'get-master-addr-by-name',
    sentinel.masterName,
  ])
    .stdout.trim()
    .split('\n');
  return Number(out[1]);
}

/** Runs `redis-cli` against a port of a test topology; throws unless it exits 0. */
export function redisCliAt(port: number, args: string[]): string {
  const result = redisCli(['-p', String(port), ...args]);
  if (result.status !== 0) throw new Error(`redis-cli -p ${port} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
