import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { connectRedis } from '@logcluster/core';
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

/** Starts `analyze -` on a stdin we hold open, and waits until its Redis is up (with `running`: and holds the run). */
async function analyzeInProgress({ running = true } = {}) {
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
  // Its Redis starts before the CLI has even read its command line (early-start.ts).
  if (running) {
    const dir = during.dirs.find((name) => !before.dirs.includes(name))!;
    const redis = await connectRedis(`unix://${join(scratch, dir, 'redis.sock')}`, { connectionName: 'cleanup-test' });
    try {
      await until('the run to be created in its Redis', async () => (await redis.dbsize()) > 0, { timeoutMs: 20_000 });
    } finally {
      redis.disconnect();
    }
  }
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

  it('on Ctrl-C as it starts (its Redis up, the CLI still loading): no redis-server, no temp dir, exit 130', async () => {
    const before = await embedded();
    // Told the moment its temp dir is made (before the CLI bundle loads, early-start.ts),
    // where polling would come too late.
    const watcher = watch(scratch);
    const made = new Promise<void>((resolve) =>
      watcher.on('change', (_event, name) => {
        if (/^logcluster-/.test(String(name))) resolve();
      }),
    );
    const child = spawn(process.execPath, [LOGCLUSTER_BIN, 'analyze', '-'], {
      env: { ...cleanEnv(), TMPDIR: scratch },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    await made;
    watcher.close();
    child.kill('SIGINT');
    expect(await exit).toEqual({ code: 130, signal: null });
    expect(await embedded()).toEqual(before);
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

  it('on a usage or input error: its Redis, started before the command line was read (early-start.ts), is gone with it', async () => {
    const before = await embedded();
    const unknown = await runCli(['analyze', '--no-such-flag', join(dir, 'x.log')], { env: { TMPDIR: scratch } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
    expect(await embedded()).toEqual(before);
    const missing = await runCli(['analyze', join(dir, 'no-such.log')], { env: { TMPDIR: scratch } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such.log: no such file');
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
