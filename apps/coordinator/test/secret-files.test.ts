import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { type TestRedis, runCli, startCli, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Secrets from files (Docker and compose secrets): REDIS_PASSWORD_FILE and
 * LOGCLUSTER_DASHBOARD_PASSWORD_FILE, so that no password is on a command line.
 */
const PASSWORD = 'n0t on the command-line: p@ss/w?rd';
let redis: TestRedis;
let dir: string;
let socketUrl: string;
let secret: string;

beforeAll(async () => {
  redis = await startTestRedis({ password: PASSWORD });
  socketUrl = redis.url.replace(/\?password=.*$/, '');
  dir = await mkdtemp(join(tmpdir(), 'logcluster-secrets-'));
  secret = join(dir, 'redis_password');
  // As `echo "$PASSWORD" > file` writes it: with a line break at the end.
  await writeFile(secret, `${PASSWORD}\n`, { mode: 0o600 });
}, 30_000);

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('REDIS_PASSWORD_FILE', () => {
  it('gives the password of a --redis URL that has none; without it, Redis refuses', async () => {
    const refused = await runCli(['runs', '--redis', socketUrl]);
    expect(refused.code).toBe(1);
    const ok = await runCli(['runs', '--json', '--redis', socketUrl], { env: { REDIS_PASSWORD_FILE: secret } });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
    // A run through it, end to end: submit and a worker, both from the file.
    const log = join(dir, 'app.log');
    await writeFile(log, 'ERROR one\nok\nERROR two\n');
    const worker = startCli(['worker', '--redis', socketUrl, '--prefix', 'secret'], {
      env: { REDIS_PASSWORD_FILE: secret },
    });
    try {
      await worker.waitForStderr(/started/);
      const submitted = await runCli(['submit', '--json', '--redis', socketUrl, '--prefix', 'secret', log], {
        env: { REDIS_PASSWORD_FILE: secret },
      });
      expect(submitted.code).toBe(0);
      expect((JSON.parse(submitted.stdout) as RunReport).totals.matches.ERROR).toEqual({ lines: 2, occurrences: 2 });
    } finally {
      await worker.stop();
    }
  });

  it('a wrong password in the file is refused as a wrong one in the URL is, without showing it', async () => {
    const wrong = join(dir, 'wrong');
    await writeFile(wrong, 'wrong-secret');
    const result = await runCli(['runs', '--redis', socketUrl], { env: { REDIS_PASSWORD_FILE: wrong } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused the credentials/);
    expect(result.stderr).not.toContain('wrong-secret');
  });

  it('a file that is missing or empty, or a password given twice: exit 2, saying which', async () => {
    const missing = await runCli(['runs', '--redis', socketUrl], {
      env: { REDIS_PASSWORD_FILE: join(dir, 'nowhere') },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`REDIS_PASSWORD_FILE=${join(dir, 'nowhere')}: cannot read it: no such file`);
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const blank = await runCli(['runs', '--redis', socketUrl], { env: { REDIS_PASSWORD_FILE: empty } });
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('the file is empty');
    const twice = await runCli(['runs', '--redis', redis.url], { env: { REDIS_PASSWORD_FILE: secret } });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/REDIS_PASSWORD_FILE and a password in --redis \(or REDIS_URL\) both give/);
  });

  it('is left alone by analyze without --redis (its own Redis needs none)', async () => {
    const log = join(dir, 'local.log');
    await writeFile(log, 'ERROR a\nb\n');
    const result = await runCli(['analyze', '--json', log], {
      env: { REDIS_PASSWORD_FILE: join(dir, 'nowhere') },
    });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunReport).totals.matches.ERROR!.lines).toBe(1);
  });
});

describe('LOGCLUSTER_DASHBOARD_PASSWORD_FILE', () => {
  it('is the dashboard password: 401 without it, 200 with it', async () => {
    const file = join(dir, 'dashboard_password');
    await writeFile(file, 'dashboard secret\r\n');
    const serve = startCli(['serve', '--redis', redis.url, '--host', '0.0.0.0', '--port', '0'], {
      env: { LOGCLUSTER_DASHBOARD_USER: 'ops', LOGCLUSTER_DASHBOARD_PASSWORD_FILE: file },
    });
    try {
      await serve.waitForStderr(/dashboard at http:\/\/\S+\/admin\/queues/);
      const port = /dashboard at http:\/\/[^:/]+:(\d+)\//.exec(serve.stderr())![1]!;
      const url = `http://127.0.0.1:${port}/admin/queues`;
      expect((await fetch(url)).status).toBe(401);
      const basic = (password: string) => ({
        authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`,
      });
      expect((await fetch(url, { headers: basic('dashboard secret\r\n') })).status).toBe(401);
      expect((await fetch(url, { headers: basic('dashboard secret') })).status).toBe(200);
    } finally {
      await serve.stop();
    }
  });

  it('refuses both the variable and the file, and a file without a user (exit 2)', async () => {
    const file = join(dir, 'dashboard_password');
    const both = await runCli(['serve', '--redis', redis.url, '--port', '0'], {
      env: {
        LOGCLUSTER_DASHBOARD_USER: 'ops',
        LOGCLUSTER_DASHBOARD_PASSWORD: 'x',
        LOGCLUSTER_DASHBOARD_PASSWORD_FILE: file,
      },
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('set LOGCLUSTER_DASHBOARD_PASSWORD or LOGCLUSTER_DASHBOARD_PASSWORD_FILE, not both');
    const alone = await runCli(['serve', '--redis', redis.url, '--port', '0'], {
      env: { LOGCLUSTER_DASHBOARD_PASSWORD_FILE: file },
    });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('LOGCLUSTER_DASHBOARD_PASSWORD_FILE is set: set LOGCLUSTER_DASHBOARD_USER too');
  });
});
