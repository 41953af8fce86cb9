// Writes a whole folder tree atomically: every file is written and fsynced under a temporary sibling
// folder, which then replaces the target by rename. (node/atomic's writeDirAtomic fsyncs only the
// top-level entries and fails on subfolders such as train/ and eval/.)
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempSibling, writeFileAtomic, PUBLIC_MODES } from '../node/atomic';

/** Replaces `target` with a folder holding `files` ('/'-separated relative path → bytes). */
export async function writeTreeAtomic(target: string, files: Map<string, Uint8Array>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  try {
    await fs.mkdir(tmp);
    for (const [rel, bytes] of files) await writeFileAtomic(path.join(tmp, ...rel.split('/')), bytes, PUBLIC_MODES);
    const old = tempSibling(target);
    const hadOld = await fs.rename(target, old).then(() => true, () => false);
    await fs.rename(tmp, target);
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
