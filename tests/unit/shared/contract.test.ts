// The contract declares each method once (src-main/shared/contract/<domain>.ts) and derives the rest:
// every method has its argument schema, METHOD_NAMES lists exactly the table, the browser's forbidden
// methods exist, and a checkpoint is named by a discriminated reference, never by a bare id or a path.
import { describe, expect, it } from 'vitest';
import { args, BROWSER_FORBIDDEN_METHODS, EVENT_NAMES, METHOD_NAMES, METHODS, checkpointRefSchema, requests } from '../../../src-main/shared/contract';

describe('StudioApi contract', () => {
  it('derives the argument map and the method names from the one table', () => {
    expect(METHOD_NAMES).toEqual(Object.keys(METHODS));
    expect(Object.keys(args)).toEqual(METHOD_NAMES);
    for (const m of METHOD_NAMES) expect(args[m], m).toBe(METHODS[m].arg);
    expect(new Set(METHOD_NAMES).size).toBe(METHOD_NAMES.length);
    for (const m of BROWSER_FORBIDDEN_METHODS) expect(METHOD_NAMES).toContain(m);
    expect(EVENT_NAMES).toContain('generateProgress');
  });

  it('names a checkpoint as a run\'s best/last or a model, nothing else', () => {
    expect(checkpointRefSchema.parse({ kind: 'run', runId: 'run_1' })).toEqual({ kind: 'run', runId: 'run_1', checkpoint: 'best' });
    expect(checkpointRefSchema.parse({ kind: 'model', modelId: 'mdl_1' })).toEqual({ kind: 'model', modelId: 'mdl_1' });
    expect(checkpointRefSchema.safeParse({ kind: 'path', path: '/etc' }).success).toBe(false);
    expect(checkpointRefSchema.safeParse({ runId: 'run_1' }).success).toBe(false);
    // The old overloaded shape is refused where a checkpoint is named.
    expect(requests.generateRequest.safeParse({ runId: 'mdl_1', ext: 'txt' }).success).toBe(false);
    expect(requests.surprisalRequest.safeParse({ file: { kind: 'sample', sampleId: 's' }, runId: 'r' }).success).toBe(false);
    expect(requests.trainRequest.safeParse({ datasetId: 'd', initFrom: { runId: 'mdl_1', checkpoint: 'best' } }).success).toBe(false);
    expect(requests.modelEvaluate.safeParse({ modelId: 'mdl_1', datasetId: 'd' }).success).toBe(false);
  });

  it('leaves sampling defaults to the service, so every front end gets the same', () => {
    const r = requests.generateRequest.parse({ from: { kind: 'run', runId: 'r' }, ext: 'ABC' });
    expect(r).toMatchObject({ ext: 'abc', count: 1 });
    expect(r.sampling.topK).toBeUndefined();
    expect(r.sampling.topP).toBeUndefined();
    expect(r.sampling.temperature).toBeUndefined();
    expect(r.sampling.seed).toBeUndefined();
    expect(r.sampling.constrain).toBeUndefined();
  });
});
