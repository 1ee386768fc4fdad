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
}
