import { type RedisClient, nodeForKey, sentinelStanding } from '@logcluster/core';

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

  /** Makes the next `restarted()` look, however recent the last look was. */
  lookNow(): void {
    this.lastLook = 0;
  }

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

  /**
   * Behind Sentinel: true if the connection is on a master the Sentinels have replaced,
   * or was while a failover ran (a demoted master answers as one for seconds, and what
   * is written there is lost). A failover in progress is waited out, up to `waitMs`. The
   * connection is then sent through the Sentinels again, and the next `restarted()` looks
   * at once: the new master's `run_id` differs, so whatever it lacks gets repaired.
   * False on one Redis, a cluster, or when no Sentinel answers.
   */
  async leftBehindByFailover(waitMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    let standing = await sentinelStanding(this.redis);
    let waited = false;
    while (standing === 'failing-over' && Date.now() < deadline) {
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
      standing = await sentinelStanding(this.redis);
    }
    if (standing === 'moved') {
      this.lookNow();
      this.redis.disconnect(true);
      return true;
    }
    // Our connection may have followed the failover by itself: the restart check tells.
    if (waited) this.lookNow();
    return waited;
  }
}
