// A file's bits per byte is ONE computation (engine/infer/score.ts scoreFile), whoever shows it: the
// Models view's evaluation, `bgpt eval`, and the viewer's surprisal mean (issue 21; the issue 24 walk
// saw 3.565 against 3.696 for one file, the viewer averaging its per-byte bits over the data bytes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InProcessEngineHost } from '../../../src-main/engine-host/in-process';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { tempDir } from '../../helpers/temp';

const FIXTURE = path.resolve(__dirname, '../../fixtures/parity/tiny-a');
/** Not a whole number of patches: the end patch holds padding, which the reference's loss counts. */
const TEXT = new Uint8Array(readFileSync(path.join(FIXTURE, 'inputs/gpl3-head.txt')).subarray(0, 301));

let tmp: string;
let studio: Studio;

beforeAll(async () => {
  tmp = tempDir('bgpt-scoring-');
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new InProcessEngineHost(), transport: 'http', builtIns: false });
});

afterAll(async () => {
  await studio?.close();
});

describe('a file\'s bits per byte', () => {
  it('is the same number in the dataset evaluation, bgpt eval and the viewer\'s surprisal mean', async () => {
    const modelId = (await studio.models.importPath(path.join(FIXTURE, 'model.pth'), { name: 'tiny-a' })).id;
    const from = { kind: 'model' as const, modelId };
    const { datasetId } = await studio.api.importFiles({ name: 'one', files: [{ name: 'licence.txt', bytes: TEXT }] });
    const file = (await studio.api.getDataset(datasetId)).files[0];
    const evaluation = await studio.api.evaluateModel({ from, datasetId, split: 'all' });
    const viewer = await studio.api.surprisal({ file: { kind: 'dataset-file', datasetId, fileId: file.id }, from });
    const fast = await studio.scoring.evaluateFiles(from, [{ name: 'licence.txt', ext: 'txt', bytes: TEXT }], { fast: true });
    // The kernels' evaluation and the viewer are one computation: the same float.
    expect(viewer.meanBitsPerByte).toBe(fast.files[0].bitsPerByte);
    // The Models view's evaluation (TF.js while it fits) computes the same definition: parity within 1e-4 nats.
    expect(Math.abs(viewer.meanBitsPerByte - evaluation.files[0].bitsPerByte)).toBeLessThan(1e-4 / Math.LN2);
    expect(evaluation.from).toEqual(from);
    // What the viewer used to show, the mean of the per-byte bits, is another number (the end patch is left out).
    const dataMean = viewer.bits.reduce((a, b) => a + b, 0) / viewer.bits.length;
    expect(Math.abs(dataMean - viewer.meanBitsPerByte)).toBeGreaterThan(0.01);
  }, 120_000);
});
