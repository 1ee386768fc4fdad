import { releaseAll } from '@logcluster/core';

/**
 * Clean-up steps gathered as resources are acquired, run in reverse order of
 * acquisition; see `releaseAll`.
 */
export class Releasers {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  releaseAll(): Promise<void> {
    return releaseAll(this.steps.splice(0).reverse());
  }

  /**
   * Runs `body`, then every clean-up step. When the body failed, its error is the one
   * that explains the exit: a clean-up failure after it is passed to `warn`, not thrown.
   */
  async around<T>(body: () => Promise<T>, warn: (err: unknown) => void): Promise<T> {
    let result: T;
    try {
      result = await body();
    } catch (err) {
      await this.releaseAll().catch(warn);
      throw err;
    }
    await this.releaseAll();
    return result;
  }
}
