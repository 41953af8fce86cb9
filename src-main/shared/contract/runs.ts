// Training runs: presets and estimates, start / pause / resume / stop, the run list and detail, metric
// series, and a classification run's evaluations; classifying files with a classifier checkpoint.
import { z } from 'zod';
import { TRAIN_DEFAULTS, TRAIN_LIMITS as TL } from '../defaults';
import {
  checkpointRefSchema, id, int, modelConfigSchema, namedBytes,
  type BackendName, type GpuAdapterInfo, type IsoTime, type ModelConfigInput, type RunMode, type RunStatus,
} from './common';
import { none, takes } from './method';
import { LORA_DEFAULTS, LORA_LEVELS, LORA_LIMITS, LORA_TARGETS } from '../lora';
import type { LoraInfo } from './common';

/** A LoRA run's settings in a train request (shared/lora.ts; the same keys as LoraSettings, defaults filled in). */
export const loraSchema = z.object({
  rank: z.number().refine((r) => Number.isInteger(r) && r >= LORA_LIMITS.rank.min && r <= LORA_LIMITS.rank.max, {
    error: (i) => `LoRA rank must be a whole number from ${LORA_LIMITS.rank.min} to ${LORA_LIMITS.rank.max}, got ${String(i.input)}`,
  }),
  alpha: z.number().min(LORA_LIMITS.alpha.min).max(LORA_LIMITS.alpha.max).optional(),
  dropout: z.number().min(LORA_LIMITS.dropout.min).max(LORA_LIMITS.dropout.max).default(LORA_DEFAULTS.dropout),
  targets: z.array(z.enum(LORA_TARGETS)).min(1).default([...LORA_DEFAULTS.targets]),
  levels: z.array(z.enum(LORA_LEVELS)).min(1).default([...LORA_DEFAULTS.levels]),
  trainLayerNorms: z.boolean().default(LORA_DEFAULTS.trainLayerNorms),
  trainBiases: z.boolean().default(LORA_DEFAULTS.trainBiases),
});

export const trainRequest = z.object({
  datasetId: id,
  name: z.string().trim().max(100).optional(),
  preset: z.string().min(1).max(40).optional(),
  /** Overrides on top of the preset (or the whole config without one). */
  config: modelConfigSchema.partial().optional(),
  /** 'classification': a classifier on the patch-level decoder (labels from file names or folders; docs/classification.md). */
  mode: z.enum(['generative', 'conversion', 'classification']).default('generative'),
  /** `a->b` or `a&b` (docs/model.md), conversion mode only. */
  conversion: z.string().regex(/^[A-Za-z0-9]+(->|&)[A-Za-z0-9]+$/, "conversion: 'abc->mid' or 'abc&mid'").optional(),
  steps: int(TL.steps).optional(),
  epochs: int(TL.epochs).optional(),
  batchSize: int(TL.batchSize).default(TRAIN_DEFAULTS.batchSize),
  accumulation: int(TL.accumulation).default(TRAIN_DEFAULTS.accumulation),
  /** Peak learning rate; default: the preset's suggested one. */
  lr: z.number().gt(TL.lr.min).max(TL.lr.max).optional(),
  seed: int(TL.seed).default(TRAIN_DEFAULTS.seed),
  evalEvery: int(TL.evalEvery).optional(),
  earlyStoppingPatience: int(TL.patience).optional(),
  /** Fine-tune: start from this checkpoint's weights (a run's best/last, or a model), with a fresh optimizer. */
  initFrom: checkpointRefSchema.optional(),
  /** Fine-tune with LoRA (needs initFrom): train an adapter of this rank on the frozen weights; absent: full fine-tuning. */
  lora: loraSchema.optional(),
});
export const metricsRequest = z.object({ runIds: z.array(id).min(1).max(16), maxPoints: z.number().int().min(10).max(100_000).default(2000) });
/** Files to classify with a classifier checkpoint (a classification run's, or a classifier model). */
export const classifyRequest = z.object({
  from: checkpointRefSchema,
  files: z.array(namedBytes).min(1).max(64),
});

