// Validity as a training metric: each evaluation samples files from the current weights and records
// the valid share beside the loss (and on the best checkpoint); conversion runs and validitySamples 0 skip it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { train, type CheckpointEvent, type EvalMetrics } from '../../../../src-main/engine/train/train';
import { dominantExt } from '../../../../src-main/engine/train/validity';
import type { InputFile } from '../../../../src-main/engine/io/files';
import { tempDir } from '../../../helpers/temp';

const TRAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../datasets/abc-tunes/train');
const files: InputFile[] = readdirSync(TRAIN).slice(0, 6).map((n) => ({ name: n, ext: 'abc', bytes: new Uint8Array(readFileSync(path.join(TRAIN, n))) }));
const config = { patchSize: 16, patchLength: 64, hiddenSize: 32, patchNumLayers: 1, byteNumLayers: 1, numHeads: 1 };

describe('valid-sample rate during training', () => {
  it('is measured at each evaluation and stored on the best checkpoint', async () => {
    const evals: EvalMetrics[] = [];
    const checkpoints: CheckpointEvent[] = [];
    await train({
      config, files: files.slice(0, 4), evalFiles: files.slice(4), steps: 2, batchSize: 2, evalEvery: 1, validitySamples: 2,
      out: tempDir('bgpt-valid-'), parallel: false, backend: 'wasm',
      onEval: (m) => evals.push(m), onCheckpoint: (e) => checkpoints.push(e),
    });
    expect(evals.map((e) => e.step)).toEqual([1, 2]);
    for (const e of evals) expect([0, 0.5, 1]).toContain(e.validRate);
    const best = checkpoints.filter((c) => c.kind === 'best');
    expect(best.length).toBeGreaterThan(0);
    expect(evals.map((e) => e.validRate)).toContain(best[best.length - 1].validRate);
  }, 120_000);

  it('is off with validitySamples 0, and picks the dominant extension', async () => {
    const evals: EvalMetrics[] = [];
    await train({
      config, files: files.slice(0, 2), evalFiles: files.slice(4), steps: 1, batchSize: 2, evalEvery: 1, validitySamples: 0,
      out: tempDir('bgpt-valid-'), parallel: false, backend: 'wasm', onEval: (m) => evals.push(m),
    });
    expect(evals[0].validRate).toBeNull();
    expect(dominantExt([{ ext: 'abc' }, { ext: 'mid' }, { ext: 'abc' }])).toBe('abc');
    expect(dominantExt([])).toBeNull();
  }, 120_000);
});
