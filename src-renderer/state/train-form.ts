// The training form: its fields, the hint that explains each hyper-parameter, the limits (the same shared bounds
// the contract's requests.trainRequest is built from) and the request it becomes.
import type { CheckpointRef, DatasetSummary, ModelConfigInput, RunSummary, TrainRequest } from '../../src-main/shared/contract';
import { LORA_DEFAULTS, LORA_LIMITS } from '../../src-main/shared/lora';
import { TUNES_RECIPE, trainDefaults, type DataProfile, type TrainDefaults } from '../../src-main/shared/recipe';
import { CONFIG_LIMITS as CL, HEAD_WIDTH, TRAIN_LIMITS as TL } from '../../src-main/shared/defaults';
import type { FieldSpec } from '../lib/validate';

export const CUSTOM = 'custom';

export type ModelKey = Exclude<keyof ModelConfigInput, 'numHeads'>;
export type HyperKey = 'steps' | 'batchSize' | 'lr' | 'seed' | 'evalEvery';

/** Model shape (custom preset only). Hints follow the paper's description (arXiv 2402.19155 §3). */
export const MODEL_FIELDS: Record<ModelKey, FieldSpec> = {
  patchSize: { label: 'Patch size', ...CL.patchSize, integer: true, hint: 'Bytes per patch. The paper uses 16.' },
  patchLength: { label: 'Patches per window', ...CL.patchLength, integer: true, hint: 'Context length in patches; longer files are cropped to it.' },
  hiddenSize: { label: 'Hidden size', ...CL.hiddenSize, integer: true, step: HEAD_WIDTH, hint: `Width of both decoders; one attention head per ${HEAD_WIDTH}.` },
  patchNumLayers: { label: 'Patch layers', ...CL.layers, integer: true, hint: 'Depth of the patch-level decoder (sees the whole file).' },
  byteNumLayers: { label: 'Byte layers', ...CL.layers, integer: true, hint: 'Depth of the byte-level decoder (writes each patch).' },
};

export const HYPER_FIELDS: Record<HyperKey, FieldSpec> = {
  steps: { label: 'Steps', ...TL.steps, integer: true, hint: 'Optimizer updates to run; a run can be stopped earlier.' },
  batchSize: { label: 'Batch size', ...TL.batchSize, integer: true, hint: 'Files per step; more needs more memory.' },
  lr: { label: 'Learning rate', ...TL.lr, exclusiveMin: true, step: 0.00001, hint: 'Peak step size (cosine schedule with warm-up); each preset suggests one.' },
  seed: { label: 'Seed', ...TL.seed, integer: true, hint: 'Same seed, same data order and initial weights.' },
  evalEvery: { label: 'Evaluate every', ...TL.evalEvery, integer: true, optional: true, hint: 'Steps between evaluations and checkpoints; empty = automatic.' },
};

export interface TrainForm {
  datasetId: string;
  name: string;
  preset: string;
  mode: 'generative' | 'conversion' | 'classification';
  conversion: string;
  model: Record<ModelKey, number | null>;
  hyper: Record<HyperKey, number | null>;
  /** Fine-tune: start from this run's checkpoint weights (set by the "Fine-tune" hand-off). */
  initFrom?: CheckpointRef | null;
  /** Fine-tune with LoRA at this rank (only with initFrom); null or absent: full fine-tuning. */
  lora?: { rank: number } | null;
  /** The dataset whose defaults the form last took (applyDatasetDefaults), so a choice is not redone. */
  defaultsFor?: string;
}

export function defaultTrainForm(): TrainForm {
  return {
    datasetId: '',
    name: '',
    preset: 'tiny',
    mode: 'generative',
    conversion: 'abc->mid',
    model: { patchSize: 16, patchLength: 64, hiddenSize: 128, patchNumLayers: 2, byteNumLayers: 1 },
    hyper: { steps: 200, batchSize: 4, lr: 1e-3, seed: 0, evalEvery: null },
  };
}

export const CONVERSION_PATTERN = /^[A-Za-z0-9]+(->|&)[A-Za-z0-9]+$/;

