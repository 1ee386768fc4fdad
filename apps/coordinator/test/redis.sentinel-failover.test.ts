import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestSentinel,
  grepCounts,
  grepLineCount,
  redisCliAt,
  runCli,
  sentinelMasterPort,
  startCli,
  startTestSentinel,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * A Sentinel failover in the middle of a run: a master with one replica and a Sentinel,
 * started here; `SENTINEL FAILOVER` once the worker has counted some chunks. The run must
 * go on against the promoted replica and end with grep's totals, recorded there.
 */

const PREFIX = 't-failover';
let dir: string;
let log: string;
let sentinel: TestSentinel;
let worker: CliProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-failover-'));
  log = join(dir, 'service.log');
  await writeFile(log, syntheticLog({ lines: 300_000, seed: 83, crlf: 0.05 }));
  sentinel = await startTestSentinel({ replicas: 1 });
}, 60_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await sentinel?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Chunks counted so far in the one run under the prefix on the master at `port`, or 0. */
function chunksDone(port: number): number {
  const key = redisCliAt(port, ['--scan', '--pattern', `${PREFIX}:run:*:counts`])
    .trim()
    .split('\n')[0];
  if (!key) return 0;
  return Number(redisCliAt(port, ['hget', key, 'done']).trim() || 0);
}

describe('a Sentinel failover during a run', () => {
  it('goes on against the promoted replica and ends with exact totals, recorded there', async () => {
    const oldMaster = sentinel.masterPort;
    worker = startCli([
      'worker',
      '--redis',
      sentinel.url,
      '--prefix',
      PREFIX,
      '--threads',
      '1',
      '--concurrency',
      '1',
      '--name',
      'failover-a',
    ]);
    await worker.waitForStderr(/started/);

    const submitted = runCli(
      [
        'submit',
        '--redis',
        sentinel.url,
        '--prefix',
        PREFIX,
        '--json',
        '--chunk-size',
        '4KiB',
        '-i',
        '-p',
        'ERROR',
        log,
      ],
      { timeoutMs: 150_000 },
    );
    await until('the worker to count a chunk', () => chunksDone(oldMaster) > 0, { timeoutMs: 60_000 });
    redisCliAt(sentinel.sentinelPort, ['sentinel', 'failover', sentinel.masterName]);
    await until(
      'the Sentinel to name the replica as master',
      () => sentinel.replicaPorts.includes(sentinelMasterPort(sentinel)),
      { timeoutMs: 30_000 },
    );
    const newMaster = sentinelMasterPort(sentinel);
    expect(sentinel.replicaPorts).toContain(newMaster);

    const result = await submitted;
    expect(result.code, result.stderr).toBe(0);
    // The coordinator noticed the new master (its run_id differs) and checked the run there.
    expect(result.stderr).toMatch(
      /Redis restarted: run r-\S+ checked against what was enqueued|failed over to a new master/,
    );
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.totals.lines).toBe(grepLineCount(log));
    expect(report.totals.matches.ERROR).toEqual(grepCounts(log, { pattern: 'ERROR', ignoreCase: true }));
    expect(report.totals.chunksDone).toBe(report.totals.chunks);
    expect(report.totals.chunksDeadLettered).toBe(0);

    // The finished run is what the new master holds, and status there agrees.
    expect(redisCliAt(newMaster, ['hget', `${PREFIX}:run:${report.runId}`, 'status']).trim()).toBe('completed');
    const again = await runCli(['report', '--redis', sentinel.url, '--prefix', PREFIX, '--json', report.runId]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as RunReport).totals).toEqual(report.totals);
  }, 180_000);
});
