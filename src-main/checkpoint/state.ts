// What the studio and the catalogue read of a checkpoint's resume state without loading a model: the
// step it was written at and the best eval loss so far (train_state.json, written by the trainers).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LABELS_FILE, TRAIN_STATE_FILE } from './layout';

/** Step and best eval loss recorded in a checkpoint folder (the catalogue's reconcile, `bgpt train`'s report); null when unreadable. */
export async function readCheckpointInfo(dir: string): Promise<{ step: number; evalLoss: number | null } | null> {
  try {
    const s = JSON.parse(await fs.readFile(path.join(dir, TRAIN_STATE_FILE), 'utf8')) as { step?: unknown; bestEvalLoss?: unknown };
    if (typeof s.step !== 'number') return null;
    return { step: s.step, evalLoss: typeof s.bestEvalLoss === 'number' ? s.bestEvalLoss : null };
  } catch {
    return null;
  }
}

/** Whether a checkpoint folder holds a classifier (it has labels.json). */
export async function isClassifierFolder(dir: string): Promise<boolean> {
  return (await fs.stat(path.join(dir, LABELS_FILE)).catch(() => null))?.isFile() ?? false;
}
