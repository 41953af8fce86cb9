// The engine process's job arguments and events, shared by the studio (caller) and the worker, and
// what the studio reads of a checkpoint folder without loading the engine.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BGPTConfig, Precision } from '../shared/config';
import type { GpuAdapterInfo, Sampling } from '../shared/contract';

/** A dataset file handed to training: read from its content-addressed path inside the engine. */
export interface TrainFileRef {
  path: string;
  name: string;
  ext: string;
  split: 'train' | 'eval';
  pairKey: string | null;
}

export interface TrainJob {
  jobId: string;
  runId: string;
  /** `<home>/runs/<id>`: the engine writes `last/` and `best/` here (atomically). */
  runDir: string;
  config: BGPTConfig;
  files: TrainFileRef[];
  /** 'abc->mid' / 'abc&mid' for conversion runs. */
  conversion: string | null;
  steps: number;
  batchSize: number;
  accumulation: number;
  lr: number;
  seed: number;
  evalEvery: number;
  earlyStoppingPatience: number | null;
  /** Continue exactly from this checkpoint (its resume state). */
  resumeFrom: string | null;
  /** Fine-tune: start from these weights, fresh optimizer. */
  initFrom: string | null;
  /** 'classification' trains a classifier (engine/classify); absent or other: the generative loop. */
  mode?: 'generative' | 'conversion' | 'classification';
}

export interface TrainStepEvent { step: number; trainLoss: number; lr: number; bytesPerSecond: number; time: number }
export interface TrainEvalEvent {
  step: number;
  evalLoss: number;
  /** Null for classification runs (they predict labels, not bytes). */
  evalBitsPerByte: number | null;
  /** Share of valid files sampled at this evaluation (generative runs; docs/music.md). */
  validRate?: number | null;
  /** Classification runs: accuracy, per-class accuracy and confusion[true][predicted] on the eval split. */
  accuracy?: number;
  perClass?: Array<number | null>;
  confusion?: number[][];
}
export interface TrainCheckpointEvent { step: number; kind: 'best' | 'last'; path: string; evalLoss: number | null; validRate?: number | null }

export interface TrainOutcome {
  status: 'done' | 'stopped';
  steps: number;
  trainLoss: number | null;
  evalLoss: number | null;
  evalBitsPerByte: number | null;
  bytesPerSecond: number | null;
  checkpoint: string | null;
  backend: string;
  /** The GPU adapter when the run trained on webgpu. */
  adapter?: GpuAdapterInfo | null;
  /** Threads that computed gradients (2 with the gradient worker); absent for runs recorded before it existed. */
  workers?: number;
  /** Classification runs: eval accuracy of the checkpoint named. */
  evalAccuracy?: number | null;
}

/** Label probabilities of files under a classifier checkpoint. */
export interface ClassifyJob { checkpoint: string; files: Array<{ name: string; ext: string; bytes: Uint8Array }> }
export interface ClassifyOutcome {
  labels: string[];
  files: Array<{ path: string; label: string; probabilities: Record<string, number> }>;
  backend: string;
}

export interface GenerateJob {
  jobId: string;
  checkpoint: string;
  ext: string;
  prompt: Uint8Array | null;
  /** Conversion: the input file, converted to `ext`. */
  input: { bytes: Uint8Array; ext: string } | null;
  sampling: Sampling;
  /** The weights' format on the inference kernels (absent: f32). */
  precision?: Precision;
}

export interface GeneratePatchEvent { patches: number; bytes: number }

export interface GenerateOutcome {
  bytes: Uint8Array;
  patches: number;
  stoppedBy: string;
  bytesPerSecond: number;
}

/** Per-file losses of a set of files under a checkpoint (the Models view's "evaluate a dataset"). */
export interface EvaluateJob {
  checkpoint: string;
  files: Array<{ name: string; ext: string; bytes: Uint8Array }>;
  /** float16 or Q8_0 score on the inference kernels (absent or f32: TF.js when it fits, as before). */
  precision?: Precision;
}
export interface EvaluateOutcome {
  backend: string;
  files: Array<{ path: string; loss: number; bitsPerByte: number; patches: number }>;
  meanLoss: number;
  meanBitsPerByte: number;
  warnings: string[];
}

export interface SurprisalJob {
  checkpoint: string;
  bytes: Uint8Array;
  ext: string;
  /** float16 or Q8_0 score on the inference kernels (absent or f32: TF.js, as before). */
  precision?: Precision;
}
export interface SurprisalOutcome { bits: Float32Array; windows: number; backend: string }

/**
 * The resume-state file training writes into each checkpoint folder (engine/train.ts STATE_FILE;
 * named here too so the studio can read it without loading TF.js; a test keeps the two equal).
 */
export const TRAIN_STATE_FILE = 'train_state.json';

/** Step and best eval loss recorded in a checkpoint folder, for the catalogue's reconcile. */
export async function readCheckpointInfo(dir: string): Promise<{ step: number; evalLoss: number | null } | null> {
  try {
    const s = JSON.parse(await fs.readFile(path.join(dir, TRAIN_STATE_FILE), 'utf8')) as { step?: unknown; bestEvalLoss?: unknown };
    if (typeof s.step !== 'number') return null;
    return { step: s.step, evalLoss: typeof s.bestEvalLoss === 'number' ? s.bestEvalLoss : null };
  } catch {
    return null;
  }
}
