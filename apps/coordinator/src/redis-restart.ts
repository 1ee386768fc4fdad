import { type RedisClient, nodeForKey } from '@logcluster/core';

/**
 * Notices that the Redis behind a connection is not the one it was: restarted (and
 * perhaps without the last writes it acknowledged), or failed over. Redis gives every
 * start a new `run_id`.
 */
export class RedisRestartDetector {
  private runId: string | undefined;
  private lastLook = 0;

  constructor(
    private readonly redis: RedisClient,
    /** A key of ours: on a Redis Cluster, the master holding it is the one watched. */
    private readonly key: string,
    /** Looks at most this often; calls in between say no. */
    private readonly intervalMs = 1_000,
  ) {}

  /** True if Redis restarted since the previous look (the first look only takes note). */
  async restarted(): Promise<boolean> {
    if (this.runId !== undefined && Date.now() - this.lastLook < this.intervalMs) return false;
    this.lastLook = Date.now();
    const node = await nodeForKey(this.redis, this.key);
    const info = await node.info('server');
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    const changed = this.runId !== undefined && runId !== this.runId;
    this.runId = runId;
    return changed;
  }
}
