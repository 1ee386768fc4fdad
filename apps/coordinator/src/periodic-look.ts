/**
 * A look at a run taken every `everyMs` until `stop`, one at a time (the next is timed
 * from the end of the last). A look that fails (Redis restarting) is simply taken again
 * at the next tick: what is looked for is still there then.
 */
export class PeriodicLook {
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> = Promise.resolve();

  constructor(
    private readonly everyMs: number,
    private readonly look: () => Promise<void>,
  ) {}

  start(): void {
    const tick = () => {
      this.looking = this.look()
        .catch(() => {})
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.everyMs);
        });
    };
    this.timer = setTimeout(tick, this.everyMs);
  }

  /** Stops, once the look under way (if any) is over. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.looking;
  }
}
