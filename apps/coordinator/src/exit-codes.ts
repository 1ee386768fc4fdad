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
    case 'running':
      return EXIT.completed;
    case 'partial':
      return EXIT.partial;
    case 'failed':
      return EXIT.failure;
  }
}
