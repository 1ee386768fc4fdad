// The container deployment, run for real: the image built from this checkout, the
// docker-compose.yml stack up with 3 workers, runs submitted through its `cli` service
// and checked against grep, a worker container killed mid-run, `--scale worker=5`,
// Prometheus's view of the workers, the dashboard's login, and `down -v` leaving nothing.
//
// Needs a Docker engine (scripts/setup installs docker.io and starts dockerd) and
// docker-compose. Where no image registry answers, the base images are made with
// scripts/base-images (debootstrap from Debian's mirror; once per machine). Skipped, and
// saying why, only where no engine runs.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '@logcluster/core';
import { cleanEnv, grepCounts, grepLineCount, syntheticLog, until } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'logcluster:compose-test';
const PUBLIC = { node: 'node:20-bookworm-slim', prometheus: 'prom/prometheus:v2.53.0' } as const;
const LOCAL = { node: 'logcluster-base/node:20-bookworm', prometheus: 'logcluster-base/prometheus:bookworm' } as const;
const PROJECT = `lctest${process.pid}`;
const SECRETS = { user: 'ops', redis: 'redis-compose-7f3a', dashboard: 'dashboard-compose-91bd' } as const;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        env: { ...cleanEnv(), ...options.env },
        cwd: ROOT,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: err && !stderr ? err.message : stderr });
      },
    );
  });
}

async function must(command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
  return result.stdout;
}

/** Why the stack cannot run here, or undefined if a Docker engine answers. */
async function engineUnavailable(): Promise<string | undefined> {
  const docker = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if (docker.code !== 0)
    return `no Docker engine answers (${(docker.stderr || docker.stdout).trim().split('\n')[0]}); scripts/setup installs docker.io and starts dockerd`;
  const compose = await run('docker-compose', ['version', '--short']);
  if (compose.code !== 0) return 'docker-compose is missing; scripts/setup installs it';
  return undefined;
}

const unavailable = await engineUnavailable();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function imageThere(name: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', name])).code === 0;
}

/** `name` if it is here or can be pulled; undefined if no registry gives it. */
async function publicImage(name: string): Promise<string | undefined> {
  if (await imageThere(name)) return name;
  return (await run('docker', ['pull', '-q', name], { timeoutMs: 300_000 })).code === 0 ? name : undefined;
}

async function imageSize(name: string): Promise<number> {
  return Number((await must('docker', ['image', 'inspect', '--format', '{{.Size}}', name])).trim());
}

let dir: string;
let dataDir: string;
let env: Record<string, string>;
let nodeImage: string;
let bigFiles: string[];
let smallFiles: string[];

function compose(args: string[], timeoutMs = 300_000): Promise<string> {
  return must('docker-compose', ['-p', PROJECT, '-f', join(ROOT, 'docker-compose.yml'), ...args], {
    env,
    timeoutMs,
  });
}

