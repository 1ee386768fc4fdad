import { defineConfig } from 'vitest/config';

/** The test settings every package shares. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real redis-server, worker threads and processes: give them room on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
