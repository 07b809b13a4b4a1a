import { defineConfig } from 'vitest/config';

// One suite, two dialects: scripts/test.sh runs it with PARTA_TEST_DIALECT=sqlite and =postgres.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
