// Paper size (docs/pytorch.md "Done when"): a 110 M-parameter model (patch 16, length 512, hidden 768, 12+3
// layers) written at test time both as a studio checkpoint and, in the reference trainer's layout, as
// a .pth: the .pth loads with the paper config inferred from its shapes and scores a file exactly as
// the studio checkpoint does (fast inference path). Seeded random weights: nothing large is in git.
import { describe, it, expect } from 'vitest';
import { mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { configToJson, parameterCount, presetConfig } from '../../../../src-main/shared/config';
import { fileSequence } from '../../../../src-main/shared/patches';
import { writeSafetensors, type Tensor } from '../../../../src-main/engine/io/safetensors';
import { initialTensors, trainableSpecs, BYTE_WTE, LM_HEAD, UNUSED_PATCH_WTE, PATCH_PREFIX } from '../../../../src-main/engine/model/weights';
import { loadInferenceModel, scoreSequence } from '../../../../src-main/engine/infer/index';
import { inspectTorchCheckpoint, writeTorchCheckpoint } from '../../../../src-main/engine/torch/index';
import { tempDir } from '../../../helpers/temp';

const dir = tempDir('bgpt-paper-pth-');

describe('a paper-size .pth', () => {
  it('infers the paper config and scores a file exactly as its studio checkpoint', async () => {
    const config = presetConfig('paper');
    const pth = path.join(dir, 'weights-paper.pth');
    const ckpt = path.join(dir, 'checkpoint');
    {
      // The full reference state dict order: unused patch wte before wpe, tied LM head last.
      const init = initialTensors(config, 20240229);
      const list: Array<[string, Tensor]> = [];
      for (const spec of trainableSpecs(config)) {
        if (spec.name === `${PATCH_PREFIX}base.wpe.weight`) list.push([UNUSED_PATCH_WTE, { shape: [1, config.hiddenSize], data: new Float32Array(config.hiddenSize) }]);
        list.push([spec.name, init.get(spec.name)!]);
      }
      list.push([LM_HEAD, init.get(BYTE_WTE)!]);
      mkdirSync(ckpt);
      await fs.writeFile(path.join(ckpt, 'config.json'), JSON.stringify(configToJson(config)));
      await writeSafetensors(path.join(ckpt, 'model.safetensors'), list);
      await writeTorchCheckpoint(pth, list, { epoch: 7, bestEpoch: 7, minEvalLoss: 0.5 });
    }
    const info = await inspectTorchCheckpoint(pth);
    expect(info.config).toEqual(config);
    expect(info.parameters).toBe(parameterCount(config));
    expect(info.meta).toMatchObject({ epoch: 7, bestEpoch: 7, minEvalLoss: 0.5, hasOptimizer: false });
    // About 110 M parameters as float32, plus 15 attention masks: the size of the published files.
    expect((await fs.stat(pth)).size).toBeGreaterThan(400e6);

    // One file of 1.5 KB: 100 patches, well inside the 512-patch window.
    const bytes = new Uint8Array(1500).map((_, i) => (i * 31 + (i >> 4)) & 0xff);
    const seq = fileSequence(bytes, 'bin', config.patchSize);
    const viaDir = scoreSequence(await loadInferenceModel(ckpt), seq).loss;
    const viaPth = scoreSequence(await loadInferenceModel(pth), seq).loss;
    expect(Math.abs(viaPth - viaDir)).toBeLessThan(1e-4);
    // Random GPT-2 initial weights predict about uniformly over 257 values.
    expect(Math.abs(viaPth - Math.log(257))).toBeLessThan(0.5);
  }, 1_800_000); // ~1 min of CPU; a generous ceiling for a loaded 2-core machine
});
