/**
 * A cap on the files a follow holds open at once (`--max-open-files`), shared fairly:
 * slots go to those waiting in the order they asked, and a follower that holds one gives
 * it up after a turn whenever another waits (follow-reader.ts), so that one busy file
 * cannot keep the others from being read.
 */
export class FileSlots {
  private held = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Followers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Slots held now. */
  get inUse(): number {
    return this.held;
  }

  /** Resolves once the caller holds a slot. */
  async acquire(): Promise<void> {
    if (this.held < this.capacity) {
      this.held++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  /** Gives a slot back: to the first waiting, if any (it is handed over, never free in between). */
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.held--;
  }
}
