// THE reader of config.json (src-main/checkpoint/config.ts): every loader, trainer and check reads a
// folder's config through it, with one wording of each failure.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, readFolderConfig } from '../../../src-main/checkpoint';
import { tempDir } from '../../helpers/temp';

const FIXTURE = path.resolve(__dirname, '../../fixtures/parity/tiny-a');
const tmp = tempDir('bgpt-config-');

function folder(name: string, config?: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  if (config !== undefined) writeFileSync(path.join(dir, CONFIG_FILE), config);
  return dir;
}

describe('readFolderConfig', () => {
  it('reads the reference config of a checkpoint folder', async () => {
    const c = await readFolderConfig(path.join(FIXTURE, 'checkpoint'));
    expect(c).toMatchObject({ patchSize: 16, hiddenSize: 64 });
    expect(c.numHeads).toBe(1);
  });

  it('names a missing folder, a missing file, bad JSON and a bad field, each in one line', async () => {
    await expect(readFolderConfig(path.join(tmp, 'nope'))).rejects.toThrow(/^checkpoint .*nope: no such folder$/);
    await expect(readFolderConfig(path.join(FIXTURE, 'model.pth'))).rejects.toThrow(/model\.pth: not a folder/);
    await expect(readFolderConfig(folder('empty'))).rejects.toThrow(/empty\/config\.json: cannot read the checkpoint config \(no such file\)$/);
    await expect(readFolderConfig(folder('bad', '{not json'))).rejects.toThrow(/bad\/config\.json: not valid JSON$/);
    await expect(readFolderConfig(folder('field', JSON.stringify({ patch_size: 16, patch_length: 1, hidden_size: 64, patch_num_layers: 1, byte_num_layers: 1 }))))
      .rejects.toThrow(/field\/config\.json: patch_length/);
  });

  it('takes a classifier (no byte-level decoder) only when asked to', async () => {
    const dir = folder('classifier', JSON.stringify({ patch_size: 16, patch_length: 8, hidden_size: 64, patch_num_layers: 1, byte_num_layers: 0 }));
    await expect(readFolderConfig(dir)).rejects.toThrow(/byte_num_layers is 0, a classification checkpoint/);
    await expect(readFolderConfig(dir, { classifier: true })).resolves.toMatchObject({ byteNumLayers: 0 });
  });
});
