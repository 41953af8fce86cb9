// Defaults and limits of models and training, defined once: the engine, the studio services, the StudioApi schemas
// and the renderer's forms all read them from here (docs/ARCHITECTURE.md, "One contract per boundary").

/** GPT-2 heads are 64 wide: the reference builds its configs with n_head = hidden_size // 64. */
export const HEAD_WIDTH = 64;

export interface Range {
  min: number;
  max: number;
}

/**
 * Bounds of a model config. They guard against typos that would allocate absurd models (the paper's model is
 * 768 wide with 12 + 3 layers); a window needs two patches at least (the start patch and one to predict).
 */
export const CONFIG_LIMITS = {
  patchSize: { min: 1, max: 64 },
  patchLength: { min: 2, max: 65_536 },
  hiddenSize: { min: 8, max: 8192 },
  layers: { min: 1, max: 96 },
  numHeads: { min: 1, max: 128 },
} as const satisfies Record<string, Range>;

/** Training settings a request may leave out. */
export const TRAIN_DEFAULTS = {
  /** The reference trainer's LEARNING_RATE, for custom models that have no preset to suggest one. */
  lr: 1e-4,
  /** Epochs when a request names neither steps nor epochs. */
  epochs: 10,
  /** Evaluations over a run when no interval is given: often enough for a useful curve, cheap enough. */
  evalsPerRun: 10,
  batchSize: 4,
  accumulation: 1,
  seed: 0,
  /** GPT-2's embd/attn/resid dropout (HF GPT2Config defaults): the reference trains with it. */
  dropout: 0.1,
  /** Share of the run spent warming the learning rate up before the cosine decay. */
  warmupFraction: 0.1,
} as const;

/** Bounds of training settings (requests, CLI flags and forms). */
export const TRAIN_LIMITS = {
  steps: { min: 1, max: 10_000_000 },
  epochs: { min: 1, max: 100_000 },
  batchSize: { min: 1, max: 1024 },
  accumulation: { min: 1, max: 1024 },
  lr: { min: 0, max: 1 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  evalEvery: { min: 1, max: 1_000_000 },
  patience: { min: 1, max: 1000 },
} as const satisfies Record<string, Range>;

/** Steps between evaluations when none is given: at most `evalsPerRun` evaluations, the last at the end. */
export function defaultEvalEvery(totalSteps: number): number {
  return Math.max(1, Math.ceil(totalSteps / TRAIN_DEFAULTS.evalsPerRun));
}