/** `logcluster <args>` in the stack's `cli` service: its report, parsed. */
async function cli(args: string[]): Promise<{ report: RunReport; stderr: string }> {
  const result = await run(
    'docker-compose',
    ['-p', PROJECT, '-f', join(ROOT, 'docker-compose.yml'), 'run', '--rm', '-T', 'cli', ...args],
    { env, timeoutMs: 300_000 },
  );
  if (result.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return { report: JSON.parse(result.stdout) as RunReport, stderr: result.stderr };
}

/** The worker containers running now: id (12 characters, the container's hostname) and address. */
async function workers(): Promise<{ id: string; address: string }[]> {
  const ids = (await compose(['ps', '-q', 'worker'])).split('\n').filter(Boolean);
  return Promise.all(
    ids.map(async (id) => {
      const address = (
        await must('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id])
      ).trim();
      return { id: id.slice(0, 12), address };
    }),
  );
}

/** Waits until every container of the project that has a healthcheck says healthy. */
async function allHealthy(expectedWorkers: number): Promise<void> {
  await until(
    `the stack to be healthy with ${expectedWorkers} workers`,
    async () => {
      const ids = (await compose(['ps', '-q'])).split('\n').filter(Boolean);
      const states = await Promise.all(
        ids.map(async (id) => (await must('docker', ['inspect', '--format', '{{.State.Health.Status}}', id])).trim()),
      );
      return states.every((state) => state === 'healthy') && (await workers()).length === expectedWorkers;
    },
    { timeoutMs: 180_000, everyMs: 1_000 },
  );
}

/** Bytes each worker has counted, from its /metrics. */
async function processedBytes(worker: { address: string }): Promise<number> {
  const text = await (await fetch(`http://${worker.address}:9464/metrics`)).text();
  return [...text.matchAll(/^logcluster_processed_bytes_total(?:\{[^}]*\})? (\S+)$/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

/** The report's totals for a set of files, from grep. */
function expectExact(report: RunReport, files: string[]): void {
  expect(report.status).toBe('completed');
  expect(report.totals.chunksDeadLettered).toBe(0);
  let lines = 0;
  let errors = { lines: 0, occurrences: 0 };
  for (const file of files) {
    const grep = grepCounts(file, { pattern: 'ERROR' });
    lines += grepLineCount(file);
    errors = { lines: errors.lines + grep.lines, occurrences: errors.occurrences + grep.occurrences };
  }
  expect(report.totals.lines).toBe(lines);
  expect(report.totals.matches.ERROR).toEqual(errors);
}

describe.skipIf(unavailable !== undefined)(
  unavailable ? `the compose stack (skipped: ${unavailable})` : 'the compose stack',
  () => {
    let dashboardPort: number;
    let prometheusPort: number;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'logcluster-compose-'));
      dataDir = join(dir, 'data');
      const secrets = join(dir, 'secrets');
      await mkdir(dataDir);
      await mkdir(secrets, { mode: 0o700 });
      // Readable by the containers' users (10001, Prometheus's 65534); the directory keeps others out.
      await writeFile(join(secrets, 'redis_password'), `${SECRETS.redis}\n`, { mode: 0o644 });
      await writeFile(join(secrets, 'dashboard_password'), `${SECRETS.dashboard}\n`, { mode: 0o644 });

      // Three small logs, and a large one cut in two (about 0.5 GB each).
      smallFiles = [];
      for (const [i, lines] of [40_000, 25_000, 60_000].entries()) {
        const file = join(dataDir, `service-${i}.log`);
        await writeFile(file, syntheticLog({ lines, seed: 70 + i }));
        smallFiles.push(file);
      }
      bigFiles = [];
      for (const part of [0, 1]) {
        const file = join(dataDir, `big-${part}.log`);
        const block = syntheticLog({ lines: 32_000, seed: 80 + part });
        const handle = await open(file, 'w');
        try {
          for (let written = 0; written < 500_000_000; written += block.length) await handle.write(block);
        } finally {
          await handle.close();
        }
        bigFiles.push(file);
      }

      // Base images: pulled, or made here where no registry answers.
      const publicNode = await publicImage(PUBLIC.node);
      const publicPrometheus = await publicImage(PUBLIC.prometheus);
      if (!publicNode || !publicPrometheus) await must('bash', ['scripts/base-images'], { timeoutMs: 900_000 });
      nodeImage = publicNode ?? LOCAL.node;
      const prometheusImage = publicPrometheus ?? LOCAL.prometheus;

      // The image: layers cached between runs on one machine, so this builds only what changed.
      const extraCa = await must('bash', ['scripts/base-images', '--extra-ca']);
      await must(
        'docker',
        [
          'build',
          '-q',
          '--build-arg',
          `NODE_IMAGE=${nodeImage}`,
          '--build-arg',
          `BUILD_CA_PEM=${extraCa}`,
          '-t',
          IMAGE,
          '.',
        ],
        { timeoutMs: 900_000 },
      );

      dashboardPort = await freePort();
      prometheusPort = await freePort();
      env = {
        LOGCLUSTER_IMAGE: IMAGE,
        PROMETHEUS_IMAGE: prometheusImage,
        LOGCLUSTER_DASHBOARD_USER: SECRETS.user,
        LOGCLUSTER_SECRETS_DIR: secrets,
        LOGCLUSTER_DATA: dataDir,
        LOGCLUSTER_DASHBOARD_PORT: String(dashboardPort),
        PROMETHEUS_PORT: String(prometheusPort),
      };
      await compose(['up', '-d', '--no-build']);
      await allHealthy(3);
    }, 1_800_000);

    afterAll(async () => {
      if (env)
        await run('docker-compose', ['-p', PROJECT, '-f', join(ROOT, 'docker-compose.yml'), 'down', '-v'], { env });
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 300_000);

    it('the image runs as a non-root user and is within 1.5x the Node.js image it starts from', async () => {
      const [image, base] = [await imageSize(IMAGE), await imageSize(nodeImage)];
      console.log(
        `image ${IMAGE}: ${(image / 1e6).toFixed(0)} MB; ${nodeImage}: ${(base / 1e6).toFixed(0)} MB (${(image / base).toFixed(2)}x)`,
      );
      expect(image / base).toBeLessThanOrEqual(1.5);
      expect((await must('docker', ['image', 'inspect', '--format', '{{.Config.User}}', IMAGE])).trim()).toBe(
        '10001:10001',
      );
      // No password on any command line in the stack.
      const ps = await must('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
      for (const id of ps.split('\n').filter(Boolean)) {
        const top = await must('docker', ['top', id, '-eo', 'pid,args']);
        expect(top).not.toContain(SECRETS.redis);
        expect(top).not.toContain(SECRETS.dashboard);
      }
    });

    it('a multi-file run through the cli service is exact, and every worker container did work', async () => {
      const names = smallFiles.map((file) => `/data/${file.slice(dataDir.length + 1)}`);
      // Bytes through Redis (the cli reads the files), so that there are many jobs to share.
      const { report } = await cli([
        'submit',
        '--json',
        '--chunk-size',
        '256KiB',
        ...names,
        ...bigFiles.map((file) => `/data/${file.slice(dataDir.length + 1)}`),
      ]);
      expectExact(report, [...smallFiles, ...bigFiles]);
      const running = await workers();
      expect(running).toHaveLength(3);
      for (const worker of running) {
        const chunks = Object.entries(report.workers)
          .filter(([id]) => id.startsWith(`${worker.id}:`))
          .reduce((sum, [, n]) => sum + n, 0);
        expect(chunks, `worker container ${worker.id} in ${JSON.stringify(report.workers)}`).toBeGreaterThan(0);
      }
    });

    it('a worker container killed mid-run: the run still completes exact', async () => {
      const names = bigFiles.map((file) => `/data/${file.slice(dataDir.length + 1)}`);
      const total = bigFiles.length * 500_000_000;
      const before = await workers();
      const counted = async () => (await Promise.all(before.map(processedBytes))).reduce((a, b) => a + b, 0);
      const start = await counted();
      let finished = false;
      const submitted = cli(['submit', '--json', ...names]).finally(() => (finished = true));
      // Once a fifth is counted, kill a worker that is counting.
      await until('a fifth of the run to be counted', async () => (await counted()) - start >= total / 5, {
        timeoutMs: 120_000,
        everyMs: 20,
      });
      const victim = before[0]!;
      await must('docker', ['kill', victim.id]);
      expect(finished, 'the run had ended before the kill').toBe(false);
      const { report } = await submitted;
      expectExact(report, bigFiles);
      expect(Object.keys(report.workers).some((id) => id.startsWith(`${victim.id}:`))).toBe(true);
      // The killed container is not part of the stack any more until compose starts it again.
      await compose(['up', '-d', '--no-build']);
      await allHealthy(3);
    });

    it('--scale worker=5 starts two more workers, and they pick up work', async () => {
      const before = new Set((await workers()).map((worker) => worker.id));
      await compose(['up', '-d', '--no-build', '--scale', 'worker=5']);
      await allHealthy(5);
      const added = (await workers()).filter((worker) => !before.has(worker.id));
      expect(added).toHaveLength(2);
      const names = bigFiles.map((file) => `/data/${file.slice(dataDir.length + 1)}`);
      const { report } = await cli(['submit', '--json', ...names]);
      expectExact(report, bigFiles);
      for (const worker of added) {
        expect(
          Object.keys(report.workers).some((id) => id.startsWith(`${worker.id}:`)),
          `worker container ${worker.id} in ${JSON.stringify(report.workers)}`,
        ).toBe(true);
      }
    });

    it('Prometheus lists every worker and the dashboard as targets that are up', async () => {
      const expected = (await workers()).map((worker) => `${worker.address}:9464`).sort();
      await until(
        `Prometheus to scrape ${expected.length} workers and the dashboard`,
        async () => {
          const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets?state=active`);
          const body = (await response.json()) as {
            data: { activeTargets: { labels: { job: string; instance: string }; health: string }[] };
          };
          const targets = body.data.activeTargets;
          const up = (job: string) =>
            targets
              .filter((target) => target.labels.job === job && target.health === 'up')
              .map((target) => target.labels.instance);
          return (
            JSON.stringify(up('logcluster-worker').sort()) === JSON.stringify(expected) &&
            up('logcluster-dashboard').length === 1
          );
        },
        { timeoutMs: 120_000, everyMs: 2_000 },
      );
    });

    it('the dashboard answers 401 without credentials and 200 with them', async () => {
      const url = `http://127.0.0.1:${dashboardPort}/`;
      expect((await fetch(url)).status).toBe(401);
      const authorization = `Basic ${Buffer.from(`${SECRETS.user}:${SECRETS.dashboard}`).toString('base64')}`;
      expect((await fetch(url, { headers: { authorization } })).status).toBe(200);
    });

    it('compose down -v leaves no container, network or volume of the stack', async () => {
      await compose(['down', '-v']);
      const label = `label=com.docker.compose.project=${PROJECT}`;
      expect((await must('docker', ['ps', '-aq', '--filter', label])).trim()).toBe('');
      expect((await must('docker', ['network', 'ls', '-q', '--filter', label])).trim()).toBe('');
      expect((await must('docker', ['volume', 'ls', '-q', '--filter', label])).trim()).toBe('');
    });
  },
);
