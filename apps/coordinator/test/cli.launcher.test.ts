import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '@logcluster/core';
import {
  type CliResult,
  LOGCLUSTER_BIN,
  type TestRedis,
  cleanEnv,
  grepCounts,
  startTestRedis,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The `logcluster` command as npm installs it: the shell launcher next to the CLI. */
const LAUNCHER = fileURLToPath(new URL('../bin/logcluster', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../../samples/app.log', import.meta.url));

function launch(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const child = spawn(LAUNCHER, args, { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => stdout.push(data));
  child.stderr.on('data', (data: Buffer) => stderr.push(data));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe('the logcluster launcher (bin/logcluster)', () => {
  let dir: string;
  let redis: TestRedis;
  let tlsUrl: string;

  beforeAll(async () => {
    // A certificate authority of the test's own and a Redis serving TLS with a certificate it signed.
    dir = await mkdtemp(join(tmpdir(), 'logcluster-launcher-'));
    const openssl = (args: string[]) => {
      const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr}`);
    };
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=logcluster test CA',
    ]);
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    ]);
    await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ]);
    const port = await freePort();
    redis = await startTestRedis({
      args: [
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(dir, 'server.pem'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.pem'),
        '--tls-auth-clients',
        'no',
      ],
    });
    tlsUrl = `rediss://localhost:${port}`;
  });

  afterAll(async () => {
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the CLI without Node reading NODE_EXTRA_CA_CERTS as it starts', async () => {
    const missing = join(dir, 'no-such-bundle.pem');
    // Node reads the file at start, and warns when it cannot.
    const direct = spawnSync(process.execPath, [LOGCLUSTER_BIN, '--version'], {
      env: { ...cleanEnv(), NODE_EXTRA_CA_CERTS: missing },
      encoding: 'utf8',
    });
    expect(direct.stderr).toContain('Ignoring extra certs');
    const launched = await launch(['--version'], { NODE_EXTRA_CA_CERTS: missing });
    expect(launched).toMatchObject({ code: 0, stderr: '' });
    expect(launched.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('trusts the certificates of NODE_EXTRA_CA_CERTS for a TLS connection to Redis, as Node would', async () => {
    const trusted = await launch(['analyze', '--redis', tlsUrl, '--json', SAMPLE], {
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    });
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    const report = JSON.parse(trusted.stdout) as RunReport;
    expect(report.totals.matches.ERROR!.lines).toBe(grepCounts(SAMPLE, { pattern: 'ERROR' }).lines);

    // Without it the server's certificate is not trusted (and the CLI gives up after its connect timeout).
    const untrusted = await launch(['analyze', '--redis', tlsUrl, '--json', SAMPLE], {
      NODE_EXTRA_CA_CERTS: undefined,
    });
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate/);
  }, 60_000);

  it('warns, as Node does, when the file cannot be read, and connects without it', async () => {
    const result = await launch(['analyze', '--redis', tlsUrl, '--json', SAMPLE], {
      NODE_EXTRA_CA_CERTS: join(dir, 'no-such-bundle.pem'),
    });
    expect(result.stderr).toContain('Ignoring extra certs from');
    expect(result.stderr).toMatch(/certificate/);
    expect(result.code).not.toBe(0);
  }, 60_000);
});
