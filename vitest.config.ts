import { configDefaults, defineConfig } from 'vitest/config';

// One suite, two dialects: scripts/test.sh runs it with PARTA_TEST_DIALECT=sqlite and =postgres.
// Two projects: the unit and API tests, then the browser tests (tests/e2e), which run after the rest
// has finished, one file at a time (each drives a Chromium; the machine has 2 cores) and with longer
// timeouts (a cold browser start and a page load take seconds, not milliseconds).
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'api',
          include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'tests/e2e/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
