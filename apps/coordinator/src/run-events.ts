import { RUN_ENDED_EVENTS, type RedisClient, closeRedis } from '@logcluster/core';

/**
 * Wake-ups for one run: workers publish on the run's channel whenever a chunk settles.
 * Messages can be lost (a reconnect, say), so every waiter also wakes on a timer and
 * re-reads the state; the channel only makes the common case prompt.
 */
interface Waiter {
  /** Woken only by a message that says the run ended. */
  onlyEnd: boolean;
  finish(ended: boolean): void;
}

export class RunEvents {
  private readonly waiters = new Set<Waiter>();
  private closing: Promise<void> | undefined;
  /** A message said the run ended, and no wait has reported it yet. */
  private endPending = false;

  private constructor(private readonly subscriber: RedisClient) {
    subscriber.on('message', (_channel: string, message: string) => {
      const end = RUN_ENDED_EVENTS.has(message);
      if (end) this.endPending = true;
      for (const waiter of [...this.waiters]) if (end || !waiter.onlyEnd) waiter.finish(end);
    });
  }

  static async subscribe(redis: RedisClient, channel: string): Promise<RunEvents> {
    const subscriber = redis.duplicate();
    subscriber.on('error', () => {});
    await subscriber.subscribe(channel);
    return new RunEvents(subscriber);
  }

  /**
   * Resolves at the next message, after `timeoutMs`, or when `signal` aborts, whichever
   * is first: true if a message said the run ended (one that came while nobody waited
   * counts too, once).
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.wait(timeoutMs, signal, false);
  }

  /** As `next`, but woken only by a message that says the run ended. */
  untilEnd(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.wait(timeoutMs, signal, true);
  }

  private wait(timeoutMs: number, signal: AbortSignal | undefined, onlyEnd: boolean): Promise<boolean> {
    if (this.endPending) {
      this.endPending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        onlyEnd,
        finish: (ended) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
          if (ended) this.endPending = false;
          resolve(ended);
        },
      };
      const onAbort = () => waiter.finish(false);
      const timer = setTimeout(() => waiter.finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const waiter of [...this.waiters]) waiter.finish(false);
      await closeRedis(this.subscriber);
    })());
  }
}
