// The adapter folder's definitions (src-main/checkpoint/adapter.ts): module lists in the reference names, PEFT's
// config keys round-tripping, the one merge W + (alpha/r)·(B·A)ᵀ against a direct sum, and one-line refusals.
import { describe, expect, it } from 'vitest';
import {
  adapterConfigFromJson, adapterConfigToJson, checkLoraSettings, LORA_DEFAULTS, loraModules, loraParameterCount, loraTensorNames,
  mergeLoraWeight, parseLoraTargets, referenceNameOf, savedTensorName, type AdapterConfig,
} from '../../../src-main/checkpoint/adapter';
import { presetConfig } from '../../../src-main/shared/config';

const paper = presetConfig('paper');
const base = { sha256: 'a'.repeat(64), name: 'weights-conversion', ref: { kind: 'model' as const, modelId: 'mdl_x' } };

describe('adapter definitions', () => {
  it('lists every adapted matrix of both decoders in the reference names and Conv1D shapes', () => {
    const mods = loraModules(paper, LORA_DEFAULTS);
    expect(mods).toHaveLength((12 + 3) * 4);
    expect(mods[0]).toMatchObject({ module: 'patch_level_decoder.base.h.0.attn.c_attn', weight: 'patch_level_decoder.base.h.0.attn.c_attn.weight', inFeatures: 768, outFeatures: 2304 });
    expect(mods[3]).toMatchObject({ module: 'patch_level_decoder.base.h.0.mlp.c_proj', inFeatures: 3072, outFeatures: 768 });
    expect(mods.at(-1)).toMatchObject({ module: 'byte_level_decoder.base.transformer.h.2.mlp.c_proj', level: 'byte' });
    expect(loraTensorNames(mods[0].module)).toEqual({
      a: 'base_model.model.patch_level_decoder.base.h.0.attn.c_attn.lora_A.weight',
      b: 'base_model.model.patch_level_decoder.base.h.0.attn.c_attn.lora_B.weight',
    });
    // rank 8 on the paper model: 8 · Σ (in + out) over 60 matrices ≈ 2.4 M parameters, ~9 MB of float32
    expect(loraParameterCount(paper, LORA_DEFAULTS)).toBe(8 * 15 * (768 + 2304 + 768 + 768 + 768 + 3072 + 3072 + 768));
  });

  it('adapts only the chosen matrices and levels', () => {
    const mods = loraModules(paper, { targets: ['attn.c_attn'], levels: ['byte'] });
    expect(mods.map((m) => m.module)).toEqual([0, 1, 2].map((i) => `byte_level_decoder.base.transformer.h.${i}.attn.c_attn`));
    expect(parseLoraTargets('c_attn, c_proj')).toEqual(['attn.c_attn', 'attn.c_proj', 'mlp.c_proj']);
    expect(() => parseLoraTargets('q_proj')).toThrow(/'q_proj' is not one of/);
  });

  it('names saved base tensors under the PEFT prefix and reads them back', () => {
    const n = savedTensorName('patch_level_decoder.base.h.0.ln_1.weight');
    expect(n).toBe('base_model.model.patch_level_decoder.base.h.0.ln_1.weight');
    expect(referenceNameOf(n)).toBe('patch_level_decoder.base.h.0.ln_1.weight');
    expect(referenceNameOf(loraTensorNames('x.attn.c_attn').a)).toBeNull();
  });

  it('round-trips adapter_config.json with PEFT keys', () => {
    const a: AdapterConfig = { settings: { ...LORA_DEFAULTS, rank: 4, alpha: 8, trainBiases: true }, base, kind: 'generative' };
    const json = adapterConfigToJson(a);
    expect(json).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, fan_in_fan_out: true, bias: 'lora_only', base_model_name_or_path: 'weights-conversion' });
    expect(adapterConfigFromJson(JSON.parse(JSON.stringify(json)))).toEqual(a);
  });

  it('refuses bad settings and foreign configs in one line', () => {
    expect(() => checkLoraSettings({ ...LORA_DEFAULTS, rank: 0 })).toThrow(/rank must be a whole number/);
    expect(() => checkLoraSettings({ ...LORA_DEFAULTS, rank: 1000 }, paper)).toThrow(/rank must be|more than the model's hidden size/);
    expect(() => checkLoraSettings({ ...LORA_DEFAULTS, dropout: 1 })).toThrow(/dropout/);
    expect(() => adapterConfigFromJson({ peft_type: 'PREFIX_TUNING' }, 'x/adapter_config.json')).toThrow(/^x\/adapter_config.json: peft_type/);
    expect(() => adapterConfigFromJson({ ...adapterConfigToJson({ settings: LORA_DEFAULTS, base, kind: 'generative' }), bgpt: undefined })).toThrow(/not a bGPT Studio adapter/);
  });

  it('merges W + (alpha/r)·(B·A)ᵀ in the Conv1D [in, out] layout, matching a direct sum', () => {
    const nIn = 5, nOut = 7, r = 3, scale = 16 / r;
    const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s) * 0.5);
    const w = rnd(nIn * nOut, 1), a = rnd(r * nIn, 2), b = rnd(nOut * r, 3);
    const merged = mergeLoraWeight(w, a, b, { inFeatures: nIn, outFeatures: nOut }, r, scale);
    for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) {
      let delta = 0;
      for (let k = 0; k < r; k++) delta += b[o * r + k] * a[k * nIn + i];
      expect(merged[i * nOut + o]).toBeCloseTo(w[i * nOut + o] + scale * delta, 5);
    }
    expect(w[0]).toBe(rnd(1, 1)[0]); // the base is left alone
    expect(() => mergeLoraWeight(w, a, b.subarray(1), { inFeatures: nIn, outFeatures: nOut }, r, scale)).toThrow(/do not fit/);
  });
});
