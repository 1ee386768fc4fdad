import type { DeadLetterQueue, RunStatus, RunStore } from '@logcluster/core';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Job states reported per queue: BullMQ's own names. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children'] as const;
const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'partial', 'failed'];
/** Runs looked at for `logcluster_runs`: the most recent ones. */
export const RUNS_SCANNED = 1_000;

/**
 * The dashboard's metrics (SPEC: Metrics, `serve`), read from Redis at each scrape: jobs
 * per queue and state, runs per status, dead-letter entries, spikes, key crossings. A registry of its own.
 */
export function serveMetrics(
  queues: { name: string; queue: Queue }[],
  store: RunStore,
  deadLetters: DeadLetterQueue,
): Registry {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: 'logcluster_queue_jobs',
    help: 'Jobs in each queue (chunks: chunk jobs; dead-letter: dead-lettered chunks) by BullMQ state',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      for (const { name, queue } of queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'logcluster_runs',
    help: `Runs by status, among the ${RUNS_SCANNED} most recent`,
    labelNames: ['status'],
    registers,
    async collect() {
      const counts = await store.statusCounts(RUNS_SCANNED);
      for (const status of RUN_STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'logcluster_dead_letter_entries',
    help: 'Entries in the dead-letter queue: chunks that failed for good and were not yet replayed or purged',
    registers,
    async collect() {
      this.set(await deadLetters.size());
    },
  });
  new Counter({
    name: 'logcluster_spikes_total',
    help: 'Spikes found in runs with --window (a window whose matching lines jumped), by pattern; each counted once, when its window closed or its run ended',
    labelNames: ['pattern'],
    registers,
    async collect() {
      // Kept in Redis, so that every dashboard replica says the same: set from there.
      this.reset();
      for (const [pattern, count] of await store.spikeCounts()) this.inc({ pattern }, count);
    },
  });
  new Counter({
    name: 'logcluster_key_crossings_total',
    help: 'Keys whose lines passed --notify-over in runs with --by, each counted once, when the chunk that took it past was recorded',
    registers,
    async collect() {
      this.reset();
      this.inc(await store.crossingCount());
    },
  });
  collectDefaultMetrics({ register: registry });
  return registry;
}
