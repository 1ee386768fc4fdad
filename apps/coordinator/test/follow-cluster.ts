import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliProcess, type TestRedis, killFollowers, startTestRedis, startWorker } from '@logcluster/test-support';
import { afterAll, beforeAll } from 'vitest';

/** What the follow tests share: a directory of logs, a redis-server of their own and a worker on it. */
export interface FollowCluster {
  dir: string;
  redis: TestRedis;
  worker: CliProcess;
}

/**
 * Starts a temporary directory, a redis-server and a worker (`workerName`, on `prefix`)
 * before the test file's tests, and stops them after, followers a failed test left
 * running included.
 */
export function followCluster(prefix: string, workerName: string): FollowCluster {
  const cluster = {} as FollowCluster;
  beforeAll(async () => {
    cluster.dir = await mkdtemp(join(tmpdir(), `logcluster-${workerName}-`));
    cluster.redis = await startTestRedis();
    cluster.worker = await startWorker(cluster.redis.url, prefix, workerName);
  }, 60_000);
  afterAll(async () => {
    await killFollowers();
    await cluster.worker?.stop('SIGKILL');
    await cluster.redis?.stop();
    if (cluster.dir) await rm(cluster.dir, { recursive: true, force: true });
  });
  return cluster;
}
