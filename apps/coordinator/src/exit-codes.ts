import type { RunStatus } from '@logcluster/core';

/** The contract's exit codes. */
export const EXIT = {
  completed: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  /** Interrupted by SIGINT/SIGTERM, as shells report it (128 + SIGINT). */
  interrupted: 130,
} as const;

export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'completed':
      return EXIT.completed;
    case 'running':
      // Not final: nothing that exits with this code has a finished run to report.
      return EXIT.failure;
    case 'partial':
      return EXIT.partial;
    case 'failed':
      return EXIT.failure;
  }
}
