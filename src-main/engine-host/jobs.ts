// The engine's job arguments, outcomes and events, shared by the studio (caller) and the engine's method
// table (engine-host/methods.ts), wherever the engine runs (its own process, or in-process for the CLI).
import type { BGPTConfig, Precision } from '../shared/config';
import type { GpuAdapterInfo } from '../shared/contract';
import type { AdapterBase, LoraSettings } from '../checkpoint/adapter';

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
  /** The base weights when `initFrom` is a LoRA adapter folder: training starts from the merged weights. */
  initBase?: string | null;
  /** 'classification' trains a classifier (engine/classify); absent or other: the generative loop. */
  mode?: 'generative' | 'conversion' | 'classification';
  /** LoRA fine-tuning of `initFrom` (checked settings, checkpoint/adapter.ts); absent or null: every weight trains. */
  lora?: LoraSettings | null;
  /** How the studio names the base of a LoRA run (the engine computes its sha256). */
  base?: { name: string; ref: AdapterBase['ref'] } | null;
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
  /** How the run held its memory (engine/train/plan.ts): 'full', 'recompute' or 'micro-batches', and windows per pass. */
  memory?: { mode: 'full' | 'recompute' | 'micro-batches'; windowsPerPass: number };
}

/** Label probabilities of files under a classifier checkpoint. */
export interface ClassifyJob { checkpoint: string; base?: string | null; files: Array<{ name: string; ext: string; bytes: Uint8Array }> }
export interface ClassifyOutcome {
  labels: string[];
  files: Array<{ path: string; label: string; probabilities: Record<string, number> }>;
  backend: string;
  /** One line per file longer than the window (classified by its head). */
  warnings: string[];
}

/** How the bytes of every sample of a generation job are drawn: everything resolved, the seed included. */
export interface GenerateSampling {
  topK: number;
  topP: number;
  temperature: number;
  /** Sample i uses sampleSeed(seed, i) (shared/seeds.ts). */
  seed: number;
  maxBytes?: number;
  /** Format-aware sampling; undefined: on where the format has a grammar. */
  constrain?: boolean;
}

export interface GenerateJob {
  jobId: string;
  checkpoint: string;
  /** The base weights (folder or .pth) when `checkpoint` is a LoRA adapter folder (the studio's resolver finds it). */
  base?: string | null;
  ext: string;
  prompt: Uint8Array | null;
  /** Conversion: the input file, converted to `ext`. */
  input: { bytes: Uint8Array; ext: string } | null;
  sampling: GenerateSampling;
  /** Samples made in the one job (batched where the sampler allows: engine/infer generateMany). */
  count: number;
  /** The weights' format on the inference kernels (absent: f32). */
  precision?: Precision;
}

/** A finished patch of one sample of a generation job. */
export interface GeneratePatchEvent { sample: number; patches: number; bytes: number }

/** One sample as the engine made it. */
export interface GeneratedSample {
  /** The file: the prompt (if any) then the sampled bytes; for a conversion, the sampled bytes. */
  bytes: Uint8Array;
  /** Bytes sampled (the prompt excluded). */
  generated: number;
  patches: number;
  stoppedBy: 'end' | 'max-bytes' | 'window' | 'cancelled';
  bytesPerSecond: number;
  seed: number;
  /** Format-aware sampling was applied. */
  constrained: boolean;
  /** Positions where format-aware sampling overruled the model's most likely byte. */
  repairs: number;
}

export interface GenerateOutcome {
  samples: GeneratedSample[];
  /** Wall time of the whole job. */
  seconds: number;
}

/** Per-file losses of a set of files under a checkpoint (`bgpt eval`, the Models view's "evaluate a dataset"). */
export interface EvaluateJob {
  /** Reports the one line saying why the kernels were chosen ('note' events). */
  jobId?: string;
  checkpoint: string;
  /** The base weights when `checkpoint` is a LoRA adapter folder. */
  base?: string | null;
  files: Array<{ name: string; ext: string; bytes: Uint8Array }>;
  /** Always the inference kernels (`bgpt eval --fast`). */
  fast?: boolean;
  /** float16 or Q8_0 score on the inference kernels (absent or f32: TF.js when it fits, as before). */
  precision?: Precision;
}
export interface EvaluateOutcome {
  backend: string;
  /** The weights' format on the kernels (absent: TF.js, float32). */
  precision?: Precision;
  files: Array<{ path: string; loss: number; bitsPerByte: number; patches: number }>;
  meanLoss: number;
  meanBitsPerByte: number;
  warnings: string[];
}

export interface SurprisalJob {
  checkpoint: string;
  /** The base weights when `checkpoint` is a LoRA adapter folder. */
  base?: string | null;
  bytes: Uint8Array;
  ext: string;
  /** The weights' format on the inference kernels (absent: f32). */
  precision?: Precision;
}
export interface SurprisalOutcome {
  /** Bits of every byte. */
  bits: Float32Array;
  windows: number;
  /** The file's bits per byte: its score as evaluation computes it (engine/infer/score.ts scoreFile). */
  bitsPerByte: number;
  /** Only its head window counts in bitsPerByte. */
  cropped: boolean;
  backend: string;
}

/** `bgpt export torch`: a checkpoint as weights.pth + config.py, and data laid out for the reference trainers. */
export interface ExportJob {
  checkpoint: string;
  /** The base weights when `checkpoint` is a LoRA adapter folder: weights.pth is the merge, adapter/ the adapter alone. */
  base?: string | null;
  out: string;
  conversion: string | null;
  /** Files to lay out as data/train and data/eval (engine/torch/export.ts layoutData). */
  data: Array<{ from: string; name: string; split: 'train' | 'eval'; group: string | null }>;
  /** What config.py says the weights came from. */
  source: string;
  /** The checkpoint's eval loss, when known (train_state.json). */
  evalLoss?: number | null;
}
export interface ExportOutcome {
  weights: string;
  config: string;
  /** `<out>/adapter` (PEFT layout) when the checkpoint was a LoRA adapter, else null. */
  adapter: string | null;
  train: number;
  eval: number;
  kind: string;
  modelConfig: BGPTConfig;
}

/** `bgpt bench`: which bench, how many timed updates, and whether to profile one. */
export interface BenchJob { jobId?: string; preset: 'bench' | 'paper'; /** Updates timed (default: 3 on the bench config, 1 on the paper model). */ steps?: number; profile: boolean }

/** One line of progress from a job (the CLI prints it on stderr). */
export interface NoteEvent { line: string }
