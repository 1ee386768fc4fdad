import type { RunStore } from '@logcluster/core';
import { unlessAborted } from './command-io.js';
import type { RunEvents } from './run-events.js';

const RECHECK_MS = 250;

/**
 * Backpressure: holds the coordinator back while more than a bound of the run's bytes
 * are enqueued but not yet counted, so the coordinator's and Redis's memory stay flat
 * however large the input. A chunk larger than the bound (one long line) is let through
 * alone, once nothing else is in flight.
 */
export class InFlightGate {
  private enqueuedBytes = 0;
  private settledBytes = 0;

  constructor(
    private readonly store: RunStore,
    private readonly events: RunEvents,
    private readonly runId: string,
    /** Runs at every recheck while waiting (the submission looks for Redis restarts). */
    private readonly onRecheck: () => Promise<void> = async () => {},
  ) {}

  get inFlightBytes(): number {
    return this.enqueuedBytes - this.settledBytes;
  }

  /** Waits until `bytes` more fit under `maxBytes`, then counts them as in flight; `beforeWaiting` runs first if it must wait. */
  async admit(
    bytes: number,
    maxBytes: number,
    signal?: AbortSignal,
    beforeWaiting: () => Promise<void> = async () => {},
  ): Promise<void> {
    if (this.inFlightBytes > 0 && this.inFlightBytes + bytes > maxBytes) await beforeWaiting();
    while (this.inFlightBytes > 0 && this.inFlightBytes + bytes > maxBytes) {
      signal?.throwIfAborted();
      await this.events.next(RECHECK_MS, signal);
      const recheck = async () => {
        await this.onRecheck();
        return this.store.settledBytes(this.runId);
      };
      this.settledBytes = signal ? await unlessAborted(recheck(), signal) : await recheck();
    }
    this.enqueuedBytes += bytes;
  }
}
