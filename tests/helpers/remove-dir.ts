// Removes a test folder whatever state a failed test left it in (a read-only subfolder, a child still closing files);
// shared by tests/helpers/temp.ts and the run's temp root (tests/setup/temp-root.ts), which must not load vitest.
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Gives the owner back write access to every folder under dir, so a test that failed while it was read-only can go. */
function makeWritable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) makeWritable(path.join(dir, e.name));
  } catch {
    // Not ours or already gone: the removal that follows says what is wrong.
  }
}

/** Removes a folder and everything in it; a missing one is fine. Retries ride out a child still closing files. */
export function removeDir(dir: string): void {
  const rm = () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  try {
    rm();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EACCES' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    makeWritable(dir);
    rm();
  }
}
