import { readFile } from 'node:fs/promises';
import type { RunProgress, RunReport } from '@logcluster/core';
import { type CliProcess, runCli, startCli } from './cli.js';
import { until } from './polling.js';

/** Connection flags for a test's own Redis and prefix. */
export function clusterFlags(url: string, prefix: string): string[] {
  return ['--redis', url, '--prefix', prefix];
}

/**
 * A `logcluster worker` with short lock and stalled-check periods, so that a dead
 * worker's chunks move on within a couple of seconds, and started when it says so.
 */
export async function startWorker(
  url: string,
  prefix: string,
  name: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<CliProcess> {
  const worker = startCli(
    [
      'worker',
      ...clusterFlags(url, prefix),
      '--name',
      name,
      '--threads',
      '1',
      '--lock-duration',
      '1500',
      '--stalled-interval',
      '500',
      ...extra,
    ],
    { env },
  );
  await worker.waitForStderr(/started/);
  return worker;
}

/** Polls `status` until the run is no longer running. */
export async function waitForRun(
  url: string,
  prefix: string,
  runId: string,
  timeoutMs = 120_000,
): Promise<RunProgress> {
  let last = '';
  return until(
    () => `run ${runId} to end: ${last}`,
    async () => {
      const result = await runCli(['status', ...clusterFlags(url, prefix), '--json', runId]);
      if (result.code !== 0) throw new Error(`status failed: ${result.stderr}`);
      last = result.stdout;
      const progress = JSON.parse(result.stdout) as RunProgress;
      return progress.status !== 'running' && progress;
    },
    { timeoutMs, everyMs: 200 },
  );
}

export async function reportOf(
  url: string,
  prefix: string,
  runId: string,
): Promise<{ code: number | null; report: RunReport }> {
  const result = await runCli(['report', ...clusterFlags(url, prefix), '--json', runId]);
  return { code: result.code, report: JSON.parse(result.stdout) as RunReport };
}

/** Lines `first`…`first + count - 1` (1-based) of a file, as grep sees lines. */
export async function linesOf(file: string, first: number, count: number): Promise<Buffer> {
  const data = await readFile(file);
  let start = 0;
  for (let line = 1; line < first; line++) start = data.indexOf(0x0a, start) + 1;
  let end = start;
  for (let line = 0; line < count && end < data.length; line++) {
    const next = data.indexOf(0x0a, end);
    end = next === -1 ? data.length : next + 1;
  }
  return data.subarray(start, end);
}