export type TrainRequest = z.input<typeof trainRequest>;
export type TrainRequestParsed = z.output<typeof trainRequest>;
export type MetricsRequest = z.input<typeof metricsRequest>;
export type ClassifyRequest = z.input<typeof classifyRequest>;
export type ClassifyRequestParsed = z.output<typeof classifyRequest>;

export interface PresetInfo {
  name: string;
  description: string;
  config: Required<ModelConfigInput>;
  parameters: number;
  /** Suggested peak learning rate for this size. */
  lr: number;
}

export interface TrainEstimate {
  config: Required<ModelConfigInput>;
  parameters: number;
  /** Rough peak memory of training with this batch in the memory mode below, bytes (every thread). */
  memoryBytes: number;
  /** How it would hold its memory (engine/train/plan.ts): 'full', 'recompute' or 'micro-batches'; null when nothing fits. */
  memoryMode: 'full' | 'recompute' | 'micro-batches' | null;
  /** Parameters the optimizer would update (the adapter's with LoRA). */
  trainableParameters: number;
  /** Seconds per optimizer update: measured this session for this model and mode, else estimated from its arithmetic. */
  secondsPerUpdate: number | null;
  secondsPerUpdateMeasured: boolean;
  /** The estimate in one line: "paper model, LoRA r8: about 2.4 GB, about 25 s per update here (estimated)". */
  summary: string;
  /** Rough seconds per epoch on this machine's backend (null until measured). */
  secondsPerEpoch: number | null;
  stepsPerEpoch: number;
  /** Steps the run will take (its steps, or its epochs × steps per epoch). */
  totalSteps?: number;
  /** Running seconds per step expected on this machine (shared/eta.ts); null when nothing comparable was measured. */
  secondsPerStep?: number | null;
  /** Seconds the whole run is expected to take (pauses excluded); null when unmeasured. */
  totalSeconds?: number | null;
  /** Where the time figures come from, in the user's words ("measured on run …", "from this model's speed"); null when unmeasured. */
  timeBasis?: string | null;
  backend: BackendName | null;
  warnings: string[];
  /** Whether the run fits this machine's memory as asked (false: Start would be refused; the warnings say why). */
  fits?: boolean;
  /** The whole run's wall time on a quiet 2-core machine (shared/recipe.ts estimateRunSeconds, the tiny shape's measured speed); null for other shapes. */
  runSeconds: number | null;
  /** The defaults that fit this dataset (shared/recipe.ts trainDefaults): window, batch, steps, evaluations and why; null for non-generative runs. */
  defaults: { preset: string; patchLength: number; batchSize: number; steps: number; evalEvery: number; seconds: number; why: string } | null;
}

/** What a fine-tuning run started from, as its card names it. */
export interface FineTuneSource {
  /** A catalogue model, a run's checkpoint, or a file by path (the CLI's --init FILE). */
  kind: 'model' | 'run' | 'file';
  /** The model or run id (null for a file). */
  id: string | null;
  name: string;
}

export interface RunSummary {
  id: string;
  name: string;
  datasetId: string | null;
  datasetName: string | null;
  mode: RunMode;
  conversion: string | null;
  preset: string | null;
  config: Required<ModelConfigInput>;
  hyper: { batchSize: number; accumulation: number; lr: number; seed: number; steps: number; evalEvery: number };
  backend: BackendName | null;
  /** The GPU adapter a webgpu run trained on; null for other backends and runs recorded before it was kept. */
  adapter: GpuAdapterInfo | null;
  status: RunStatus;
  created: IsoTime;
  started: IsoTime | null;
  ended: IsoTime | null;
  step: number;
  totalSteps: number;
  bestEvalLoss: number | null;
  bestBitsPerByte: number | null;
  /** Latest throughput, for the ETA. */
  bytesPerSecond: number | null;
  error: string | null;
  /** Pause asked for, the engine still finishing its update (the UI says "pausing…"). */
  pausing?: boolean;
  /** Place in the training queue (1 = next) while status is 'queued'; null otherwise. */
  queuePosition?: number | null;
  /** What the run fine-tunes (null: trained from scratch). */
  fineTune?: FineTuneSource | null;
  /** The adapter's settings when the run trains a LoRA adapter (its checkpoints are adapters); null: full training. */
  lora?: LoraInfo | null;
}

