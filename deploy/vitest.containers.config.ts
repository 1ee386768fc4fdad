import { defineConfig } from 'vitest/config';

/**
 * The container stack's test (containers/): run on its own, after the other tests
 * (`npm run test:containers`), so that its image build and clusters do not compete with
 * their real Redis servers and threads for the machine.
 */
export default defineConfig({
  test: {
    include: ['containers/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
  },
});
