// The recipe that turns the built-in ABC tunes into playable music on 2 CPU cores (docs/music.md):
// model, training and sampling defaults chosen by measurement with `npm run quality` (docs/quality.md).
// The `tunes` preset, `bgpt train` on an ABC dataset, the Train form and `bgpt generate --ext abc`
// all take their defaults from here, so the measured recipe is what a new user gets.

export const TUNES_RECIPE = {
  /** Whole tunes fit one window (the built-in tunes are at most 992 bytes: 62 patches of 16). */
  config: { patchSize: 16, patchLength: 64, hiddenSize: 128, patchNumLayers: 2, byteNumLayers: 1, numHeads: 2 },
  lr: 1e-3,
  steps: 1500,
  batchSize: 8,
  dropout: 0.1,
  /** Evaluations (with the valid-sample rate) per run. */
  evals: 5,
  // Temperature chosen by measurement on samples the reported figure does not use (seeds 5000–5059 of the
  // recipe's checkpoint, docs/quality.md): 0.6 gave 43 % accepted tunes, 0.5 35 %, 0.8 30 %.
  sampling: { topK: 0, topP: 0.9, temperature: 0.6 },
};

/** Sampling defaults by extension: the recipe's for ABC, the reference's (no truncation) otherwise. */
export function samplingDefaults(ext: string): { topK: number; topP: number; temperature: number } {
  return ext.toLowerCase() === 'abc' ? { ...TUNES_RECIPE.sampling } : { topK: 0, topP: 1, temperature: 1 };
}

// ---------------------------------------------------------------------------------------------
// Defaults that fit the data (docs/music.md, "Defaults that fit the data"): for any generative
// dataset, the window, model, steps, batch and evaluations follow its files' sizes and count so a
// default run fits the ten-minute budget on 2 CPU cores. The Train form, `bgpt train` and the
// studio's estimate all call `trainDefaults`.
// ---------------------------------------------------------------------------------------------

/** What the defaults look at: the training split's size, its file sizes, and its kind of files. */
export interface DataProfile {
  trainFiles: number;
  evalFiles: number;
  /** 90th percentile of the training files' sizes, bytes. */
  p90Bytes: number;
  maxBytes: number;
  /** Every file is ABC: the measured recipe's data. */
  onlyAbc: boolean;
}

/** Wall-time budget of a default run (the issue's "10 minutes on 2 cores"). */
export const BUDGET_SECONDS = 600;
/**
 * Seconds per update of the tiny shape (hidden 128, 2 + 1 layers) at batch 8 × 64 patches on a quiet
 * 2-core machine (docs/quality.md: 1500 updates ≈ 9 minutes). An update's work grows with the patches
 * it reads, so other windows keep batch × window at this size and take about as long.
 */
export const SECONDS_PER_UPDATE = 0.35;
const PATCHES_PER_UPDATE = TUNES_RECIPE.batchSize * TUNES_RECIPE.config.patchLength;
/** Windows a default run may take, in patches: bigger ones leave too few files per update on a CPU. */
export const WINDOW_LADDER = [64, 96, 128, 160, 192, 256] as const;
/** Share of the training files a default window holds whole (head, music and end all seen). */
export const FIT_SHARE = 0.9;
/**
 * Passes over the training files a default run stops at: the recipe's eval loss was best near 15 passes
 * and only rose after (docs/quality.md); more updates on a small dataset would only memorise it.
 */
export const MAX_EPOCHS = 40;
/** Fewest updates a default run takes (a curve, a checkpoint worth sampling). */
const MIN_STEPS = 100;
/** Share of the budget evaluations may take (eval loss over the eval split + the valid-sample check). */
const EVAL_SHARE = 0.1;
/** Seconds of one evaluation's valid-sample check (4 samples of at most a window, engine/validity.ts). */
const VALIDITY_SECONDS = 4;

export interface TrainDefaults {
  /** `tunes` for the measured recipe's data, else `tiny` (the same shape) with `config.patchLength` as chosen. */
  preset: 'tunes' | 'tiny';
  config: typeof TUNES_RECIPE.config;
  steps: number;
  batchSize: number;
  lr: number;
  evalEvery: number;
  /** The run's wall time on a quiet 2-core machine, estimated the same way for every dataset. */
  seconds: number;
  /** The rule in words, for the form's note and the CLI's progress line. */
  why: string;
}