export interface CheckpointInfo {
  id: string;
  runId: string;
  step: number;
  kind: 'best' | 'last';
  evalLoss: number | null;
  /** Share of files sampled from it (at its evaluation) that were valid; null when not measured. */
  validRate?: number | null;
  created: IsoTime;
  missing: boolean;
}

export interface RunDetail extends RunSummary {
  checkpoints: CheckpointInfo[];
}

export interface MetricPoint {
  step: number;
  /** When the step was recorded, epoch milliseconds. */
  time: number;
  trainLoss: number | null;
  evalLoss: number | null;
  bitsPerByte: number | null;
  lr: number | null;
  bytesPerSecond: number | null;
  /** Valid-file rate of the samples drawn at this evaluation (absent or null between evaluations). */
  validRate?: number | null;
  /** Running seconds of the run when this step finished, pauses excluded (the ETA's clock, shared/eta.ts). */
  runSeconds?: number | null;
  /** Classification runs: accuracy on the eval split at an evaluation step. */
  evalAccuracy?: number | null;
}

/** One evaluation of a classification run (the run monitor's per-class accuracy and confusion matrix). */
export interface ClassificationEval {
  step: number;
  /** Mean cross-entropy of the true labels, nats. */
  loss: number;
  accuracy: number;
  /** Per true label, label order; null where the eval split has no file of that label. */
  perClass: Array<number | null>;
  /** confusion[true][predicted]: file counts. */
  confusion: number[][];
  count: number;
}

/** A classification run's label list and every evaluation so far. */
export interface ClassificationHistory {
  labels: string[];
  evals: ClassificationEval[];
}

/** Label probabilities of classified files (`bgpt classify`'s shape, docs/cli.md). */
export interface ClassifyResult {
  labels: string[];
  files: Array<{ path: string; label: string; probabilities: Record<string, number> }>;
  backend: BackendName | null;
}

export const runMethods = {
  /** The model presets (tiny, small, paper, …). */
  listPresets: takes(none).returns<PresetInfo[]>(),
  /** Parameters, memory and time estimates for a training request. */
  estimateTraining: takes(trainRequest).returns<TrainEstimate>(),
  /** Creates a run and starts training it in the engine process. */
  startRun: takes(trainRequest).returns<RunSummary>(),
  /** Pauses a running run (the engine waits between steps). */
  pauseRun: takes(id).returns<RunSummary>(),
  /** Resumes a paused run, or an interrupted/stopped one from its last checkpoint. */
  resumeRun: takes(id).returns<RunSummary>(),
  /** Stops a run after saving its last checkpoint. */
  stopRun: takes(id).returns<RunSummary>(),
  /** Every run, newest first. */
  listRuns: takes(none).returns<RunSummary[]>(),
  /** One run with its checkpoints. */
  getRun: takes(id).returns<RunDetail>(),
  /** Deletes a run, its checkpoints and its metrics (samples stay, unlinked). */
  deleteRun: takes(id).returns<void>(),
  /** Metric series for curves, downsampled to at most maxPoints per run (extrema kept). */
  getMetrics: takes(metricsRequest).returns<Record<string, MetricPoint[]>>(),
  /** A classification run's labels and evaluations (accuracy, per-class accuracy, confusion); null for other runs or before the first evaluation. */
  getClassification: takes(id).returns<ClassificationHistory | null>(),
  /** Classifies files with a classifier checkpoint (a classification run's, or a classifier model): the labels with their probabilities. */
  classify: takes(classifyRequest).returns<ClassifyResult>(),
};
