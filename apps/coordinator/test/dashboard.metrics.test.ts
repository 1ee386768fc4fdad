import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import {
  type CliProcess,
  type TestRedis,
  BACKTRACKING_REGEX,
  clusterFlags,
  grepCounts,
  grepLineCount,
  linesOf,
  runCli,
  startCli,
  startTestRedis,
  startWorker,
  syntheticLog,
} from '@logcluster/test-support';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A run with one chunk that fails for good: on its first line V8 backtracks on
// BACKTRACKING_REGEX for seconds, past a 100 ms task timeout, with one attempt. Every
// other chunk counts.
const PREFIX = 't-dashboard';
const USER = 'operator';
const PASSWORD = 'correct horse battery staple';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');

let redis: TestRedis;
let dir: string;
let file: string;
let worker: CliProcess;
let dashboard: CliProcess;
let workerMetrics: string;
let base: string;
let report: RunReport;

/** A scrape, parsed: `name{labels}` → value. */
async function scrape(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ text: string; values: Map<string, number> }> {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { text, values };
}

/**
 * promtool's verdict on a scrape: it parses the text format and lints names. prom-client's
 * own default metrics include gauges named `nodejs_active_*_total`, which its lint flags;
 * those are not ours to rename, and are the only findings allowed.
 */
function promtoolProblems(text: string): string[] {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `promtool is needed (Debian: apt-get install prometheus; scripts/setup installs it): ${result.error.message}`,
    );
  const findings = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
  if (result.status !== 0 && findings.length === 0)
    throw new Error(`promtool failed with exit ${String(result.status)} and said nothing`);
  return findings.filter(
    (line) =>
      !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(
        line,
      ),
  );
}

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'logcluster-dashboard-'));
  file = join(dir, 'app.log');
  await writeFile(file, Buffer.concat([Buffer.from(`${'x'.repeat(28)}\n`), syntheticLog({ lines: 3_000, seed: 5 })]));
  worker = await startWorker(redis.url, PREFIX, 'metered', ['--task-timeout', '100', '--metrics-port', '0']);
  workerMetrics = /metrics (http:\/\/\S+\/metrics)/.exec(worker.stderr())![1]!;
  dashboard = startCli(['serve', ...clusterFlags(redis.url, PREFIX), '--port', '0'], {
    env: { LOGCLUSTER_DASHBOARD_USER: USER, LOGCLUSTER_DASHBOARD_PASSWORD: PASSWORD },
  });
  await dashboard.waitForStderr(/dashboard at http:\/\/\S+\/admin\/queues/);
  base = /dashboard at (http:\/\/\S+)\/admin\/queues/.exec(dashboard.stderr())![1]!;
}, 60_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), dashboard?.stop()]);
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('worker metrics', () => {
  it('start at zero, and after a run count exactly what the worker did: chunks by outcome, bytes and lines', async () => {
    const before = await scrape(workerMetrics);
    expect(before.values.get('logcluster_chunks_total{outcome="completed",worker="metered"}')).toBe(0);
    expect(before.values.get('logcluster_chunks_total{outcome="dead_lettered",worker="metered"}')).toBe(0);
    expect(before.values.get('logcluster_processed_lines_total{worker="metered"}')).toBe(0);

    const result = await runCli([
      'submit',
      ...clusterFlags(redis.url, PREFIX),
      '--json',
      '--chunk-size',
      '16KiB',
      '--attempts',
      '1',
      '-E',
      '-p',
      BACKTRACKING_REGEX,
      '-p',
      'ERROR',
      file,
    ]);
    expect(result.code, result.stderr).toBe(3);
    report = JSON.parse(result.stdout) as RunReport;
    expect(report.totals.chunksDeadLettered).toBe(1);

    const after = await scrape(workerMetrics);
    expect(promtoolProblems(after.text)).toEqual([]);
    expect(after.values.get('logcluster_chunks_total{outcome="completed",worker="metered"}')).toBe(
      report.totals.chunksDone,
    );
    expect(after.values.get('logcluster_chunks_total{outcome="dead_lettered",worker="metered"}')).toBe(1);
    // The lines counted are the file's, less the dead chunk's.
    const dead = report.sources[0]!.deadLettered[0]!;
    expect(after.values.get('logcluster_processed_lines_total{worker="metered"}')).toBe(
      grepLineCount(file) - dead.lineCount!,
    );
    expect(after.values.get('logcluster_processed_bytes_total{worker="metered"}')).toBe(
      report.totals.bytes - dead.byteLength,
    );
    expect(after.values.get('logcluster_chunk_duration_seconds_count{worker="metered"}')).toBeGreaterThan(0);
    const utilization = after.values.get('logcluster_pool_utilization{worker="metered"}')!;
    expect(utilization).toBeGreaterThan(0);
    expect(utilization).toBeLessThanOrEqual(1);
    expect(after.values.get('logcluster_pool_queue_size{worker="metered"}')).toBe(0);
    expect(after.values.has('process_cpu_user_seconds_total{worker="metered"}')).toBe(true);

    // The report is exact for everything but the dead chunk's lines, and the worker logged it.
    const deadPart = join(dir, 'dead.part');
    await writeFile(deadPart, await linesOf(file, dead.firstLine!, dead.lineCount!));
    const errors = grepCounts(file, { pattern: 'ERROR', regex: true });
    const missing = grepCounts(deadPart, { pattern: 'ERROR', regex: true });
    expect(report.totals.matches.ERROR).toEqual({
      lines: errors.lines - missing.lines,
      occurrences: errors.occurrences - missing.occurrences,
    });
    // Its log is JSON lines (stderr is not a terminal), the dead-letter one with the run and range as fields.
    const events = worker
      .stderr()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      events.every(
        (event) => event.service === 'worker' && event.worker === 'metered' && typeof event.time === 'string',
      ),
    ).toBe(true);
    const deadLettered = events.filter((event) => event.event === 'dead-lettered');
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({
      level: 40,
      runId: report.runId,
      source: 0,
      firstLine: 1,
      lastLine: dead.lineCount!,
      byteOffset: 0,
      byteLength: dead.byteLength,
      reason: expect.stringMatching(/^TASK_TIMEOUT: /) as unknown,
    });
  });

  it('answer /healthz while Redis is reachable', async () => {
    const response = await fetch(workerMetrics.replace(/\/metrics$/, '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });
});

describe('logcluster serve', () => {
  it('asks for credentials everywhere but /healthz, and refuses wrong ones', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/metrics']) {
      const anonymous = await fetch(`${base}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const wrong = await fetch(`${base}${path}`, {
        headers: { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` },
      });
      expect(wrong.status, path).toBe(401);
      expect((await fetch(`${base}${path}`, { headers: { authorization: AUTH } })).status, path).toBe(200);
    }
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
  });

  it('shows both queues by name, and the dead-lettered chunk with its error', async () => {
    const response = await fetch(`${base}/admin/queues/api/queues?activeQueue=dead-letter&status=waiting`, {
      headers: { authorization: AUTH },
    });
    const { queues } = (await response.json()) as {
      queues: {
        name: string;
        displayName: string;
        readOnlyMode: boolean;
        jobs: { data: { error?: { code?: string } } }[];
      }[];
    };
    expect(queues.map((queue) => [queue.name, queue.displayName, queue.readOnlyMode])).toEqual([
      ['chunks', 'Chunks to count', true],
      ['dead-letter', 'Dead-lettered chunks', true],
    ]);
    const deadLetters = queues.find((queue) => queue.name === 'dead-letter')!;
    expect(deadLetters.jobs).toHaveLength(1);
    expect(deadLetters.jobs[0]!.data.error?.code).toBe('TASK_TIMEOUT');
  });

  it('serves metrics that parse, and say what is in Redis: queues, runs by status, dead letters', async () => {
    const { text, values } = await scrape(`${base}/metrics`, { authorization: AUTH });
    expect(promtoolProblems(text)).toEqual([]);
    expect(values.get('logcluster_dead_letter_entries')).toBe(1);
    expect(values.get('logcluster_queue_jobs{queue="dead-letter",state="waiting"}')).toBe(1);
    expect(values.get('logcluster_queue_jobs{queue="chunks",state="failed"}')).toBe(1);
    expect(values.get('logcluster_queue_jobs{queue="chunks",state="waiting"}')).toBe(0);
    expect(values.get('logcluster_runs{status="partial"}')).toBe(1);
    expect(values.get('logcluster_runs{status="running"}')).toBe(0);
  });

  it('refuses to listen beyond loopback without credentials, or with half of them (exit 2)', async () => {
    const open = await runCli(['serve', ...clusterFlags(redis.url, PREFIX), '--host', '0.0.0.0', '--port', '0']);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(
      /refusing to serve the dashboard on 0\.0\.0\.0 without credentials: set LOGCLUSTER_DASHBOARD_USER and LOGCLUSTER_DASHBOARD_PASSWORD/,
    );
    const half = await runCli(['serve', ...clusterFlags(redis.url, PREFIX), '--port', '0'], {
      env: { LOGCLUSTER_DASHBOARD_USER: USER },
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/set both LOGCLUSTER_DASHBOARD_USER and LOGCLUSTER_DASHBOARD_PASSWORD, or neither/);
  });
});

