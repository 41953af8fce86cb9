// Shared helpers of the catalogue tests: temporary studio homes and stored blobs.
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../../../src-main/node/atomic';
import { blobPath } from '../../../src-main/catalogue/paths';
import type { DatasetFileInput } from '../../../src-main/catalogue/types';
import { tempDir } from '../../helpers/temp';

/** A fresh temporary studio home, removed after each test. */
export function tempHome(): string {
  return tempDir('bgpt-cat-');
}

/** Stores bytes content-addressed under the home and describes them as a dataset file. */
export async function storeBlob(home: string, text: string, name: string, split: 'train' | 'eval' = 'train'): Promise<DatasetFileInput> {
  const bytes = Buffer.from(text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFileAtomic(blobPath(home, sha256), bytes);
  return { sha256, size: bytes.length, ext: path.extname(name).slice(1), modality: 'text', split, originalName: name };
}
