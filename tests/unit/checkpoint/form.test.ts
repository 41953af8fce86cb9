// A checkpoint is recognised one way, by its content (src-main/checkpoint/form.ts): a folder, or a file
// that starts as every torch.save zip does; a file's name decides nothing, and the one-line errors
// say what is there instead.
import { describe, expect, it } from 'vitest';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointForm, isTorchCheckpointFile, requireCheckpoint } from '../../../src-main/checkpoint';
import { tempDir } from '../../helpers/temp';

const FIXTURE = path.resolve(__dirname, '../../fixtures/parity/tiny-a');
const tmp = tempDir('bgpt-form-');

describe('checkpointForm', () => {
  it('tells a folder, a torch.save file under any name, another file and nothing apart', async () => {
    const renamed = path.join(tmp, 'weights.bin');
    copyFileSync(path.join(FIXTURE, 'model.pth'), renamed);
    const fake = path.join(tmp, 'fake.pth');
    writeFileSync(fake, 'import os; os.system("touch /tmp/pwned")');
    const short = path.join(tmp, 'short.pt');
    writeFileSync(short, 'PK');
    expect(await checkpointForm(path.join(FIXTURE, 'checkpoint'))).toBe('folder');
    expect(await checkpointForm(path.join(FIXTURE, 'model.pth'))).toBe('torch');
    expect(await checkpointForm(renamed)).toBe('torch');
    expect(await checkpointForm(fake)).toBe('other');
    expect(await checkpointForm(short)).toBe('other');
    expect(await checkpointForm(path.join(tmp, 'absent.pth'))).toBe('missing');
    expect(await isTorchCheckpointFile(renamed)).toBe(true);
    expect(await isTorchCheckpointFile(fake)).toBe(false);
  });

  it('refuses what is not a checkpoint in one line that says what is there', async () => {
    await expect(requireCheckpoint(path.join(tmp, 'fake.pth'))).rejects.toThrow(/fake\.pth: not a checkpoint folder .* and not a PyTorch zip checkpoint/);
    await expect(requireCheckpoint(path.join(tmp, 'absent.pth'))).rejects.toThrow(/absent\.pth: cannot read the PyTorch checkpoint \(no such file\)$/);
    await expect(requireCheckpoint(path.join(tmp, 'absent'))).rejects.toThrow(/^checkpoint .*absent: no such folder$/);
    await expect(requireCheckpoint(path.join(FIXTURE, 'checkpoint'))).resolves.toBe('folder');
  });
});
