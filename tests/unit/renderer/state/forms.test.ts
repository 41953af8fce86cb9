// The Train and Generate forms become requests the contract's schemas accept (the services parse
// every call with them), and the form limits agree with those schemas.
import { TUNES_RECIPE } from '../../../../src-main/shared/recipe';
import { describe, expect, it } from 'vitest';
import { requests } from '../../../../src-main/shared/contract';
import { defaultGenerateForm, SAMPLING_FIELDS, toGenerateRequest } from '../../../../src-renderer/state/generate-form';
import { CUSTOM, defaultTrainForm, HYPER_FIELDS, MODEL_FIELDS, toTrainRequest } from '../../../../src-renderer/state/train-form';
import { checkAll, allValid } from '../../../../src-renderer/lib/validate';
import { checkpointRef } from '../../../../src-renderer/lib/refs';

describe('train form', () => {
  it('sends a preset run as preset + hyper-parameters', () => {
    const form = { ...defaultTrainForm(), datasetId: 'ds1' };
    const req = requests.trainRequest.parse(toTrainRequest(form));
    expect(req).toMatchObject({ datasetId: 'ds1', preset: 'tiny', mode: 'generative', steps: 200, batchSize: 4 });
    expect(req.config).toBeUndefined();
    expect(req.conversion).toBeUndefined();
  });

  it('sends a custom shape and a conversion direction', () => {
    const form = { ...defaultTrainForm(), datasetId: 'ds1', preset: CUSTOM, mode: 'conversion' as const, conversion: 'abc->mid' };
    const req = requests.trainRequest.parse(toTrainRequest(form));
    expect(req.preset).toBeUndefined();
    expect(req.config).toEqual(form.model);
    expect(req.conversion).toBe('abc->mid');
  });

  it('accepts the defaults and refuses values the schema refuses', () => {
    const form = defaultTrainForm();
    expect(allValid(checkAll(form.hyper, HYPER_FIELDS))).toBe(true);
    expect(allValid(checkAll(form.model, MODEL_FIELDS))).toBe(true);
    expect(checkAll({ ...form.hyper, lr: 0 }, HYPER_FIELDS).lr).not.toBeNull();
    expect(requests.trainRequest.safeParse(toTrainRequest({ ...form, datasetId: 'x', hyper: { ...form.hyper, lr: 0 } })).success).toBe(false);
  });
});

describe('generate form', () => {
  it('sends sampling settings, optional fields left out', () => {
    const form = { ...defaultGenerateForm(), runId: 'r1' };
    const req = requests.generateRequest.parse(toGenerateRequest(form, 'abc', checkpointRef(form.runId, form.checkpoint, [])));
    expect(req).toMatchObject({ from: { kind: 'run', runId: 'r1', checkpoint: 'best' }, ext: 'abc', count: 1 });
    // Max bytes left empty: up to the chosen run's window (the form caps a larger value at it).
    expect(req.sampling).toEqual({ ...TUNES_RECIPE.sampling, constrain: true });
    expect(req.prompt).toBeUndefined();
  });

  it('sends the chosen file as prompt bytes or as the input to convert', () => {
    const file = { name: 'a.abc', bytes: new Uint8Array([88, 58, 49]) };
    const from = { kind: 'run' as const, runId: 'r1' };
    const prompt = toGenerateRequest({ ...defaultGenerateForm(), runId: 'r1', inputKind: 'prompt', file }, 'abc', from);
    expect(prompt.prompt).toEqual(file.bytes);
    expect(prompt.input).toBeUndefined();
    const input = toGenerateRequest({ ...defaultGenerateForm(), runId: 'r1', inputKind: 'input', file }, 'mid', from);
    expect(input.input).toEqual(file);
    expect(requests.generateRequest.safeParse(input).success).toBe(true);
  });

  it('sends the weights precision (float32 unless chosen); the schema defaults a request without one to f32 and refuses others', () => {
    const form = { ...defaultGenerateForm(), runId: 'r1' };
    const from = checkpointRef(form.runId, form.checkpoint, []);
    expect(requests.generateRequest.parse(toGenerateRequest(form, 'abc', from)).precision).toBe('f32');
    expect(requests.generateRequest.parse(toGenerateRequest({ ...form, precision: 'q8' }, 'abc', from)).precision).toBe('q8');
    const { precision: _, ...without } = toGenerateRequest(form, 'abc', from);
    expect(requests.generateRequest.parse(without).precision).toBe('f32');
    expect(requests.generateRequest.safeParse({ ...without, precision: 'int4' }).success).toBe(false);
  });

  it('refuses a temperature of 0 like the schema does', () => {
    const sampling = { ...defaultGenerateForm().sampling, temperature: 0 };
    expect(checkAll(sampling, SAMPLING_FIELDS).temperature).toBe('Temperature must be more than 0.');
  });
});
