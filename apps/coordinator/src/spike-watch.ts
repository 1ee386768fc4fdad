import type { RunReport, RunStore, SpikeReport } from '@logcluster/core';
import { PeriodicLook } from './periodic-look.js';

/** How often a followed run's windows are looked at for spikes. */
const LOOK_EVERY_MS = 1_000;

/**
 * Spikes of one run, announced once each: while a run is followed, a window is judged
 * when it closes — once a line of a later window has been counted — and a spike is
 * logged at that moment; every spike is also recorded under the run's prefix, where
 * `serve` counts them for `/metrics`.
 */
export class SpikeWatch {
  private readonly announced = new Set<string>();
  private readonly looks: PeriodicLook;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    /** Following a live source: spikes are logged as their windows close. */
    private readonly live: boolean,
    private readonly log: (message: string) => void,
  ) {
    this.looks = new PeriodicLook(LOOK_EVERY_MS, () =>
      this.store.report(this.runId).then((report) => this.announce(report, false)),
    );
  }

  /** Looks every second until `stop`. */
  start(): void {
    this.looks.start();
  }

  stop(): Promise<void> {
    return this.looks.stop();
  }

  /**
   * Logs (when live) and records the spikes of closed windows; with `final`, every
   * window counts as closed. Recording is idempotent: a spike is counted once per run.
   */
  async announce(report: RunReport, final: boolean): Promise<void> {
    const windows = report.windows;
    if (!windows || !report.spikes) return;
    const newest =
      windows.buckets.length === 0
        ? Number.NEGATIVE_INFINITY
        : Date.parse(windows.buckets[windows.buckets.length - 1]!.start);
    for (const spike of report.spikes) {
      const key = `${spike.pattern}|${spike.start}`;
      if (this.announced.has(key) || (!final && Date.parse(spike.start) >= newest)) continue;
      this.announced.add(key);
      if (this.live) this.log(describeSpike(spike, windows.size));
      await this.store.recordSpike(this.runId, spike);
    }
  }
}

export function describeSpike(spike: SpikeReport, size: string): string {
  return `spike: ${spike.pattern} in the ${size} window from ${spike.start}: ${spike.count} lines, against ${spike.baseline} on average before`;
}