/** The request a valid form stands for (numbers are checked before this is called). */
export function toTrainRequest(form: TrainForm): TrainRequest {
  const h = form.hyper;
  const custom = form.preset === CUSTOM;
  return {
    datasetId: form.datasetId,
    name: form.name.trim() || undefined,
    preset: custom ? undefined : form.preset,
    config: custom ? (form.model as Record<ModelKey, number>) : undefined,
    mode: form.mode,
    conversion: form.mode === 'conversion' ? form.conversion.trim() : undefined,
    steps: h.steps ?? undefined,
    batchSize: h.batchSize ?? undefined,
    lr: h.lr ?? undefined,
    seed: h.seed ?? undefined,
    evalEvery: h.evalEvery ?? undefined,
    initFrom: form.initFrom ?? undefined,
    // The rank alone: alpha, dropout and targets take the studio's defaults (shared/lora.ts).
    lora: form.initFrom && form.lora ? { rank: form.lora.rank } : undefined,
  };
}

/** Learning rate of a (full) fine-tune: the reference fine-tunes the paper model at 1e-5 (docs/models.md). */
export const FINE_TUNE_LR = 1e-5;
/**
 * LoRA's: an adapter starts at zero and has few weights, so it takes a larger step than full fine-tuning; 1e-4 is at
 * the low end of what PEFT's LoRA examples use.
 */
export const LORA_LR = 1e-4;

/** Switches the form between full and LoRA fine-tuning; a learning rate still at the other mode's default follows. */
export function setFineTuneMode(form: TrainForm, lora: { rank: number } | null): void {
  const lr = form.hyper.lr;
  form.lora = lora;
  if (lora && (lr === FINE_TUNE_LR || lr === null)) form.hyper.lr = LORA_LR;
  if (!lora && lr === LORA_LR) form.hyper.lr = FINE_TUNE_LR;
}

/** The rank field of "Fine-tune: LoRA (rank)" (shared/lora.ts bounds; rank 8 by default). */
export const LORA_RANK_FIELD: FieldSpec = {
  label: 'LoRA rank', ...LORA_LIMITS.rank, integer: true,
  hint: `Rank of each low-rank update: the adapter holds rank × (inputs + outputs) numbers per matrix. ${LORA_DEFAULTS.rank} suits most fine-tunes; more learns more, and costs more memory.`,
};

/** A generative dataset of ABC files only: the data the `tunes` recipe was measured on (shared/recipe.ts). */
export function isTunesDataset(d: Pick<DatasetSummary, 'kind' | 'fileCount' | 'byModality'> | undefined): boolean {
  return !!d && d.kind === 'generative' && d.fileCount > 0 && (d.byModality.abc ?? 0) === d.fileCount;
}

/**
 * The model to recommend fine-tuning from for this data (issue 23 item 8): for a generative dataset of
 * ABC tunes, a conversion model of the catalogue (the published `conversion` weights learned ABC from
 * IrishMAN's tunes, paper §4.1); null otherwise.
 */
export function recommendedBase<M extends { kind: string; missing: boolean; name: string }>(d: Pick<DatasetSummary, 'kind' | 'fileCount' | 'byModality'> | undefined, models: readonly M[]): M | null {
  if (!isTunesDataset(d)) return null;
  return models.find((m) => m.kind === 'conversion' && !m.missing) ?? null;
}

type DefaultsSource = Pick<DatasetSummary, 'id' | 'kind' | 'fileCount' | 'byModality'> & { profile?: DataProfile | null };

/**
 * The defaults that fit a generative dataset (shared/recipe.ts trainDefaults, the same `bgpt train` and the
 * estimate use), or null for other data. A dataset recorded before profiles were kept falls back to the
 * recipe for all-ABC data.
 */
export function datasetDefaults(d: DefaultsSource | undefined): TrainDefaults | null {
  if (!d || d.kind !== 'generative' || d.fileCount === 0) return null;
  if (d.profile) return trainDefaults(d.profile);
  // Sizes unknown: the measured recipe as it stands (no cap by passes over the data).
  return isTunesDataset(d) ? trainDefaults({ trainFiles: Number.POSITIVE_INFINITY, evalFiles: 0, p90Bytes: 0, maxBytes: 0, onlyAbc: true }) : null;
}

