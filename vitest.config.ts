// Unit and integration suites (plain Node). e2e suites have their own config.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    // The run's own temp root (TMPDIR, removed at the end), then the probe of the system packages some suites need:
    // a missing one skips them with a line (fails under CI=true).
    globalSetup: ['tests/setup/temp-root.ts', 'tests/setup/system.ts'],
    // Removes each file's tempDir folders when the file ends (tests/helpers/temp.ts).
    setupFiles: ['tests/setup/temp-dirs.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
  },
});