describe('the dashboard in a browser (Debian chromium, headless)', () => {
  it('with credentials shows both queues and the dead-lettered chunk; without them gets 401', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      // Without credentials the server answers 401 with a Basic challenge, which headless
      // Chromium, having none to give, turns into a failed navigation: what it received is
      // seen on the response event.
      const anonymous = await browser.newContext();
      const anonymousPage = await anonymous.newPage();
      const statuses: number[] = [];
      anonymousPage.on('response', (received) => statuses.push(received.status()));
      await expect(anonymousPage.goto(`${base}/admin/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      expect(statuses).toEqual([401]);
      await anonymous.close();

      const context = await browser.newContext({
        httpCredentials: { username: USER, password: PASSWORD },
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      const response = await page.goto(`${base}/admin/queues`);
      expect(response?.status()).toBe(200);
      await page.getByText('Chunks to count').first().waitFor({ timeout: 30_000 });
      await page.getByText('Dead-lettered chunks').first().waitFor();
      await page.goto(`${base}/admin/queues/queue/dead-letter?status=waiting`);
      const deadChunk = `chunk 0.0 of ${report.runId}`;
      await page.getByText(deadChunk).first().waitFor({ timeout: 30_000 });
      await page.getByText('TASK_TIMEOUT').first().waitFor({ timeout: 30_000 });
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dead-letter.png'), fullPage: true });
      await context.close();
    } finally {
      await browser.close();
    }
  }, 90_000);
});
