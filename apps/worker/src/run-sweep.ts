import type { RedisClient, RedisKeys, RunStore } from '@logcluster/core';

/**
 * The workers' sweep over ended runs, at most once per `intervalMs` across all of them
 * (a key in Redis says when the last one ran): drops the runs past their retention (for
 * a run started without one, `fallbackRetentionMs`, the worker's --run-retention) and
 * the index entries of runs Redis expired, and compacts completed runs to their report
 * (those whose coordinator did not: `--detach`, or it died). What `runs prune` does, on
 * its own.
 */
export class RunSweep {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly store: RunStore,
    private readonly intervalMs: number,
    private readonly fallbackRetentionMs: number,
  ) {}

  /** Sweeps unless another worker did within the interval; true if it swept. */
  async sweepIfDue(): Promise<boolean> {
    const due = await this.redis.set(`${this.keys.prefix}:runs:swept`, Date.now(), 'PX', this.intervalMs, 'NX');
    if (due === null) return false;
    await this.store.prune({ fallbackRetentionMs: this.fallbackRetentionMs, compactCompleted: true });
    return true;
  }
}
