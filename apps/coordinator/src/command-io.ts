import type { CountThreads } from '@logcluster/worker/count-threads';
import type { SpawnedRedis } from './redis-spawn.js';

/** Where a command writes, and the signal that says the user asked it to stop. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadableStream;
  signal: AbortSignal;
  /**
   * How long the command may take to stop once `signal` fires before the process is
   * forced out (a command raises it to cover its own grace period).
   */
  shutdownDeadlineMs: number;
  /** What the `logcluster` command started before the bundle loaded, for `analyze` to take over (early-start.ts). */
  earlyRedis?: SpawnedRedis;
  earlyThreads?: CountThreads;
}

/** Shutdown time allowed by default: enough to close connections and a worker pool. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Waits for `promise` unless the user asks to stop first: a wait on a Redis that went
 * away would otherwise not hear Ctrl-C until Redis came back.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
