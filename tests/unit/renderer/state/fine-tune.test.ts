// Fine-tuning in the UI's pure parts (issue 22 item 6): the Models table puts each adapter under its base, the kind
// column's "adapter r8 · 9.4 MB", the Train form's "LoRA (rank)" becoming the request's `lora` (only with a
// starting checkpoint), and the from-scratch run a fine-tuned classification run is compared with.
import { describe, expect, it } from 'vitest';
import { requests, type ClassificationHistory, type ModelInfo, type RunSummary } from '../../../../src-main/shared/contract';
import { LORA_DEFAULTS } from '../../../../src-main/shared/lora';
import { adapterLabel, modelTree } from '../../../../src-renderer/lib/model-tree';
import { bestAccuracy, scratchRunFor } from '../../../../src-renderer/lib/compare';
import { defaultTrainForm, FINE_TUNE_LR, LORA_LR, LORA_RANK_FIELD, setFineTuneMode, toTrainRequest } from '../../../../src-renderer/state/train-form';
import { checkNumber } from '../../../../src-renderer/lib/validate';

const model = (id: string, over: Partial<ModelInfo> = {}): ModelInfo => ({
  id, name: id, source: 'x', kind: 'generative', config: { patchSize: 16, patchLength: 64, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 1, numHeads: 1 },
  configJson: {}, parameters: 1, size: 1, sha256: id.padEnd(64, '0'), labels: null, meta: {}, created: '2026-12-07T00:00:00Z', missing: false,
  hasCurves: false, base: null, adapter: null, ...over,
});
const adapter = (id: string, baseId: string | null, rank = 8): ModelInfo => model(id, {
  base: { id: baseId, name: baseId ?? 'gone', sha256: 'b'.repeat(64) }, adapter: { rank, alpha: 16, targets: ['attn.c_attn'], levels: ['patch'], sizeBytes: 9.4 * 2 ** 20 },
});

describe('models table order', () => {
  it('puts each adapter right under its base, keeping the catalogue order, and adapters without a base here last', () => {
    const rows = modelTree([adapter('a1', 'text'), model('conv'), adapter('orphan', null), model('text'), adapter('a2', 'text', 4), adapter('a3', 'conv')]);
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.model.id}`)).toEqual(['conv', '  a3', 'text', '  a1', '  a2', 'orphan']);
    // An adapter whose base id names no model listed is at the top level too.
    expect(modelTree([adapter('lost', 'deleted')]).map((r) => r.depth)).toEqual([0]);
    expect(adapterLabel(adapter('a', 'text'))).toBe('adapter r8 · 9.4 MB');
    expect(adapterLabel(model('m'))).toBeNull();
  });
});

describe('train form LoRA', () => {
  it('sends lora with the rank only when fine-tuning, and the contract fills in the defaults', () => {
    const form = { ...defaultTrainForm(), datasetId: 'ds1', initFrom: { kind: 'model' as const, modelId: 'mdl_x' }, lora: { rank: 4 } };
    const req = requests.trainRequest.parse(toTrainRequest(form));
    expect(req.lora).toEqual({ rank: 4, dropout: LORA_DEFAULTS.dropout, targets: LORA_DEFAULTS.targets, levels: LORA_DEFAULTS.levels, trainLayerNorms: false, trainBiases: false });
    expect(toTrainRequest({ ...form, initFrom: null }).lora).toBeUndefined();
    expect(toTrainRequest({ ...form, lora: null }).lora).toBeUndefined();
    expect(checkNumber(8, LORA_RANK_FIELD)).toBeNull();
    for (const bad of [0, 2.5, 1000]) {
      expect(checkNumber(bad, LORA_RANK_FIELD)).not.toBeNull();
      expect(requests.trainRequest.safeParse(toTrainRequest({ ...form, lora: { rank: bad } })).success).toBe(false);
    }
  });

  it('moves the learning rate with the mode while it is still the other mode\'s default, and leaves a chosen one', () => {
    const form = { ...defaultTrainForm(), hyper: { ...defaultTrainForm().hyper, lr: FINE_TUNE_LR } };
    setFineTuneMode(form, { rank: 8 });
    expect(form.hyper.lr).toBe(LORA_LR);
    setFineTuneMode(form, null);
    expect([form.lora, form.hyper.lr]).toEqual([null, FINE_TUNE_LR]);
    form.hyper.lr = 3e-4;
    setFineTuneMode(form, { rank: 8 });
    setFineTuneMode(form, null);
    expect(form.hyper.lr).toBe(3e-4);
  });
});

describe('from-scratch comparison', () => {
  const run = (id: string, over: Partial<RunSummary>): RunSummary => ({
    id, name: id, datasetId: 'ds', datasetName: 'texts', mode: 'classification', conversion: null, preset: 'tiny',
    config: { patchSize: 16, patchLength: 64, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 0, numHeads: 1 },
    hyper: { batchSize: 4, accumulation: 1, lr: 1e-3, seed: 0, steps: 10, evalEvery: 5 }, backend: 'wasm', adapter: null, status: 'done',
    created: '2026-12-07T00:00:00Z', started: null, ended: null, step: 10, totalSteps: 10, bestEvalLoss: 1, bestBitsPerByte: null, bytesPerSecond: null,
    error: null, fineTune: null, lora: null, ...over,
  });
  it('finds the newest trained from-scratch classification run on the same dataset', () => {
    const tuned = run('tuned', { fineTune: { kind: 'model', id: 'mdl_t', name: 'weights-text' }, lora: { rank: 8, alpha: 16, targets: ['attn.c_attn'], levels: ['patch'] } });
    const runs = [
      tuned,
      run('old', { created: '2026-12-01T00:00:00Z' }), run('new', { created: '2026-12-06T00:00:00Z' }),
      run('other-data', { datasetId: 'ds2', created: '2026-12-09T00:00:00Z' }), run('untrained', { step: 0, created: '2026-12-09T00:00:00Z' }),
      run('also-tuned', { fineTune: { kind: 'run', id: 'r', name: 'r' }, created: '2026-12-09T00:00:00Z' }),
      run('generative', { mode: 'generative', created: '2026-12-09T00:00:00Z' }),
    ];
    expect(scratchRunFor(tuned, runs)?.id).toBe('new');
    expect(scratchRunFor(tuned, [tuned])).toBeNull();
  });
  it('takes the accuracy of the evaluation with the lowest loss (the best checkpoint\'s)', () => {
    const h: ClassificationHistory = { labels: ['a', 'b'], evals: [
      { step: 1, loss: 1.2, accuracy: 0.4, perClass: [], confusion: [], count: 10 },
      { step: 2, loss: 0.7, accuracy: 0.6, perClass: [], confusion: [], count: 10 },
      { step: 3, loss: 0.9, accuracy: 0.7, perClass: [], confusion: [], count: 10 },
    ] };
    expect(bestAccuracy(h)).toBe(0.6);
    expect(bestAccuracy({ labels: [], evals: [] })).toBeNull();
    expect(bestAccuracy(null)).toBeNull();
  });
});
