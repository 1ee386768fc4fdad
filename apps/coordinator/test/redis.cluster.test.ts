import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunProgress, RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedisCluster,
  type TestSentinel,
  grepCounts,
  grepLineCount,
  redisCliAt,
  runCli,
  startCli,
  startTestRedisCluster,
  startTestSentinel,
  syntheticLog,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDS_2S, failedRequests, joinFlags, plainJoin, serviceErrors, writeJoinLogs } from './join-logs.js';

/*
 * logcluster beyond one Redis: a 3-master Redis Cluster and a Redis behind Sentinel,
 * both started here on ports of the test's own, with real workers and exact totals.
 */

let dir: string;
let log: string;
const PREFIX = 't-topology';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-topology-'));
  log = join(dir, 'service.log');
  await writeFile(log, syntheticLog({ lines: 50_000, seed: 71, crlf: 0.05 }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectGrepTotals(report: RunReport): void {
  expect(report.status).toBe('completed');
  expect(report.totals.lines).toBe(grepLineCount(log));
  expect(report.totals.chunksDeadLettered).toBe(0);
  expect(report.totals.chunksDone).toBe(report.totals.chunks);
  expect(report.totals.matches.ERROR).toEqual(grepCounts(log, { pattern: 'ERROR', ignoreCase: true }));
  expect(report.totals.matches.timeout).toEqual(grepCounts(log, { pattern: 'timeout', ignoreCase: true }));
}

async function startWorkers(url: string, names: string[]): Promise<CliProcess[]> {
  const workers = names.map((name) =>
    startCli(['worker', '--redis', url, '--prefix', PREFIX, '--threads', '1', '--name', name]),
  );
  await Promise.all(workers.map((worker) => worker.waitForStderr(/started/)));
  return workers;
}

describe('on a 3-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let workers: CliProcess[] = [];

  beforeAll(async () => {
    cluster = await startTestRedisCluster(3);
    workers = await startWorkers(cluster.url, ['cluster-a', 'cluster-b']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await cluster?.stop();
  });

  const connection = () => ['--redis', cluster.url, '--prefix', PREFIX];

  it('counts a multi-chunk run exactly, over two workers, and status, report, runs and dlq work against it', async () => {
    const submitted = await runCli([
      'submit',
      ...connection(),
      '--json',
      '--chunk-size',
      '16KiB',
      '-i',
      '-p',
      'ERROR',
      '-p',
      'timeout',
      log,
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const report = JSON.parse(submitted.stdout) as RunReport;
    expectGrepTotals(report);
    expect(report.totals.chunks).toBeGreaterThan(20);
    expect(Object.keys(report.workers).sort()).toEqual(['cluster-a', 'cluster-b']);
    expect(report.workers['cluster-a']! + report.workers['cluster-b']!).toBe(report.totals.chunks);
    // Each worker says which prefix it uses: the given one, made a hash tag.
    for (const worker of workers) expect(worker.stderr()).toContain(`prefix {${PREFIX}}`);

    const status = await runCli(['status', ...connection(), '--json', report.runId]);
    expect(status.code).toBe(0);
    const progress = JSON.parse(status.stdout) as RunProgress;
    expect(progress).toMatchObject({
      status: 'completed',
      allEnqueued: true,
      chunks: report.totals.chunks,
      chunksDone: report.totals.chunks,
      lines: report.totals.lines,
    });

    const again = await runCli(['report', ...connection(), '--json', report.runId]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as RunReport).totals).toEqual(report.totals);

    const runs = await runCli(['runs', ...connection(), '--json']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toContain(report.runId);

    const dlq = await runCli(['dlq', 'list', ...connection(), '--json']);
    expect(dlq.code).toBe(0);
    expect(JSON.parse(dlq.stdout)).toEqual([]);

    // Every key logcluster and BullMQ wrote carries the hash tag {t-topology}: one slot.
    const slot = redisCliAt(cluster.ports[0]!, ['cluster', 'keyslot', `{${PREFIX}}`]).trim();
    let keys = 0;
    for (const port of cluster.ports) {
      const found = redisCliAt(port, ['--scan'])
        .split('\n')
        .filter((key) => key !== '');
      for (const key of found) expect(key.startsWith(`{${PREFIX}}:`)).toBe(true);
      if (found.length > 0)
        expect(redisCliAt(port, ['cluster', 'countkeysinslot', slot]).trim()).toBe(String(found.length));
      keys += found.length;
    }
    expect(keys).toBeGreaterThan(0);
  }, 60_000);

  it('joins two sources exactly: chunks and reduce jobs over two workers, every partition in the slot of the run', async () => {
    const gateway = join(dir, 'gateway.log');
    const service = join(dir, 'db.log');
    writeJoinLogs(gateway, service, 3_000, 5);
    const submitted = await runCli([
      'submit',
      ...connection(),
      '--json',
      '--chunk-size',
      '16KiB',
      '--within',
      '2s',
      ...joinFlags(gateway, service),
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const report = JSON.parse(submitted.stdout) as RunReport;
    expect(report.status).toBe('completed');
    const { key: _key, within: _within, partitions, ...figures } = report.join!;
    expect(partitions).toEqual({ total: partitions.total, reduced: partitions.total, deadLettered: 0 });
    expect(figures).toEqual(plainJoin(failedRequests(gateway), serviceErrors(service), 2000, BOUNDS_2S));
    expect(figures.pairs).toBeGreaterThan(20);
  });

  it('refuses a prefix with a stray brace on a cluster, naming the fix', async () => {
    const result = await runCli(['status', '--redis', cluster.url, '--prefix', 'bad{', 'r-x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/hash tag such as "\{logcluster\}"/);
  });
});

describe('behind Sentinel', () => {
  let sentinel: TestSentinel;
  let workers: CliProcess[] = [];

  beforeAll(async () => {
    sentinel = await startTestSentinel();
    workers = await startWorkers(sentinel.url, ['sentinel-a']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await sentinel?.stop();
  });

  it('finds the master through the Sentinel and counts a run exactly', async () => {
    const submitted = await runCli([
      'submit',
      '--redis',
      sentinel.url,
      '--prefix',
      PREFIX,
      '--json',
      '--chunk-size',
      '16KiB',
      '-i',
      '-p',
      'ERROR',
      '-p',
      'timeout',
      log,
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const report = JSON.parse(submitted.stdout) as RunReport;
    expectGrepTotals(report);
    expect(report.workers).toEqual({ 'sentinel-a': report.totals.chunks });
    // The run lives on the master the Sentinel named.
    expect(redisCliAt(sentinel.masterPort, ['exists', `${PREFIX}:run:${report.runId}`]).trim()).toBe('1');
  }, 60_000);

  it('takes the Sentinel setup from a JSON configuration file instead of a URL', async () => {
    const config = join(dir, 'redis-sentinel.json');
    await writeFile(config, JSON.stringify({ sentinels: [`127.0.0.1:${sentinel.sentinelPort}`], name: 'mymaster' }));
    const submitted = await runCli([
      'submit',
      '--redis',
      config,
      '--prefix',
      PREFIX,
      '--json',
      '--chunk-size',
      '16KiB',
      '-i',
      '-p',
      'ERROR',
      '-p',
      'timeout',
      log,
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const report = JSON.parse(submitted.stdout) as RunReport;
    expectGrepTotals(report);
    expect(redisCliAt(sentinel.masterPort, ['exists', `${PREFIX}:run:${report.runId}`]).trim()).toBe('1');
  }, 60_000);

  it('says what is wrong with a sentinel URL without a master name', async () => {
    const result = await runCli(['status', '--redis', `redis+sentinel://127.0.0.1:${sentinel.sentinelPort}`, 'r-x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs the master name/);
  });
});
