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
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'tests/k8s/**/*.test.ts', 'tests/docs/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          globalSetup: ['tests/support/build.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.integration.test.ts', 'services/*/src/**/*.integration.test.ts', 'tests/**/*.test.ts'],
          // The slow chaos scenarios (a broker, a cluster node or Redis of their own broken under load): `npm run test:chaos`.
          // tests/containers runs against the compose stack (`npm run test:containers`); tests/k8s and tests/docs are unit.
          exclude: ['tests/chaos/**/*.chaos.test.ts', 'tests/containers/**', 'tests/k8s/**', 'tests/docs/**', '**/node_modules/**'],
          globalSetup: ['tests/support/build.ts', 'tests/support/global-infrastructure.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          include: ['tests/chaos/**/*.test.ts'],
          globalSetup: ['tests/support/build.ts', 'tests/support/global-infrastructure.ts'],
          // One scenario at a time: each runs a whole stack, some a Kafka cluster of their own.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 400_000,
        },
      },
      {
        extends: true,
        test: {
          // `npm run test:containers`, against the compose stack it brings up (nothing else running).
          name: 'containers',
          include: ['tests/containers/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
