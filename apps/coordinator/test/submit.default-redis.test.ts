import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOGCLUSTER_BIN, cleanEnv } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-default-redis-'));
  file = join(dir, 'app.log');
  await writeFile(file, 'ERROR one\nWARN two\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs `logcluster submit --detach <file>` in a network namespace of its own, where a
 * redis-server of the test's listens on 127.0.0.1:6379: the default address, without
 * touching whatever listens on this machine's 6379.
 */
function submitInOwnNetwork(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = [
    'ip link set lo up',
    `redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" >/dev/null &`,
    'for i in $(seq 200); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.05; done',
    `"$NODE" "$BIN" submit --detach "$FILE"; code=$?`,
    'redis-cli -p 6379 shutdown nosave >/dev/null 2>&1',
    'wait',
    'exit $code',
  ].join('\n');
  return spawnSync('unshare', ['--net', 'sh', '-c', script], {
    env: { ...cleanEnv(), DIR: dir, NODE: process.execPath, BIN: LOGCLUSTER_BIN, FILE: file, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** A network namespace of our own can be made here (root, with CAP_SYS_ADMIN: not so in an unprivileged container). */
const ownNetwork = spawnSync('unshare', ['--net', 'ip', 'link', 'set', 'lo', 'up']).status === 0;

describe('submit without --redis or REDIS_URL', () => {
  it.skipIf(!ownNetwork)('names the Redis it uses on stderr, in one line, before it enqueues', () => {
    const result = submitInOwnNetwork({});
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^r-\S+\n$/);
    expect(result.stderr).toBe('logcluster: using Redis at redis://127.0.0.1:6379 (no --redis or REDIS_URL given)\n');
  });

  it.skipIf(!ownNetwork)('says nothing of it when REDIS_URL names one', () => {
    const result = submitInOwnNetwork({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});
