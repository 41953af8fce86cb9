// Atomic file writes (write to a temporary name in the same folder, fsync, rename): a crash or an
// error never leaves a half-written file under the final name (docs/ARCHITECTURE.md). Private by default: files
// 0600 and new folders 0700, as everything in the studio home must be (docs/security.md); files the
// user asked for elsewhere (`--out`, a save dialog) pass PUBLIC_MODES to get the usual umask modes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface WriteModes {
  /** Mode of the file (filtered by the umask, so 0o600 stays private whatever the umask). */
  file: number;
  /** Mode of parent folders this write creates. */
  dir: number;
}
export const PRIVATE_MODES: WriteModes = { file: 0o600, dir: 0o700 };
/** Ordinary modes for files the user exports out of the studio (the umask decides, as for any tool). */
export const PUBLIC_MODES: WriteModes = { file: 0o666, dir: 0o777 };

/** Temporary sibling name; the leading '.tmp-' lets reconcilers recognise and sweep leftovers. */
export function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}-${randomBytes(6).toString('hex')}`);
}

async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename itself durable; not supported everywhere (e.g. Windows).
  try {
    const h = await fs.open(dir, 'r');
    try { await h.sync(); } finally { await h.close(); }
  } catch { /* best effort */ }
}

/** Writes `data` to `target` atomically, creating parent folders. */
export async function writeFileAtomic(target: string, data: Uint8Array | string, modes: WriteModes = PRIVATE_MODES): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true, mode: modes.dir });
  const tmp = tempSibling(target);
  // 'wx': never follow or reuse something already at the temporary name.
  const h = await fs.open(tmp, 'wx', modes.file);
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (err) {
    await h.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await h.close();
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

/**
 * Writes a whole directory atomically: `fill(tmpDir)` writes into a fresh temporary folder, which
 * then replaces `target` (the old one, if any, is removed only after the new one is in place).
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_MODES.dir });
  const tmp = tempSibling(target);
  await fs.mkdir(tmp, { mode: PRIVATE_MODES.dir });
  try {
    await fill(tmp);
    for (const name of await fs.readdir(tmp)) {
      const h = await fs.open(path.join(tmp, name), 'r');
      // Whatever `fill` wrote with default modes becomes owner-only before it is published.
      try { await h.sync(); await h.chmod(PRIVATE_MODES.file); } finally { await h.close(); }
    }
    await fsyncDir(tmp);
    let old: string | null = null;
    try {
      await fs.access(target);
      old = tempSibling(target);
      await fs.rename(target, old);
    } catch { old = null; }
    await fs.rename(tmp, target);
    await fsyncDir(path.dirname(target));
    if (old) await fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
