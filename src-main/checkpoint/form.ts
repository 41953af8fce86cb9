// What a checkpoint path holds, recognised ONE way, by its content: a studio checkpoint folder
// (docs/checkpoint-format.md), or a PyTorch checkpoint file as `torch.save` writes it since 1.6 (a zip
// archive: its first bytes are a zip local-file header). A file's name is never asked.
import { promises as fs } from 'node:fs';
import { UserError } from '../shared/errors';
import { CONFIG_FILE, MODEL_FILE, TORCH_FILE_NAME } from './layout';

/** 'folder': a studio checkpoint folder; 'torch': a torch.save zip file; 'other': a file that is neither; 'missing': nothing there. */
export type CheckpointForm = 'folder' | 'torch' | 'other' | 'missing';

/** "PK\x03\x04": every zip archive, and so every torch.save (>= 1.6) checkpoint, starts with it. */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Reads the first bytes of `p` to tell a folder, a PyTorch checkpoint file, another file or nothing apart. */
export async function checkpointForm(p: string): Promise<CheckpointForm> {
  const st = await fs.stat(p).catch(() => null);
  if (!st) return 'missing';
  if (st.isDirectory()) return 'folder';
  if (!st.isFile()) return 'other';
  const head = new Uint8Array(ZIP_MAGIC.length);
  const h = await fs.open(p, 'r').catch(() => null);
  if (!h) return 'other';
  try {
    const { bytesRead } = await h.read(head, 0, head.length, 0);
    return bytesRead === head.length && ZIP_MAGIC.every((b, i) => head[i] === b) ? 'torch' : 'other';
  } finally {
    await h.close();
  }
}

/** True when `p` is a PyTorch checkpoint file (by content). */
export async function isTorchCheckpointFile(p: string): Promise<boolean> {
  return (await checkpointForm(p)) === 'torch';
}

/**
 * The form of a checkpoint the caller is about to load: 'folder' or 'torch', else one line saying
 * what is there instead (the one wording for every command and service).
 */
export async function requireCheckpoint(p: string): Promise<'folder' | 'torch'> {
  const form = await checkpointForm(p);
  if (form === 'folder' || form === 'torch') return form;
  if (form === 'missing') {
    // Nothing to read the content of: the name says which of the two was meant.
    if (TORCH_FILE_NAME.test(p)) throw new UserError(`${p}: cannot read the PyTorch checkpoint (no such file)`, 'BAD_CHECKPOINT');
    throw new UserError(`checkpoint ${p}: no such folder`, 'BAD_CHECKPOINT');
  }
  throw new UserError(`${p}: not a checkpoint folder (${CONFIG_FILE} + ${MODEL_FILE}), and not a PyTorch zip checkpoint (torch.save, PyTorch >= 1.6)`, 'BAD_CHECKPOINT');
}
