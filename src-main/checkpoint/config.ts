// THE reader of a checkpoint folder's config.json (docs/checkpoint-format.md): every loader, trainer,
// estimate and memory check reads a folder's model config through here, with one wording of its errors.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, type BGPTConfig } from '../shared/config';
import { UserError } from '../shared/errors';
import { CONFIG_FILE, MODEL_FILE } from './layout';

export interface ConfigReadOptions {
  /** Accept a classifier's config (byte_num_layers 0); default: only models that generate bytes. */
  classifier?: boolean;
}

/** The validated model config of checkpoint folder `dir`; a missing folder or file, bad JSON or a bad config is one UserError line. */
export async function readFolderConfig(dir: string, opts: ConfigReadOptions = {}): Promise<BGPTConfig> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st) throw new UserError(`checkpoint ${dir}: no such folder`, 'BAD_CHECKPOINT');
  if (!st.isDirectory()) {
    throw new UserError(`checkpoint ${dir}: not a folder (a checkpoint is a folder with ${CONFIG_FILE} and ${MODEL_FILE}, or a PyTorch .pth/.pt file)`, 'BAD_CHECKPOINT');
  }
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read the checkpoint config (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`, 'BAD_CHECKPOINT');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not valid JSON`, 'BAD_CHECKPOINT');
  }
  return configFromJson(json, file, { classifier: opts.classifier === true });
}
