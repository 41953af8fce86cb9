// Temporary folders for tests, each removed when its owner ends, pass or fail: the one way the suites make them.
// A folder made inside a test (its body, beforeEach or afterEach) goes when that test finishes (onTestFinished);
// one made at file level (top level, describe body, beforeAll) lives until the file ends, so tests of one file
// can share it (afterAll, installed for every file by tests/setup/temp-dirs.ts). What spawned processes leave in
// the temp dir is caught by the run's own temp root (tests/setup/temp-root.ts).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished, TestRunner } from 'vitest';
import { removeDir } from './remove-dir';

const fileDirs: string[] = [];
let fileCleanupInstalled = false;

/** Makes `<os temp dir>/<prefix>XXXXXX` and registers its removal with the test or the file that made it. */
export function tempDir(prefix: string): string {
  if (prefix.includes('/') || prefix.includes(path.sep)) throw new Error(`tempDir: a prefix, not a path: ${prefix}`);
  const inTest = TestRunner.getCurrentTest() !== undefined;
  if (!inTest && !fileCleanupInstalled) {
    throw new Error('tempDir at file level needs tests/setup/temp-dirs.ts in the vitest config setupFiles');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (inTest) onTestFinished(() => removeDir(dir));
  else fileDirs.push(dir);
  return dir;
}

/** The file-level half: `afterAll(removeFileTempDirs)` in tests/setup/temp-dirs.ts calls this once the file is done. */
export function removeFileTempDirs(): void {
  for (const dir of fileDirs.splice(0)) removeDir(dir);
}

/** Called by tests/setup/temp-dirs.ts when it has installed the file-level cleanup. */
export function markFileCleanupInstalled(): void {
  fileCleanupInstalled = true;
}
