// The second wall (issue 20 item 2): .pth inspection in a worker thread with a capped heap. A file the
// caps did not stop (here: the caps lifted, a 30 MiB EMPTY_DICT bomb) runs that thread out of memory;
// the caller gets one line and this process goes on, where it used to die with a V8 heap error.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectTorchCheckpointIsolated } from '../../../../src-main/engine/torch/isolated';
import { inspectTorchCheckpoint } from '../../../../src-main/engine/torch/read';
import { zipArchive, opcodeRun, EMPTY_DICT } from '../../../helpers/pickle-bomb';
import { tempDir } from '../../../helpers/temp';

const dir = tempDir('bgpt-isolated-');
const FIXTURE = path.join(__dirname, '../../../fixtures/parity/tiny-a/model.pth');
const NO_LIMITS = { maxOpcodes: Infinity, maxStack: Infinity, maxDepth: Infinity, maxMemo: Infinity, maxContainers: Infinity, maxElements: Infinity, maxStringBytes: Infinity };

describe('isolated .pth inspection', () => {
  it('reads a real checkpoint exactly as in-process inspection does', async () => {
    const [a, b] = await Promise.all([inspectTorchCheckpointIsolated(FIXTURE), inspectTorchCheckpoint(FIXTURE)]);
    expect(a).toEqual(b);
  }, 60_000);

  it('turns a worker that runs out of its heap into one line, and this process goes on', async () => {
    const file = path.join(dir, 'bomb.pth');
    writeFileSync(file, zipArchive([{ name: 'archive/data.pkl', data: opcodeRun(EMPTY_DICT, 30 * 1024 * 1024), deflate: true }]));
    const err = await inspectTorchCheckpointIsolated(file, { heapMb: 96, pickleLimits: NO_LIMITS }).then(() => null, (e: Error) => e);
    expect(err?.message).toBe(`${file}: reading the checkpoint needed more than the 96 MB it may use; refused (a bGPT checkpoint needs a few MB)`);
    // With the caps in place (the default) the same file is refused by the unpickler, in the worker.
    await expect(inspectTorchCheckpointIsolated(file)).rejects.toThrow(/refused: the pickle holds more than 100,000 values on its stack/);
    expect((await inspectTorchCheckpointIsolated(FIXTURE)).parameters).toBeGreaterThan(1000);
  }, 120_000);

  it('gives up on a reader that takes too long', async () => {
    const file = path.join(dir, 'slow.pth');
    writeFileSync(file, zipArchive([{ name: 'archive/data.pkl', data: opcodeRun(EMPTY_DICT, 30 * 1024 * 1024), deflate: true }]));
    await expect(inspectTorchCheckpointIsolated(file, { timeoutMs: 50, pickleLimits: NO_LIMITS })).rejects.toThrow(`${file}: reading the checkpoint took longer than 0.05 s; refused`);
  }, 60_000);
});
