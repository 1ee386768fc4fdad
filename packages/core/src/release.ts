import { errorMessage } from './errors.js';

/**
 * Runs clean-up steps in the order given. Every step runs even if an earlier one
 * failed; the failures are reported together at the end.
 */
export async function releaseAll(steps: readonly (() => Promise<unknown>)[], what = 'clean-up'): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1)
    throw new AggregateError(failures, `${what} failed: ${failures.map(errorMessage).join('; ')}`);
}
