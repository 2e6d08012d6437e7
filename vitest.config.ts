import { defineConfig } from 'vitest/config';

// Unit tests need nothing running; integration and end-to-end tests get a real Kafka and Redis from
// the global set-up (started if absent, stopped afterwards only if it started them).
export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: more parallel files only make Kafka group joins slower.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.integration.test.ts', 'services/*/src/**/*.integration.test.ts', 'tests/**/*.test.ts'],
          globalSetup: ['tests/support/global-infrastructure.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
