import {
  type ClosedPartition,
  type JoinPartitionResult,
  type RunStore,
  type UnmatchedLeftEvent,
  addJoinResults,
  emptyJoinResult,
  errorMessage,
} from '@logcluster/core';
import { groupedDigits } from './number-text.js';
import { PeriodicLook } from './periodic-look.js';

/** How often a followed join is looked at: its next tick started, what is new logged. */
const LOOK_EVERY_MS = 1_000;

/** Ticks that have not moved for this long have their jobs added again (Redis may have lost them). */
const STALLED_AFTER_MS = 30_000;

/**
 * A followed join as it goes (`submit --follow` with `--left`/`--right`): every second it
 * starts the next tick when the sides' watermarks moved (the ticks' jobs join and drop
 * the closed keys, in the workers), logs each left event that its tick closed without a
 * pair (a request with no response), and logs the live figures when they changed: what
 * the closed keys gave, and the events still open.
 */
export class JoinWatch {
  private readonly looks: PeriodicLook;
  private unmatchedAfter = '0-0';
  private lastFigures = '';
  private lastTicks = -1;
  private movedAt = Date.now();
  private sources: string[] = [];
  private tickFailures = 0;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly within: string,
    private readonly tick: (again: boolean) => Promise<void>,
    private readonly log: (message: string) => void,
  ) {
    this.looks = new PeriodicLook(LOOK_EVERY_MS, () => this.look());
  }

  start(): void {
    this.looks.start();
  }

  stop(): Promise<void> {
    return this.looks.stop();
  }

  private async look(): Promise<void> {
    const partitions = await this.store.closedPartitions(this.runId);
    const ticks = partitions.reduce((sum, partition) => sum + partition.tick, 0);
    if (ticks !== this.lastTicks) {
      this.lastTicks = ticks;
      this.movedAt = Date.now();
    }
    try {
      await this.tick(Date.now() - this.movedAt > STALLED_AFTER_MS);
      this.tickFailures = 0;
    } catch (err) {
      // One failed look is Redis restarting, say; ten in a row (ten seconds) is worth saying, and each minute after.
      if (++this.tickFailures % 60 === 10) this.log(`join: ticks cannot start: ${errorMessage(err)}`);
    }
    if (Date.now() - this.movedAt > STALLED_AFTER_MS) this.movedAt = Date.now();
    await this.logUnmatched();
    const figures = liveFigures(partitions);
    if (figures !== null && figures !== this.lastFigures) {
      this.lastFigures = figures;
      this.log(figures);
    }
  }

  private async logUnmatched(): Promise<void> {
    for (;;) {
      const { last, events } = await this.store.unmatchedSince(this.runId, this.unmatchedAfter);
      if (events.length === 0) return;
      if (events.some((event) => 'source' in event && this.sources[event.source] === undefined))
        this.sources = await this.store.sourceNames(this.runId);
      // Each partition's tick adds its own: in the order of their times across partitions.
      const time = (event: (typeof events)[number]) => ('time' in event ? (event.time ?? Infinity) : Infinity);
      for (const event of [...events].sort((a, b) => time(a) - time(b))) this.log(this.describe(event));
      this.unmatchedAfter = last;
    }
  }

  private describe(event: UnmatchedLeftEvent | { more: number }): string {
    if (!('source' in event)) return `join: ${groupedDigits(event.more)} more left events unmatched (not listed)`;
    const name = this.sources[event.source] ?? `source ${event.source}`;
    const where = event.firstLine === null ? name : `${name}:${event.firstLine - 1 + event.line}`;
    const at = event.time === null ? '' : `, ${new Date(event.time).toISOString()}`;
    return `join: left event unmatched within ${this.within}: ${where} (key ${event.key}${at})`;
  }
}

/** `join so far: 1,200 pairs, 800 keys matched; unmatched events: 30 left, 12 right; 2,000 events open`; null before any tick. */
export function liveFigures(partitions: readonly ClosedPartition[]): string | null {
  let total: JoinPartitionResult | undefined;
  let open = 0;
  for (const { state } of partitions) {
    if (!state) continue;
    total ??= emptyJoinResult(undefined);
    addJoinResults(total, state.result);
    open += state.openEvents;
  }
  if (!total) return null;
  const late = total.late && total.late.left + total.late.right > 0;
  return (
    `join so far: ${groupedDigits(total.pairs)} pairs, ${groupedDigits(total.matchedKeys)} keys matched; ` +
    `unmatched events: ${groupedDigits(total.left.events - total.left.matchedEvents)} left, ` +
    `${groupedDigits(total.right.events - total.right.matchedEvents)} right; ${groupedDigits(open)} events open` +
    (late ? `; late events: ${groupedDigits(total.late!.left)} left, ${groupedDigits(total.late!.right)} right` : '')
  );
}
