import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CHUNKS_PER_JOB, type RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type NetnsNetwork,
  type TestRedis,
  clusterFlags,
  createNetnsNetwork,
  grepCounts,
  grepLineCount,
  netnsUnavailable,
  runCli,
  startCli,
  startTestRedis,
  syntheticLog,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Horizontal scale without containers: three `logcluster worker` processes against one
// Redis — each on a host of its own (a network namespace on a bridge, reaching Redis over
// TCP) when running as root where `ip netns` works, plain processes otherwise
// (LOGCLUSTER_TEST_NO_NETNS=1 forces those) — and a run spread over all of them.

const PREFIX = 't-scale';
const NAMES = ['host-1', 'host-2', 'host-3'];
const CHUNK_SIZE = 16 * 1024;
/**
 * Chunks whose bytes go through Redis travel up to 64 to a 1 MiB job, and a worker with
 * --concurrency 1 holds one job at a time. With many more jobs than workers, each job
 * added while the others are busy wakes an idle worker (Redis serves blocked clients
 * longest-waiting first), so every worker gets jobs; 20 MiB in 16 KiB chunks is about 20.
 */
const MIN_JOBS = 12;

const unavailable = await netnsUnavailable();
const MODE =
  unavailable === undefined
    ? 'hosts in separate network namespaces'
    : `plain processes (no namespaces: ${unavailable})`;
console.log(`cluster.scale: ${NAMES.length} workers as ${MODE}`);

let dir: string | undefined;
let file = '';
let network: NetnsNetwork | undefined;
let redis: TestRedis | undefined;
let workers: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-scale-'));
  file = join(dir, 'scale.log');
  await writeFile(file, syntheticLog({ lines: 340_000, seed: 2026 }));
  if (unavailable === undefined) {
    network = await createNetnsNetwork(NAMES.length);
    console.log(
      `cluster.scale: bridge ${network.bridge} at ${network.gateway}, hosts ${network.hosts.map((host) => `${host.namespace} ${host.address}`).join(', ')}`,
    );
    // Clients from other hosts: Redis listens on the bridge and wants a password.
    redis = await startTestRedis({ tcpHost: network.gateway, password: randomBytes(12).toString('hex') });
  } else {
    redis = await startTestRedis();
  }
  const url = redis.tcpUrl ?? redis.url;
  workers = NAMES.map((name, i) =>
    startCli(['worker', ...clusterFlags(url, PREFIX), '--name', name, '--threads', '1', '--concurrency', '1'], {
      via: network?.hosts[i]!.via,
    }),
  );
  // Every worker is up and waiting for jobs before anything is submitted.
  await Promise.all(workers.map((worker) => worker.waitForStderr(/started/)));
});

afterAll(async () => {
  // Each step runs whatever happened before it; the first failure is reported at the end.
  const failures: unknown[] = [];
  const step = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (err) {
      failures.push(err);
    }
  };
  await step(() => Promise.all(workers.map((worker) => worker.stop('SIGKILL'))));
  await step(async () => network?.teardown());
  await step(async () => redis?.stop());
  await step(async () => dir && rm(dir, { recursive: true, force: true }));
  if (failures.length > 0) throw failures[0];
});

interface ClientEntry {
  name: string;
  /** The peer's IP address, or the socket path for unix-socket clients. */
  host: string;
}

function parseClientList(text: string): ClientEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = new Map(
        line
          .trim()
          .split(' ')
          .map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)]),
      );
      const addr = fields.get('addr') ?? '';
      return { name: fields.get('name') ?? '', host: addr.slice(0, addr.lastIndexOf(':')) };
    });
}

describe(`scale out: ${NAMES.length} worker processes as ${MODE}`, () => {
  it('spreads a run of many jobs over every worker, with totals equal to grep', async () => {
    const result = await runCli([
      'submit',
      ...clusterFlags(redis!.url, PREFIX),
      '--json',
      '--chunk-size',
      `${CHUNK_SIZE / 1024}KiB`,
      file,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.totals.lines).toBe(grepLineCount(file));
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
    // Clearly more jobs than workers: chunks are a little under 16 KiB (they end at a
    // newline), so 64 of them fill a job.
    expect(report.totals.chunks).toBeGreaterThanOrEqual(MIN_JOBS * MAX_CHUNKS_PER_JOB);
    console.log(
      `cluster.scale: ${report.totals.chunks} chunks in about ${Math.ceil(report.totals.chunks / MAX_CHUNKS_PER_JOB)} jobs, per worker ${JSON.stringify(report.workers)}`,
    );

    // Every worker counted, and between them every chunk once.
    expect(Object.keys(report.workers).sort()).toEqual(NAMES);
    for (const name of NAMES) expect(report.workers[name]).toBeGreaterThan(0);
    expect(NAMES.reduce((sum, name) => sum + report.workers[name]!, 0)).toBe(report.totals.chunks);

    // Where they connected from: each worker's connection is there; with namespaces,
    // from its own host's address, and the TCP clients are exactly the three hosts.
    const clients = parseClientList(String(await redis!.client().call('CLIENT', 'LIST')));
    for (const [i, name] of NAMES.entries()) {
      const own = clients.filter((client) => client.name === `logcluster-worker:${name}`);
      expect(own.length, `connections named logcluster-worker:${name}`).toBeGreaterThan(0);
      if (network) for (const client of own) expect(client.host).toBe(network.hosts[i]!.address);
    }
    if (network) {
      const prefix = network.subnetPrefix;
      const addresses = new Set(clients.map((client) => client.host).filter((host) => host.startsWith(prefix)));
      expect([...addresses].sort()).toEqual(network.hosts.map((host) => host.address).sort());
    }

    // Each worker's own tally, as it reports it on SIGTERM, agrees with the report.
    const codes = await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    for (const [i, name] of NAMES.entries()) {
      expect(workers[i]!.stderr()).toContain(`worker ${name} stopped after counting ${report.workers[name]} chunks`);
    }
  });
});
