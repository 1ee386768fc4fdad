import { type RedisClient, closeRedis } from '@logcluster/core';

/**
 * Wake-ups for one run: workers publish on the run's channel whenever a chunk settles.
 * Messages can be lost (a reconnect, say), so every waiter also wakes on a timer and
 * re-reads the state; the channel only makes the common case prompt.
 */
export class RunEvents {
  private waiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;

  private constructor(private readonly subscriber: RedisClient) {
    subscriber.on('message', () => this.wake());
  }

  static async subscribe(redis: RedisClient, channel: string): Promise<RunEvents> {
    const subscriber = redis.duplicate();
    subscriber.on('error', () => {});
    await subscriber.subscribe(channel);
    return new RunEvents(subscriber);
  }

  /** Resolves at the next event, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.wake();
      await closeRedis(this.subscriber);
    })());
  }
}
