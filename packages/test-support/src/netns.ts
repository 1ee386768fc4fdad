import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Separate "hosts" on one machine, for tests that need workers on different network
 * addresses: each host is a network namespace joined by a veth pair to a Linux bridge
 * in the root namespace, whose address (the gateway) is where a test's Redis listens.
 *
 * Names carry the test process's pid (`lct-<pid>-h<i>` namespaces, `lct<pid>br` bridge,
 * `lct<pid>v<i>` veths), and each network gets a /24 of 10.77.0.0/16 that no interface
 * uses yet, so that test runs in parallel do not collide. Leftovers of a run that was
 * killed before its teardown (its pid is gone) are removed by the next one.
 */

const exec = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('ip', args, { encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: err });
  }
}

/** Env var that makes tests use plain processes even where namespaces would work. */
export const NO_NETNS_ENV = 'LOGCLUSTER_TEST_NO_NETNS';

/**
 * Why namespaced hosts cannot be used here (not root, no `ip netns`, no bridges, or
 * `LOGCLUSTER_TEST_NO_NETNS` set), or undefined when they can: it tries creating and
 * deleting a namespace, a bridge and a veth pair.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.env[NO_NETNS_ENV]) return `${NO_NETNS_ENV} is set`;
  if (process.getuid?.() !== 0) return 'not running as root';
  const namespace = `lct-${process.pid}-probe`;
  const link = `lct${process.pid}p`;
  try {
    await ip('netns', 'add', namespace);
    await ip('link', 'add', link, 'type', 'bridge');
    await ip('link', 'add', `${link}v`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await ip('link', 'del', `${link}v`).catch(() => {});
    await ip('link', 'del', link).catch(() => {});
    await ip('netns', 'del', namespace).catch(() => {});
  }
}

export interface NetnsHost {
  /** The network namespace, e.g. `lct-1234-h1`. */
  namespace: string;
  /** Its address on the bridge, e.g. `10.77.42.11`. */
  address: string;
  /** Prefix that runs a command on this host: `['ip', 'netns', 'exec', namespace]`. */
  via: string[];
}

export interface NetnsNetwork {
  bridge: string;
  /** The bridge's address in the root namespace: listen here to serve the hosts. */
  gateway: string;
  /** e.g. `10.77.42.` — every address of this network starts with it. */
  subnetPrefix: string;
  hosts: NetnsHost[];
  /**
   * Kills whatever still runs in the hosts, removes namespaces, veths and bridge, and
   * checks that none is left. Safe to call twice, and after a partial set-up.
   */
  teardown: () => Promise<void>;
}

/** Creates `count` hosts (1 ≤ count ≤ 200) on a fresh bridge; host i (1-based) is `.<10 + i>`. */
export async function createNetnsNetwork(count: number): Promise<NetnsNetwork> {
  if (!Number.isInteger(count) || count < 1 || count > 200)
    throw new Error(`createNetnsNetwork: count must be 1…200, got ${count}`);
  await removeLeftovers();
  const tag = `lct${process.pid}`;
  const bridge = `${tag}br`;
  const third = await unusedSubnet();
  const subnetPrefix = `10.77.${third}.`;
  const gateway = `${subnetPrefix}1`;
  const hosts: NetnsHost[] = [];
  for (let i = 1; i <= count; i++) {
    const namespace = `lct-${process.pid}-h${i}`;
    hosts.push({ namespace, address: `${subnetPrefix}${10 + i}`, via: ['ip', 'netns', 'exec', namespace] });
  }
  const veth = (i: number) => `${tag}v${i}`;

  const teardown = async () => {
    const problems: string[] = [];
    for (const [index, host] of hosts.entries()) {
      for (const pid of await pidsIn(host.namespace)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      await ip('link', 'del', veth(index + 1)).catch(() => {});
      await ip('netns', 'del', host.namespace).catch(() => {});
    }
    await ip('link', 'del', bridge).catch(() => {});
    const namespaces = await ip('netns', 'list').catch(() => '');
    const links = await ip('-o', 'link', 'show').catch(() => '');
    for (const host of hosts)
      if (namespaces.split('\n').some((line) => line.split(' ')[0] === host.namespace))
        problems.push(`namespace ${host.namespace}`);
    for (const name of [bridge, ...hosts.map((_, index) => veth(index + 1))])
      if (linkNames(links).includes(name)) problems.push(`link ${name}`);
    if (problems.length > 0) throw new Error(`netns teardown left ${problems.join(', ')}`);
  };

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (const [index, host] of hosts.entries()) {
      const rootEnd = veth(index + 1);
      await ip('netns', 'add', host.namespace);
      // The other end is created inside the namespace, where it is the host's eth0.
      await ip('link', 'add', rootEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace);
      await ip('link', 'set', rootEnd, 'master', bridge);
      await ip('link', 'set', rootEnd, 'up');
      await ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      await ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
      await ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }
  return { bridge, gateway, subnetPrefix, hosts, teardown };
}

async function pidsIn(namespace: string): Promise<number[]> {
  const out = await ip('netns', 'pids', namespace).catch(() => '');
  return out
    .split('\n')
    .filter((line) => /^\d+$/.test(line.trim()))
    .map(Number);
}

function linkNames(ipOLinkShow: string): string[] {
  // "7: lct123v1@if2: <BROADCAST,…" → "lct123v1"
  return ipOLinkShow
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces and links of test runs whose process is gone. */
async function removeLeftovers(): Promise<void> {
  const namespaces = (await ip('netns', 'list').catch(() => '')).split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const namespace of namespaces) {
    const owner = /^lct-(\d+)-/.exec(namespace)?.[1];
    if (owner === undefined || alive(Number(owner))) continue;
    for (const pid of await pidsIn(namespace)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await ip('netns', 'del', namespace).catch(() => {});
  }
  for (const name of linkNames(await ip('-o', 'link', 'show').catch(() => ''))) {
    const owner = /^lct(\d+)(?:br|v\d+|p|pv)$/.exec(name)?.[1];
    if (owner !== undefined && !alive(Number(owner))) await ip('link', 'del', name).catch(() => {});
  }
}

/** A third octet x such that no interface has an address in 10.77.x.0/24 (0 is left to scripts/scale-demo). */
async function unusedSubnet(): Promise<number> {
  const used = new Set<number>();
  for (const match of (await ip('-4', '-o', 'addr', 'show')).matchAll(/inet 10\.77\.(\d+)\./g))
    used.add(Number(match[1]));
  const start = 1 + (process.pid % 254);
  for (let k = 0; k < 254; k++) {
    const third = 1 + ((start - 1 + k) % 254);
    if (!used.has(third)) return third;
  }
  throw new Error('no free /24 left in 10.77.0.0/16');
}
