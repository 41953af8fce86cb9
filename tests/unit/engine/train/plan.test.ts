// The memory plan (src-main/engine/train/plan.ts): the modes are tried full → recomputation →
// micro-batches and the first that fits every limit is taken; a refusal comes only when even the
// leanest cannot fit and says what would (LoRA for full fine-tuning, with its estimate); the
// estimate falls with each lean mode and with LoRA; the arithmetic of LoRA is about two thirds of
// full fine-tuning's (FINETUNE.md).
import { describe, it, expect } from 'vitest';
import { estimateTrainingMemoryBytes, parameterCount, presetConfig } from '../../../../src-main/shared/config';
import { LORA_DEFAULTS, loraParameterCount } from '../../../../src-main/checkpoint/adapter';
import { estimateSecondsPerUpdate, loraTrainableParams, planLine, planTraining, trainingFlopsPerWindow, type PlanRequest } from '../../../../src-main/engine/train/plan';
import { preferredByteChunks, type MemoryLimit } from '../../../../src-main/engine/backend/resources';
import type { BGPTConfig } from '../../../../src-main/shared/config';

const GiB = 2 ** 30;
const wasm = (bytes: number): MemoryLimit[] => [{ name: 'available RAM', bytes: 64 * GiB }, { name: "the wasm backend's 4 GiB", bytes }];

describe('the memory plan', () => {
  // Long windows and one byte-level layer: the patch level holds most of the memory, so each mode lowers it.
  const long: BGPTConfig = { patchSize: 4, patchLength: 128, hiddenSize: 64, patchNumLayers: 4, byteNumLayers: 1, numHeads: 2 };
  const req: PlanRequest = { config: long, batch: 8, lora: null, fineTune: false, threads: 1 };

  it('takes full, then recomputation, then fewer windows per pass, as the limit tightens', () => {
    const full = planTraining(req, wasm(64 * GiB));
    expect(full.plan).toMatchObject({ mode: 'full', recompute: false, windowsPerPass: 8, threads: 1 });
    // wasm's limit bounds each thread's instance.
    const lean = planTraining(req, wasm((full.bytesPerThread * 0.99) / 0.9));
    expect(lean.plan).toMatchObject({ mode: 'recompute', recompute: true, windowsPerPass: 8 });
    expect(lean.bytesPerThread).toBeLessThan(full.bytesPerThread);
    const micro = planTraining(req, wasm((lean.bytesPerThread * 0.7) / 0.9));
    expect(micro.plan.mode).toBe('micro-batches');
    expect(micro.plan.windowsPerPass).toBeLessThan(8);
    expect(micro.bytesPerThread).toBeLessThanOrEqual(lean.bytesPerThread * 0.7);
    expect(() => planTraining(req, wasm(0.01 * GiB))).toThrow(/^\d+ k-parameter model, training from scratch needs about \d+ MB even with recomputation and one window per pass, more than 0\.0 GiB \(the wasm backend's 4 GiB\): use a smaller model$/);
  });

  it('plans two threads with a copy of the model each, and falls back to one when two do not fit', () => {
    const two = planTraining({ ...req, threads: 2 }, wasm(64 * GiB));
    expect(two.plan).toMatchObject({ threads: 2, windowsPerPass: 4 });
    expect(two.bytes).toBeGreaterThan(2 * two.bytesPerThread);
    // RAM bounds both threads together: room for one leanest copy and a half, not two.
    const ramOnly = (bytes: number): MemoryLimit[] => [{ name: 'available RAM', bytes }];
    const leanest = planTraining({ ...req, batch: 1, threads: 2 }, ramOnly(1e12), (p) => (p.windowsPerPass === 1 && p.recompute ? null : 'lean only'));
    const one = planTraining({ ...req, batch: 1, threads: 2 }, ramOnly((leanest.bytes - 0.5 * leanest.bytesPerThread) / 0.9));
    expect(one.plan.threads).toBe(1);
  });

  it('refuses full fine-tuning that cannot fit with the LoRA run that would, and its estimate', () => {
    const paper = presetConfig('paper');
    const fine: PlanRequest = { config: paper, batch: 1, lora: null, fineTune: true, threads: 1, byteChunks: preferredByteChunks('wasm') };
    const lora = planTraining({ ...fine, lora: { ...LORA_DEFAULTS } }, wasm(1.5 * GiB));
    expect(() => planTraining(fine, wasm(1.5 * GiB))).toThrow(new RegExp(`^paper model, full fine-tuning needs about \\d+\\.\\d GB even with recomputation and one window per pass, more than 1\\.4 GiB \\(the wasm backend's 4 GiB\\): use --lora 8 \\(about ${(lora.bytes / 1e9).toFixed(1)} GB\\)$`));
    // LoRA: the adapter's parameters get gradients and moments, the base one copy.
    expect(lora.trainableParams).toBe(loraParameterCount(paper, LORA_DEFAULTS));
    expect(loraTrainableParams(paper, { ...LORA_DEFAULTS, trainLayerNorms: true })).toBe(lora.trainableParams + 12 * 4 * 768 + 2 * 768 + 3 * 4 * 768 + 2 * 768);
    expect(planLine(lora, 25, false)).toMatch(/^paper model, LoRA r8: about \d+\.\d GB, with activation recomputation( and micro-batches of 1 window)?, about 25 s per update here \(estimated\)$/);
  });

  it('estimates less memory for each lean mode and for LoRA, and two thirds of the arithmetic for LoRA', () => {
    const paper = presetConfig('paper');
    const full = estimateTrainingMemoryBytes(paper, 4);
    const recompute = estimateTrainingMemoryBytes(paper, 4, { recompute: true });
    const micro = estimateTrainingMemoryBytes(paper, 4, { recompute: true, windowsPerPass: 1 });
    const lora = estimateTrainingMemoryBytes(paper, 4, { recompute: true, windowsPerPass: 1, trainableParams: loraParameterCount(paper, LORA_DEFAULTS) });
    expect(recompute).toBeLessThan(full);
    expect(micro).toBeLessThan(recompute);
    expect(estimateTrainingMemoryBytes(paper, 4, { recompute: true, windowsPerPass: 1, byteChunk: 16 })).toBeLessThan(micro);
    expect(lora).toBeLessThan(micro);
    // The weights themselves stay: a LoRA run holds at least one copy of them.
    expect(lora).toBeGreaterThan(parameterCount(paper) * 4);
    const ratio = trainingFlopsPerWindow(paper, true) / trainingFlopsPerWindow(paper, false);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(0.8);
    expect(estimateSecondsPerUpdate(paper, 2, true, 'wasm', 2)).toBeCloseTo(estimateSecondsPerUpdate(paper, 1, true, 'wasm', 1), 6);
  });
});