/** What the form holds for a set of defaults: the preset (custom when the window differs from tiny's), model and schedule. */
function formValues(d: TrainDefaults): Pick<TrainForm, 'preset'> & { model: TrainForm['model']; hyper: Pick<TrainForm['hyper'], 'steps' | 'lr' | 'batchSize' | 'evalEvery'> } {
  const plain = defaultTrainForm();
  const custom = d.preset === 'tiny' && d.config.patchLength !== plain.model.patchLength;
  return {
    preset: custom ? CUSTOM : d.preset,
    model: { ...plain.model, ...(custom ? { patchLength: d.config.patchLength } : {}) },
    hyper: { steps: d.steps, lr: d.lr, batchSize: d.batchSize, evalEvery: d.evalEvery },
  };
}

/** Does the form still hold exactly these values (the user has not edited them)? */
function holds(form: TrainForm, v: ReturnType<typeof formValues>): boolean {
  return form.preset === v.preset && form.hyper.steps === v.hyper.steps && form.hyper.lr === v.hyper.lr && form.hyper.batchSize === v.hyper.batchSize
    && form.hyper.evalEvery === v.hyper.evalEvery && (form.preset !== CUSTOM || form.model.patchLength === v.model.patchLength);
}

/** The values the form took for the dataset it last applied defaults for (to tell an edit from a default). */
const applied = new WeakMap<TrainForm, ReturnType<typeof formValues>>();

/**
 * Issue 13 item 3 and issue 23 item 7, "the Train form untouched runs it": choosing a generative dataset
 * sets the defaults that fit its data (the tunes recipe for ABC tunes; else the tiny shape with a window,
 * batch, steps and evaluations from its files), as `bgpt train` does; choosing another dataset puts that
 * one's defaults (or the plain ones) in place if the form was still untouched. Once per dataset choice, so
 * the user's later edits stand; a fine-tune keeps its model's shape.
 */
export function applyDatasetDefaults(form: TrainForm, dataset: DefaultsSource | undefined): void {
  if (!dataset || form.defaultsFor === dataset.id) return;
  const before = form.defaultsFor;
  form.defaultsFor = dataset.id;
  if (form.initFrom) return;
  const previous = applied.get(form);
  const untouched = before === undefined || (previous !== undefined && holds(form, previous));
  if (!untouched) return;
  const d = form.mode === 'generative' ? datasetDefaults(dataset) : null;
  const values = d ? formValues(d) : null;
  if (values) {
    form.preset = values.preset;
    form.model = values.model;
    Object.assign(form.hyper, values.hyper);
    applied.set(form, values);
  } else if (previous) {
    const plain = defaultTrainForm();
    form.preset = plain.preset;
    form.model = plain.model;
    Object.assign(form.hyper, { steps: plain.hyper.steps, lr: plain.hyper.lr, batchSize: plain.hyper.batchSize, evalEvery: plain.hyper.evalEvery });
    applied.delete(form);
  }
}

/**
 * The run a (re)opened studio shows by itself (docs/walkthrough.md): the one training, else a paused
 * one, else the next queued, else the newest one a closed or crashed studio interrupted.
 */
export function runToReattach(runs: readonly RunSummary[]): RunSummary | null {
  const newest = (list: RunSummary[]) => list.sort((a, b) => b.created.localeCompare(a.created))[0] ?? null;
  return runs.find((r) => r.status === 'running')
    ?? newest(runs.filter((r) => r.status === 'paused'))
    ?? [...runs].filter((r) => r.status === 'queued').sort((a, b) => (a.queuePosition ?? Infinity) - (b.queuePosition ?? Infinity))[0]
    ?? newest(runs.filter((r) => r.status === 'interrupted'));
}

/** The form as the run was started: its dataset, model, mode and training settings (the name left automatic). */
export function formFromRun(run: RunSummary): TrainForm {
  const c = run.config;
  const h = run.hyper;
  const form = defaultTrainForm();
  return {
    ...form,
    datasetId: run.datasetId ?? '',
    preset: run.preset ?? CUSTOM,
    mode: run.mode,
    conversion: run.conversion ?? form.conversion,
    model: { patchSize: c.patchSize, patchLength: c.patchLength, hiddenSize: c.hiddenSize, patchNumLayers: c.patchNumLayers, byteNumLayers: c.byteNumLayers },
    hyper: { steps: h.steps, batchSize: h.batchSize, lr: h.lr, seed: h.seed, evalEvery: h.evalEvery },
    // The run's own settings stand: the dataset's defaults are not applied over them.
    defaultsFor: run.datasetId ?? undefined,
  };
}
