import { setTimeout as delay } from 'node:timers/promises';

export interface UntilOptions {
  /** How long to keep trying, ms. The default is generous: tests share a loaded machine. */
  timeoutMs?: number;
  /** The pause between two tries, ms. */
  everyMs?: number;
}

/**
 * Tries `probe` until it gives something other than `false`, `null` or `undefined`, and
 * resolves with that: `true` for a plain condition, or the value a test goes on with
 * (`(progress.status !== 'running') && progress`). Throws `timed out after … waiting for
 * <what>` if it never does; `what` may be a function, to name the state last seen. An
 * error thrown by `probe` (a failed `expect`) ends the wait at once.
 */
export async function until<T>(
  what: string | (() => string),
  probe: () => T | Promise<T>,
  options: UntilOptions = {},
): Promise<Exclude<T, false | null | undefined>> {
  const { timeoutMs = 30_000, everyMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false && value !== null && value !== undefined) return value as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await delay(everyMs);
  }
}

/**
 * Lets `ms` pass. Only for a test that means it — to show that nothing happens meanwhile,
 * or to spread writes over time — never to wait for something: poll for that with `until`.
 */
export async function sleep(ms: number): Promise<void> {
  await delay(ms);
}
