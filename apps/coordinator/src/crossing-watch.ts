import type { CrossingReport, RunStore } from '@logcluster/core';
import { PeriodicLook } from './periodic-look.js';

/**
 * How often a followed run's crossings are looked at: one small hash read, so often
 * enough that a crossing is logged within a second of its chunk being counted.
 */
const LOOK_EVERY_MS = 500;

/**
 * The crossings of `--notify-over` of one followed run, logged once each as soon as they
 * are seen. Redis finds and counts them as the chunks are recorded (for the report and
 * `logcluster_key_crossings_total`); this only tells the user, while the run goes on.
 */
export class CrossingWatch {
  private readonly announced = new Set<string>();
  private readonly looks: PeriodicLook;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly notifyOver: number,
    private readonly log: (message: string) => void,
  ) {
    this.looks = new PeriodicLook(LOOK_EVERY_MS, () =>
      this.store.crossings(this.runId).then((crossings) => this.announce(crossings)),
    );
  }

  /** Looks every LOOK_EVERY_MS until `stop`. */
  start(): void {
    this.looks.start();
  }

  stop(): Promise<void> {
    return this.looks.stop();
  }

  /** Logs the crossings not logged before (by key). */
  announce(crossings: readonly CrossingReport[]): void {
    for (const crossing of crossings) {
      const key = JSON.stringify(crossing.key);
      if (this.announced.has(key)) continue;
      this.announced.add(key);
      this.log(describeCrossing(crossing, this.notifyOver));
    }
  }
}

/** `key ["api","500"] passed 100 lines (101 at app.log:5234)`; the line is left out while unknown. */
export function describeCrossing(crossing: CrossingReport, notifyOver: number): string {
  const where = crossing.line === null ? crossing.source : `${crossing.source}:${crossing.line}`;
  return `key ${JSON.stringify(crossing.key)} passed ${notifyOver} lines (${crossing.count} at ${where})`;
}
