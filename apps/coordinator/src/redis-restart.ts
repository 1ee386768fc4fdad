import type { Redis } from 'ioredis';

/**
 * Notices that the Redis behind a connection is not the one it was: restarted (and
 * perhaps without the last writes it acknowledged), or failed over. Redis gives every
 * start a new `run_id`.
 */
export class RedisRestartDetector {
  private runId: string | undefined;

  constructor(private readonly redis: Redis) {}

  /** True if Redis restarted since the previous call (the first call only takes note). */
  async restarted(): Promise<boolean> {
    const info = await this.redis.info('server');
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    const changed = this.runId !== undefined && runId !== this.runId;
    this.runId = runId;
    return changed;
  }
}
