import { RUN_ENDED_EVENTS, type RedisClient, closeRedis } from '@logcluster/core';

/**
 * Wake-ups for one run: workers publish on the run's channel whenever a chunk settles.
 * Messages can be lost (a reconnect, say), so every waiter also wakes on a timer and
 * re-reads the state; the channel only makes the common case prompt.
 */
export class RunEvents {
  private waiters: { done: () => void; onlyEnd: boolean }[] = [];
  private closing: Promise<void> | undefined;
  private endSeen = false;

  private constructor(private readonly subscriber: RedisClient) {
    subscriber.on('message', (_channel: string, message: string) => {
      const end = RUN_ENDED_EVENTS.has(message);
      if (end) this.endSeen = true;
      this.wake(end);
    });
  }

  static async subscribe(redis: RedisClient, channel: string): Promise<RunEvents> {
    const subscriber = redis.duplicate();
    subscriber.on('error', () => {});
    await subscriber.subscribe(channel);
    return new RunEvents(subscriber);
  }

  /** Resolves at the next event, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wait(timeoutMs, signal, false);
  }

  /** Resolves after `timeoutMs`, when a message says the run ended, or when `signal` aborts. */
  untilEnd(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.endSeen ? Promise.resolve() : this.wait(timeoutMs, signal, true);
  }

  private wait(timeoutMs: number, signal: AbortSignal | undefined, onlyEnd: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      this.waiters.push({ done, onlyEnd });
    });
  }

  /** Wakes who waits for any message, and (at an end, or on closing) who waits for the end. */
  private wake(end: boolean): void {
    const woken = this.waiters.filter((waiter) => end || !waiter.onlyEnd);
    this.waiters = this.waiters.filter((waiter) => !woken.includes(waiter));
    for (const waiter of woken) waiter.done();
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.wake(true);
      await closeRedis(this.subscriber);
    })());
  }
}
