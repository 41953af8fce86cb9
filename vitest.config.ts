// Unit and integration suites (plain Node). e2e suites have their own config.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    // Probes the system packages some suites need; a missing one skips them with a line (fails under CI=true).
    globalSetup: ['tests/setup/system.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
  },
});
