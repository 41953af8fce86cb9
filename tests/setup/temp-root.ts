// Vitest global setup: the run gets its own temp root, `<temp dir>/bgpt-test-run-<pid>-XXXXXX`, removed at teardown.
// TMPDIR (TEMP and TMP on Windows) points there before any worker starts, so os.tmpdir() in every worker, and in
// every CLI, `bgpt serve` or browser a test spawns, lands inside it: what a test forgets, or a child leaves, goes
// with the run. A root left by a killed run (its process gone, untouched for an hour) is swept at the next start.
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeDir } from '../helpers/remove-dir';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's temp root; os.tmpdir() in a worker points here. */
    tempRoot: string;
  }
}

const PREFIX = 'bgpt-test-run-';
const TEMP_VARS = ['TMPDIR', 'TEMP', 'TMP'] as const;
/** A live run adds folders to its root all the time; an hour untouched means nothing is using it. */
const STALE_MS = 60 * 60 * 1000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes roots of earlier runs that were killed before their teardown. */
function sweepStale(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = path.join(base, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > STALE_MS) removeDir(dir);
    } catch {
      // Another run swept it first, or it is not ours to remove: either way nothing to do.
    }
  }
}

export default function setup(project: TestProject): () => void {
  const base = os.tmpdir();
  sweepStale(base);
  const root = mkdtempSync(path.join(base, `${PREFIX}${process.pid}-`));
  // Other users may pass through (not list): the read-only-home checks run the CLI as `nobody` on a folder inside.
  chmodSync(root, 0o711);
  const saved = TEMP_VARS.map((name) => [name, process.env[name]] as const);
  for (const name of TEMP_VARS) process.env[name] = root;
  project.provide('tempRoot', root);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    removeDir(root);
  };
}
