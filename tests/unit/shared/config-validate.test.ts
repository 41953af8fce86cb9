import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  configFromJson, configToJson, defaultNumHeads, estimateTrainingMemoryBytes, maxFileBytes, parameterCount, PRESETS, presetConfig, validateConfig,
} from '../../../src-main/shared/config';
import { UserError } from '../../../src-main/shared/errors';

const FIXTURE = new URL('../../fixtures/parity/tiny-a/checkpoint/config.json', import.meta.url);

describe('BGPTConfig', () => {
  it('reads the reference config.json and writes it back unchanged', () => {
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const c = configFromJson(json);
    expect(c).toEqual({ patchSize: 16, patchLength: 64, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 1, numHeads: 1 });
    expect(configToJson(c)).toEqual(json);
  });

  it('defaults num_heads to hidden/64, at least 1', () => {
    expect(defaultNumHeads(768)).toBe(12);
    expect(defaultNumHeads(32)).toBe(1);
    const c = configFromJson({ patch_size: 16, patch_length: 8, hidden_size: 256, patch_num_layers: 1, byte_num_layers: 1 });
    expect(c.numHeads).toBe(4);
  });

  it('rejects bad values with a UserError naming the field', () => {
    expect(() => configFromJson({ patch_size: 16, patch_length: 8, hidden_size: 100, patch_num_layers: 1, byte_num_layers: 1, num_heads: 3 }))
      .toThrow(/hidden_size 100 is not divisible by num_heads 3/);
    expect(() => configFromJson({ patch_size: 16, patch_length: 1, hidden_size: 64, patch_num_layers: 1, byte_num_layers: 1 })).toThrow(/patch_length/);
    expect(() => configFromJson({ patch_size: 16 })).toThrow(UserError);
    expect(() => configFromJson([1, 2])).toThrow(/not a JSON object/);
    expect(() => presetConfig('huge')).toThrow(/unknown preset 'huge'/);
  });

  it('has valid presets; paper and bench are the documented models', () => {
    for (const p of Object.values(PRESETS)) {
      expect(validateConfig(p.config)).toBe(p.config);
      expect(p.description.length).toBeGreaterThan(10);
    }
    expect(PRESETS.paper.config).toMatchObject({ hiddenSize: 768, patchNumLayers: 12, byteNumLayers: 3, patchLength: 512 });
    // docs/performance.md: the bench model has 5.88 M parameters.
    expect(parameterCount(PRESETS.bench.config)).toBe(5_879_296);
    expect(parameterCount(PRESETS.paper.config) / 1e6).toBeGreaterThan(100);
    expect(maxFileBytes(PRESETS.bench.config)).toBe(62 * 16);
    expect(PRESETS.tiny.lr).toBeGreaterThan(PRESETS.paper.lr);
  });

  it('estimates more memory for bigger models and batches', () => {
    const tiny = estimateTrainingMemoryBytes(PRESETS.tiny.config, 8);
    expect(tiny).toBeGreaterThan(parameterCount(PRESETS.tiny.config) * 16);
    expect(estimateTrainingMemoryBytes(PRESETS.tiny.config, 16)).toBeGreaterThan(tiny);
    expect(estimateTrainingMemoryBytes(PRESETS.paper.config, 8)).toBeGreaterThan(estimateTrainingMemoryBytes(PRESETS.small.config, 8));
  });
});
