/**
 * Clean-up steps run in reverse order of acquisition. Every step runs even if an earlier
 * one failed; the failures are reported together at the end.
 */
export class Releasers {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async releaseAll(): Promise<void> {
    const failures: unknown[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'several clean-up steps failed');
  }
}
