import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LOGCLUSTER_BIN, cleanEnv, embeddedLeftovers, runCli, syntheticLog, until } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let scratch: string;
const embedded = () => embeddedLeftovers(scratch);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-cleanup-'));
  // analyze makes its temp dir here, where no other test looks.
  scratch = join(dir, 'tmp');
  await mkdir(scratch);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Leftovers = Awaited<ReturnType<typeof embedded>>;

/** Polls what analyze left behind until `done` holds for it, and gives that. */
function embeddedWhen(what: string, done: (now: Leftovers) => boolean): Promise<Leftovers> {
  return until(
    what,
    async () => {
      const now = await embedded();
      return done(now) && now;
    },
    { timeoutMs: 20_000 },
  );
}

/** Starts `analyze -` on a stdin we hold open, and waits until its Redis is up. */
async function analyzeInProgress() {
  const before = await embedded();
  const child = spawn(process.execPath, [LOGCLUSTER_BIN, 'analyze', '-'], {
    env: { ...cleanEnv(), TMPDIR: scratch },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdin.write(syntheticLog({ lines: 2_000, seed: 9 }));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const during = await embeddedWhen(
    'analyze to start its Redis in a temp dir',
    (now) => now.dirs.length > before.dirs.length && now.servers.length > before.servers.length,
  );
  expect(during.dirs.length).toBe(before.dirs.length + 1);
  return { child, exit, before, stderr: () => stderr };
}

describe('analyze leaves nothing behind', () => {
  it('on Ctrl-C (SIGINT): no redis-server, no temp dir, exit 130', async () => {
    const run = await analyzeInProgress();
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/interrupted: run r-\S+ abandoned/);
    expect(await embedded()).toEqual(run.before);
  });

  it('even when killed outright (SIGKILL): its watchdog stops Redis and removes the dir', async () => {
    const run = await analyzeInProgress();
    run.child.kill('SIGKILL');
    await run.exit;
    const after = await embeddedWhen(
      'the watchdog to stop Redis and remove the dir',
      (now) => now.dirs.length === run.before.dirs.length && now.servers.length === run.before.servers.length,
    );
    expect(after).toEqual(run.before);
  });

  it('when its worker cannot start (its metrics port is taken) while the run is being created: exit 1, no hang', async () => {
    const before = await embedded();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const file = join(dir, 'worker-fails.log');
      await writeFile(file, syntheticLog({ lines: 20_000, seed: 5 }));
      const result = await runCli(['analyze', '--metrics-port', String(port), file], {
        env: { TMPDIR: scratch },
        timeoutMs: 60_000,
      });
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('EADDRINUSE');
      expect(result.stdout).toBe('');
    } finally {
      taken.close();
    }
    expect(await embedded()).toEqual(before);
  });

  it('on an input error mid-run: a truncated gzip fails with exit 2, naming where it broke', async () => {
    const before = await embedded();
    const whole = gzipSync(syntheticLog({ lines: 50_000, seed: 4 }));
    const truncated = join(dir, 'truncated.gz');
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    const result = await runCli(['analyze', '--chunk-size', '64KiB', truncated], { env: { TMPDIR: scratch } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `${truncated}: gzip data is truncated or corrupt \\(unexpected end of file\\): decompression stopped at compressed byte \\d+ of ${Math.floor(whole.length / 2)} read`,
      ),
    );
    expect(result.stdout).toBe('');
    expect(await embedded()).toEqual(before);
  });
});
