// The forms take the measured recipe as their defaults (docs/music.md): an all-ABC generative dataset
// fills the Train form with the tunes preset and its steps/lr/batch, once per dataset choice; the
// Generate form's sampling follows samplingDefaults(ext) until the user changes it.
import { describe, expect, it } from 'vitest';
import { applyDatasetDefaults, datasetDefaults, defaultTrainForm, FINE_TUNE_LR, isTunesDataset, recommendedBase, toTrainRequest } from '../../../../src-renderer/state/train-form';
import { defaultGenerateForm, followSamplingDefaults } from '../../../../src-renderer/state/generate-form';
import { requests } from '../../../../src-main/shared/contract';
import { BUDGET_SECONDS, samplingDefaults, trainDefaults, TUNES_RECIPE } from '../../../../src-main/shared/recipe';
import { PRESETS } from '../../../../src-main/shared/config';

const tunes = { id: 'd1', kind: 'generative' as const, fileCount: 40, byModality: { abc: 40 } };
const mixed = { id: 'd2', kind: 'generative' as const, fileCount: 40, byModality: { abc: 39, text: 1 } };
const pairs = { id: 'd3', kind: 'conversion' as const, fileCount: 40, byModality: { abc: 20, midi: 20 } };

describe('train form: the recipe for ABC tunes', () => {
  it('knows an all-ABC generative dataset', () => {
    expect(isTunesDataset(tunes)).toBe(true);
    expect(isTunesDataset(mixed)).toBe(false);
    expect(isTunesDataset(pairs)).toBe(false);
    expect(isTunesDataset({ ...tunes, fileCount: 0, byModality: {} })).toBe(false);
    expect(isTunesDataset(undefined)).toBe(false);
  });

  it('untouched, it sends the tunes recipe for an ABC dataset', () => {
    const form = defaultTrainForm();
    form.datasetId = tunes.id;
    applyDatasetDefaults(form, tunes);
    const req = requests.trainRequest.parse(toTrainRequest(form));
    expect(req).toMatchObject({ preset: 'tunes', steps: TUNES_RECIPE.steps, lr: TUNES_RECIPE.lr, batchSize: TUNES_RECIPE.batchSize, mode: 'generative' });
    expect(PRESETS.tunes.steps).toBe(TUNES_RECIPE.steps);
  });

  it('keeps the user\'s edits, and puts the plain defaults back for other data only while untouched', () => {
    const form = defaultTrainForm();
    applyDatasetDefaults(form, tunes);
    form.hyper.steps = 300;
    applyDatasetDefaults(form, tunes); // the same choice again (a remount): nothing redone
    expect(form.hyper.steps).toBe(300);
    applyDatasetDefaults(form, mixed); // edited: left as the user set it
    expect(form).toMatchObject({ preset: 'tunes', hyper: { steps: 300 } });

    const fresh = defaultTrainForm();
    applyDatasetDefaults(fresh, tunes);
    applyDatasetDefaults(fresh, pairs);
    const plain = defaultTrainForm();
    expect(fresh.preset).toBe(plain.preset);
    expect(fresh.hyper).toEqual(plain.hyper);
  });

  it('leaves a fine-tune and a non-generative mode alone', () => {
    const ft = { ...defaultTrainForm(), initFrom: { kind: 'run' as const, runId: 'r1', checkpoint: 'best' as const } };
    applyDatasetDefaults(ft, tunes);
    expect(ft.preset).toBe('tiny');
    const cls = { ...defaultTrainForm(), mode: 'classification' as const };
    applyDatasetDefaults(cls, tunes);
    expect(cls.preset).toBe('tiny');
  });
});

describe('generate form: sampling follows the extension', () => {
  it('starts at the abc recipe and follows the extension until changed', () => {
    const form = defaultGenerateForm();
    expect(form.ext).toBe('abc');
    expect(form.sampling).toMatchObject(samplingDefaults('abc'));
    form.ext = 'mid';
    followSamplingDefaults(form, 'abc');
    expect(form.sampling).toMatchObject({ topK: 0, topP: 1, temperature: 1 });
    form.ext = '.abc';
    followSamplingDefaults(form, 'mid');
    expect(form.sampling).toMatchObject(samplingDefaults('abc'));
    form.sampling.temperature = 1.3;
    form.ext = 'txt';
    followSamplingDefaults(form, 'abc');
    expect(form.sampling).toMatchObject({ topP: 0.9, temperature: 1.3 });
  });
});

describe('train form: defaults that fit the data (shared/recipe.ts trainDefaults)', () => {
  const profile = { trainFiles: 393, evalFiles: 37, p90Bytes: 2269, maxBytes: 7317, onlyAbc: false };
  const midi = { id: 'm1', kind: 'generative' as const, fileCount: 430, byModality: { midi: 430 }, profile };

  it('gives MIDI tunes a window that holds 90 % of them, the batch that keeps an update the recipe\'s size, and the budget\'s steps', () => {
    const form = defaultTrainForm();
    form.datasetId = midi.id;
    applyDatasetDefaults(form, midi);
    const d = trainDefaults(profile);
    expect(d.config.patchLength).toBe(160);
    expect((d.config.patchLength - 2) * 16).toBeGreaterThanOrEqual(profile.p90Bytes);
    const req = requests.trainRequest.parse(toTrainRequest(form));
    expect(req).toMatchObject({ config: { patchLength: 160, hiddenSize: 128 }, steps: d.steps, batchSize: d.batchSize, evalEvery: d.evalEvery });
    expect(d.seconds).toBeLessThanOrEqual(BUDGET_SECONDS);
  });

  it('puts the next dataset\'s defaults in place while the form is untouched, and none for conversion data', () => {
    const form = defaultTrainForm();
    applyDatasetDefaults(form, midi);
    applyDatasetDefaults(form, { ...tunes, profile: { trainFiles: 393, evalFiles: 37, p90Bytes: 590, maxBytes: 992, onlyAbc: true } });
    expect(form).toMatchObject({ preset: 'tunes', hyper: { steps: TUNES_RECIPE.steps, batchSize: 8 } });
    applyDatasetDefaults(form, pairs);
    expect(form.preset).toBe(defaultTrainForm().preset);
    expect(datasetDefaults(pairs)).toBeNull();
  });
});

describe('train form: a pre-trained model for ABC tunes (issue 23 item 8)', () => {
  const conversion = { id: 'mdl_c', name: 'weights-conversion', kind: 'conversion', missing: false };
  const text = { id: 'mdl_t', name: 'weights-text', kind: 'generative', missing: false };
  it('recommends a conversion model of the catalogue for ABC data only', () => {
    expect(recommendedBase(tunes, [text, conversion])).toBe(conversion);
    expect(recommendedBase(tunes, [text])).toBeNull();
    expect(recommendedBase(tunes, [{ ...conversion, missing: true }])).toBeNull();
    expect(recommendedBase(mixed, [conversion])).toBeNull();
    expect(recommendedBase(pairs, [conversion])).toBeNull();
    expect(FINE_TUNE_LR).toBe(1e-5);
  });
});
