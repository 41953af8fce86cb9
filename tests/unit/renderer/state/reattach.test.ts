// A reloaded or reopened studio brings back the run that was training (issue 24 item 1): which run it
// picks, and the Train form filled with that run's settings rather than the defaults.
import { describe, expect, it } from 'vitest';
import { requests, type RunSummary } from '../../../../src-main/shared/contract';
import { presetConfig } from '../../../../src-main/shared/config';
import { applyDatasetDefaults, formFromRun, runToReattach, toTrainRequest } from '../../../../src-renderer/state/train-form';

function run(id: string, status: RunSummary['status'], created: string, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id, name: id, datasetId: 'ds_1', datasetName: 'tunes', mode: 'generative', conversion: null, preset: 'tunes',
    config: { ...presetConfig('tunes'), numHeads: presetConfig('tunes').numHeads } as RunSummary['config'],
    hyper: { batchSize: 16, accumulation: 1, lr: 3e-4, seed: 7, steps: 367, evalEvery: 40 },
    backend: 'wasm', adapter: null, status, created, started: created, ended: null, step: 10, totalSteps: 367,
    bestEvalLoss: null, bestBitsPerByte: null, bytesPerSecond: null, error: null, ...extra,
  };
}

describe('runToReattach', () => {
  it('prefers the run training, then a paused one, the next queued, the newest interrupted', () => {
    const done = run('done', 'done', '2026-01-01T00:00:00Z');
    const old = run('old', 'interrupted', '2026-01-01T00:00:00Z');
    const recent = run('recent', 'interrupted', '2026-01-02T00:00:00Z');
    const q2 = run('q2', 'queued', '2026-01-03T00:00:00Z', { queuePosition: 2 });
    const q1 = run('q1', 'queued', '2026-01-04T00:00:00Z', { queuePosition: 1 });
    const paused = run('paused', 'paused', '2026-01-01T00:00:00Z');
    const running = run('running', 'running', '2026-01-01T00:00:00Z');
    expect(runToReattach([done, old, recent, q2, q1, paused, running])?.id).toBe('running');
    expect(runToReattach([done, old, recent, q2, q1, paused])?.id).toBe('paused');
    expect(runToReattach([done, old, recent, q2, q1])?.id).toBe('q1');
    expect(runToReattach([done, old, recent])?.id).toBe('recent');
    expect(runToReattach([done])).toBeNull();
  });
});

describe('formFromRun', () => {
  it('fills the form with the run settings, which the dataset defaults leave alone', () => {
    const r = run('r', 'running', '2026-01-01T00:00:00Z');
    const form = formFromRun(r);
    applyDatasetDefaults(form, { id: 'ds_1', kind: 'generative', fileCount: 4, byModality: { abc: 4 } });
    const req = requests.trainRequest.parse(toTrainRequest(form));
    expect(req).toMatchObject({ datasetId: 'ds_1', preset: 'tunes', mode: 'generative', steps: 367, batchSize: 16, lr: 3e-4, seed: 7, evalEvery: 40 });
    expect(form.name).toBe('');
  });

  it('gives a run without a preset its shape as a custom model', () => {
    const form = formFromRun(run('c', 'running', '2026-01-01T00:00:00Z', { preset: null }));
    expect(form.preset).toBe('custom');
    expect(toTrainRequest(form).config).toMatchObject({ patchSize: presetConfig('tunes').patchSize, hiddenSize: presetConfig('tunes').hiddenSize });
  });
});
