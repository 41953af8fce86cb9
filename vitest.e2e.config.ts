// End-to-end suites: real Chromium against the real studio (bgpt serve). One file at a time: the
// machine has two cores and the engine process needs one. Without a Chromium the suites are skipped with one
// line naming the package (README, "Set up"); under CI=true a missing browser fails the run.
import { defineConfig } from 'vitest/config';
import { lacks, missingLine } from './tests/helpers/system';

const noBrowser = lacks('chromium');
if (noBrowser) process.stdout.write(`npm test: ${missingLine('chromium')}\n`);

export default defineConfig({
  test: {
    include: noBrowser ? [] : ['tests/e2e/**/*.e2e.test.ts'],
    passWithNoTests: noBrowser,
    // The run's own temp root (TMPDIR, removed at the end): catches what `bgpt serve` and Chromium leave.
    globalSetup: ['tests/setup/temp-root.ts'],
    // Removes each file's tempDir folders when the file ends (tests/helpers/temp.ts).
    setupFiles: ['tests/setup/temp-dirs.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
