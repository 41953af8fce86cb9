// The generative task's evaluation (src-main/engine/train/generative.ts) runs in the run's own pass shape
// (windows and byte-level chunk: at paper size on wasm the default 128-patch chunk held 1.4 GB of byte-level
// activations, 16-patch chunks 0.12 GB, measured with tf.profile; the LoRA walk's peak fell from 3.27 to
// 2.48 GB): the loss it reports does not depend on that shape. Real TF.js on wasm, real tunes.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../helpers/temp';
import { generativeSpec, Trainer, type TrainOptions } from '../../../../src-main/engine/train/train';
import { buildSequences } from '../../../../src-main/engine/train/data';
import { estimateLoss } from '../../../../src-main/engine/train/generative';
import type { InputFile } from '../../../../src-main/engine/io/files';
import type { BGPTConfig } from '../../../../src-main/shared/config';

const TUNES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../datasets/abc-tunes/train');
const names = readdirSync(TUNES).sort();
// Tune books of about 4 KB (real tunes, one after another): windows of many byte-level chunks.
const book = (k: number): InputFile => {
  const parts: Uint8Array[] = [];
  for (let i = k, n = 0; n < 4000; i++) {
    const b = new Uint8Array(readFileSync(path.join(TUNES, names[i % names.length])));
    parts.push(b);
    n += b.length;
  }
  return { name: `book-${k}.abc`, ext: 'abc', bytes: Buffer.concat(parts) };
};
const tunes: InputFile[] = Array.from({ length: 8 }, (_, k) => book(k * 5));
// 256 patches: training's byte level runs in chunks of 16 patches on wasm, an evaluation at 128 would hold 8 times that.
const CONFIG: BGPTConfig = { patchSize: 16, patchLength: 256, hiddenSize: 256, patchNumLayers: 1, byteNumLayers: 2, numHeads: 4 };

describe('the generative evaluation', () => {
  it('gives the same loss whatever the byte-level chunk', async () => {
    const out = tempDir('bgpt-gen-eval-');
    const opts: TrainOptions = { config: CONFIG, files: tunes.slice(0, 2), steps: 1, batchSize: 1, parallel: false, backend: 'wasm', out };
    const trainer = await Trainer.open(generativeSpec(opts), opts);
    try {
      const seqs = buildSequences(CONFIG, tunes.slice(6));
      const whole = await estimateLoss(trainer.run.model as never, seqs, 2, CONFIG.patchLength);
      const chunked = await estimateLoss(trainer.run.model as never, seqs, 1, 8);
      expect(Math.abs(whole - chunked)).toBeLessThan(1e-5);
    } finally {
      await trainer.close();
    }
  }, 120_000);
});