/** Seconds one evaluation takes: a forward pass over every eval file (a third of an update's work per window) and the valid-sample check. */
function evalSeconds(evalFiles: number, patchLength: number): number {
  return evalFiles * (SECONDS_PER_UPDATE / (3 * PATCHES_PER_UPDATE)) * patchLength + VALIDITY_SECONDS;
}

/** A run's wall time on a quiet 2-core machine: its updates (tiny shape) and its evaluations. */
export function estimateRunSeconds(r: { patchLength: number; batchSize: number; steps: number; evalEvery: number; evalFiles: number }): number {
  const update = SECONDS_PER_UPDATE * ((r.batchSize * r.patchLength) / PATCHES_PER_UPDATE);
  const evals = Math.ceil(r.steps / Math.max(1, r.evalEvery));
  return r.steps * update + evals * evalSeconds(r.evalFiles, r.patchLength);
}

/** The smallest window (patches of 16 bytes, start and end patches included) holding `bytes` whole. */
const windowFor = (bytes: number): number => Math.ceil(bytes / TUNES_RECIPE.config.patchSize) + 2;

/**
 * Defaults for a generative dataset: the smallest window of the ladder that holds 90 % of its training
 * files whole; batch × window = 8 × 64 patches (the recipe's work per update); as many updates as the
 * budget allows, at most 40 passes over the data; about five evaluations, fewer when a large eval split
 * would spend more than a tenth of the budget. ABC files that all fit 64 patches get the measured recipe.
 */
export function trainDefaults(p: DataProfile): TrainDefaults {
  const need = windowFor(p.p90Bytes);
  const patchLength = WINDOW_LADDER.find((w) => w >= need) ?? WINDOW_LADDER[WINDOW_LADDER.length - 1];
  const recipe = p.onlyAbc && windowFor(p.maxBytes) <= TUNES_RECIPE.config.patchLength;
  const batchSize = Math.max(1, Math.round(PATCHES_PER_UPDATE / patchLength));
  const perUpdate = SECONDS_PER_UPDATE * ((batchSize * patchLength) / PATCHES_PER_UPDATE);
  const evalCost = evalSeconds(p.evalFiles, patchLength);
  const evals = p.evalFiles === 0 ? 1 : Math.max(2, Math.min(TUNES_RECIPE.evals, Math.floor((EVAL_SHARE * BUDGET_SECONDS) / evalCost)));
  const budgetSteps = Math.floor((BUDGET_SECONDS - evals * evalCost) / perUpdate);
  const epochSteps = Math.ceil((MAX_EPOCHS * Math.max(1, p.trainFiles)) / batchSize);
  const steps = Math.max(MIN_STEPS, Math.min(recipe ? TUNES_RECIPE.steps : budgetSteps, budgetSteps, epochSteps));
  const evalEvery = Math.max(1, Math.ceil(steps / evals));
  const config = { ...TUNES_RECIPE.config, patchLength };
  const fits = p.p90Bytes <= (patchLength - 2) * config.patchSize;
  const why = `window ${patchLength} patches (${(patchLength - 2) * config.patchSize} bytes: ${fits ? '90 % of the training files fit whole' : 'the largest window a default run takes; longer files are cropped'}), `
    + `batch ${batchSize}, ${steps} updates${steps === epochSteps && steps < budgetSteps ? ` (${MAX_EPOCHS} passes over ${p.trainFiles} files)` : ''}, ${Math.ceil(steps / evalEvery)} evaluations`;
  return {
    preset: recipe ? 'tunes' : 'tiny', config, steps, batchSize, lr: TUNES_RECIPE.lr, evalEvery,
    seconds: estimateRunSeconds({ patchLength, batchSize, steps, evalEvery, evalFiles: p.evalFiles }), why,
  };
}

/** The profile of a dataset's files (train split sizes; all files for the kind). */
export function profileOf(files: readonly { size: number; split: string; ext: string }[]): DataProfile {
  const train = files.filter((f) => f.split === 'train').map((f) => f.size).sort((a, b) => a - b);
  return {
    trainFiles: train.length,
    evalFiles: files.length - train.length,
    p90Bytes: train.length ? train[Math.min(train.length - 1, Math.ceil(0.9 * train.length) - 1)] : 0,
    maxBytes: train.length ? train[train.length - 1] : 0,
    onlyAbc: files.length > 0 && files.every((f) => f.ext.toLowerCase() === 'abc'),
  };
}
