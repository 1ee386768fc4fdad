import type { Redis } from 'ioredis';

/**
 * Notices that the Redis behind a connection is not the one it was: restarted (and
 * perhaps without the last writes it acknowledged), or failed over. Redis gives every
 * start a new `run_id`.
 */
export class RedisRestartDetector {
  private runId: string | undefined;
  private lastLook = 0;

  constructor(
    private readonly redis: Redis,
    /** Looks at most this often; calls in between say no. */
    private readonly intervalMs = 1_000,
  ) {}

  /** True if Redis restarted since the previous look (the first look only takes note). */
  async restarted(): Promise<boolean> {
    if (this.runId !== undefined && Date.now() - this.lastLook < this.intervalMs) return false;
    this.lastLook = Date.now();
    const info = await this.redis.info('server');
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    const changed = this.runId !== undefined && runId !== this.runId;
    this.runId = runId;
    return changed;
  }
}
