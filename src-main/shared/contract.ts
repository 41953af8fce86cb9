// StudioApi: the one contract between the studio services and every UI transport (Electron preload,
// `bgpt serve` over WebSocket, the renderer's client). Request shapes are zod schemas (validated at the
// service boundary); every type here is written once and derived everywhere else.
import { z } from 'zod';
import { CONFIG_LIMITS as CL, TRAIN_DEFAULTS, TRAIN_LIMITS as TL, type Range } from './defaults';
import type { Modality, RunStatus, Validity } from './vocabulary';
import type { GpuAdapterInfo } from './adapter';
import type { DataProfile } from './recipe';

export type { Modality, RunStatus };

// ---------------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------------

/** TF.js backends in order of preference (docs/ARCHITECTURE.md). */
export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

/** The GPU adapter the webgpu backend runs on: defined in ./adapter (the catalogue keeps it with each run too). */
export type { GpuAdapterInfo };

/** What the engine computes on: the backend, its GPU adapter (webgpu only), and why better ones were passed over. */
export interface EngineInfo {
  backend: BackendName;
  adapter: GpuAdapterInfo | null;
  /** One line per backend of the ladder that was tried and declined (e.g. "webgpu: no WebGPU adapter …"). */
  skipped: string[];
}
export type RunMode = 'generative' | 'conversion' | 'classification';
export type Verdict = Validity;
/** Times are ISO-8601 strings in UTC everywhere in the API. */
export type IsoTime = string;

/** Model hyper-parameters, camelCase (config.json on disk is snake_case, docs/checkpoint-format.md). */
/** An integer within one of the shared bounds (src-main/shared/defaults.ts). */
const int = (r: Range) => z.number().int().min(r.min).max(r.max);

export const modelConfigSchema = z.object({
  patchSize: int(CL.patchSize),
  patchLength: int(CL.patchLength),
  hiddenSize: int(CL.hiddenSize),
  patchNumLayers: int(CL.layers),
  byteNumLayers: int(CL.layers),
  numHeads: int(CL.numHeads).optional(),
});
export type ModelConfigInput = z.infer<typeof modelConfigSchema>;

const id = z.string().min(1).max(200);
/** Same rule as the files the studio writes (catalogue/paths.ts checkExt), so a bad one is refused here, not after generating. */
const ext = z.string().trim().toLowerCase().pipe(z.string().regex(/^[a-z0-9]{1,16}$/, 'extension: 1–16 letters or digits (mid, abc, bmp, wav, txt…)'));
const bytes = z.instanceof(Uint8Array);

/** A file the API can read: a dataset file or a generated sample. */
export const fileRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset-file'), datasetId: id, fileId: id }),
  z.object({ kind: z.literal('sample'), sampleId: id }),
]);
export type FileRef = z.infer<typeof fileRefSchema>;

export const samplingSchema = z.object({
  topK: z.number().int().min(0).max(257).default(0),
  topP: z.number().gt(0).max(1).default(1),
  temperature: z.number().gt(0).max(10).default(1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  maxBytes: z.number().int().min(1).max(1 << 24).optional(),
});
export type Sampling = z.infer<typeof samplingSchema>;

// ---------------------------------------------------------------------------------------------
// Requests (validated at the boundary)
// ---------------------------------------------------------------------------------------------

/** Keys each ABC tune of an import is imported in: 1 = as written, up to all twelve (docs/music.md). */
const importKeys = z.number().int().min(1).max(12).optional();

export const requests = {
  importFiles: z.object({
    /** Dataset to create or add to. */
    name: z.string().trim().min(1).max(100),
    files: z.array(z.object({ name: z.string().min(1).max(1000), bytes })).min(1).max(10_000),
    kind: z.enum(['generative', 'conversion']).default('generative'),
    keys: importKeys,
  }),
  importPaths: z.object({
    name: z.string().trim().min(1).max(100),
    /**
     * The opaque handle showOpenDialog returned. The renderer never names a machine path: the main
     * process keeps the paths the user chose in the native dialog (docs/security.md).
     */
    selection: z.string().min(1).max(100),
    kind: z.enum(['generative', 'conversion']).default('generative'),
    keys: importKeys,
  }),
  contextFit: z.object({ datasetId: id, preset: z.string().min(1).max(40).optional(), config: modelConfigSchema.optional() }),
  trainRequest: z.object({
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
    /** Fine-tune: start from this run's checkpoint weights (a model id `mdl_…` in runId: that model's weights). */
    initFrom: z.object({ runId: id, checkpoint: z.enum(['best', 'last']) }).optional(),
  }),
  generateRequest: z.object({
    /** The run whose checkpoint generates, or a model id (`mdl_…`, docs/models.md). */
    runId: id,
    checkpoint: z.enum(['best', 'last']).default('best'),
    /** Target extension (the start patch). */
    ext,
    /** Prompt bytes (may end inside a patch). */
    prompt: bytes.optional(),
    /** Name of the file the prompt was cut from, recorded in the sample's provenance. */
    promptName: z.string().max(1000).optional(),
    /** Conversion: the input file, converted to `ext`. */
    input: z.object({ name: z.string().min(1).max(1000), bytes }).optional(),
    sampling: samplingSchema.default({ topK: 0, topP: 1, temperature: 1 }),
    count: z.number().int().min(1).max(64).default(1),
  }),
  sampleQuery: z.object({
    runId: id.optional(),
    ext: ext.optional(),
    verdict: z.enum(['valid', 'repaired', 'invalid']).optional(),
    minRating: z.number().int().min(0).max(5).optional(),
    tag: z.string().max(100).optional(),
    text: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
  }),
  sampleUpdate: z.object({
    id,
    rating: z.number().int().min(0).max(5).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    notes: z.string().max(10_000).optional(),
  }),
  metricsRequest: z.object({ runIds: z.array(id).min(1).max(16), maxPoints: z.number().int().min(10).max(100_000).default(2000) }),
  surprisalRequest: z.object({ file: fileRefSchema, runId: id, checkpoint: z.enum(['best', 'last']).default('best') }),
  saveFileRequest: z.object({ defaultName: z.string().min(1).max(1000), bytes }),
  modelUploadBegin: z.object({
    /** The file's own name (.pth/.pt). */
    fileName: z.string().min(1).max(1000),
    size: z.number().int().min(1).max(4 * 1024 ** 3),
    name: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(['generative', 'conversion', 'classifier']).optional(),
  }),
  /** One chunk of an upload, ≤ 16 MiB (a WebSocket message stays far below its limit), in order. */
  modelUploadChunk: z.object({ uploadId: id, offset: z.number().int().min(0), bytes: bytes.refine((b) => b.length <= 16 * 1024 * 1024, 'chunks are at most 16 MiB') }),
  /**
   * Desktop only: the opaque handle of a native dialog that chose one .pth (showOpenDialog with
   * purpose 'model'), never a path the renderer names (docs/security.md). The CLI imports by path itself.
   */
  modelImportPath: z.object({ selection: z.string().min(1).max(100), name: z.string().trim().min(1).max(100).optional(), kind: z.enum(['generative', 'conversion', 'classifier']).optional() }),
  /** What the native open dialog is for: files and folders for a dataset (default), or one model file. */
  openDialog: z.object({ purpose: z.enum(['dataset', 'model']).optional() }).optional(),
  modelDownload: z.object({
    /** A published model (conversion, cpu, text, image, audio) or an http(s) URL. */
    source: z.string().trim().min(1).max(2000),
    name: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(['generative', 'conversion', 'classifier']).optional(),
  }),
  /** A report card for a run's checkpoint (or a model: `mdl_…` in runId). */
  reportCard: z.object({
    runId: id,
    checkpoint: z.enum(['best', 'last']).default('best'),
    count: z.number().int().min(1).max(64).default(20),
    /** The dataset to compare with (default: the run's). */
    datasetId: id.optional(),
    /** Target extension (default: the dataset's main one). */
    ext: ext.optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  }),
  /** A tune collection by name (irishman) or, outside the browser, an https URL of an ABC tune book or a zip of them. */
  datasetDownload: z.object({
    source: z.string().trim().min(1).max(2000),
    name: z.string().trim().min(1).max(100).optional(),
    keys: importKeys,
  }),
  modelRename: z.object({ id, name: z.string().trim().min(1).max(100) }),
  modelEvaluate: z.object({ modelId: id, datasetId: id, split: z.enum(['train', 'eval', 'all']).default('eval'), limit: z.number().int().min(1).max(10_000).default(200) }),
  /** Files to classify with a classification run's checkpoint. */
  classifyRequest: z.object({
    runId: id,
    checkpoint: z.enum(['best', 'last']).default('best'),
    files: z.array(z.object({ name: z.string().min(1).max(1000), bytes })).min(1).max(64),
  }),
  id: id,
  none: z.undefined(),
} as const;

export type ImportFilesRequest = z.input<typeof requests.importFiles>;
export type ImportPathsRequest = z.input<typeof requests.importPaths>;
export type ContextFitRequest = z.input<typeof requests.contextFit>;
export type TrainRequest = z.input<typeof requests.trainRequest>;
export type TrainRequestParsed = z.output<typeof requests.trainRequest>;
export type GenerateRequest = z.input<typeof requests.generateRequest>;
export type GenerateRequestParsed = z.output<typeof requests.generateRequest>;
export type SampleQuery = z.input<typeof requests.sampleQuery>;
export type SampleUpdate = z.input<typeof requests.sampleUpdate>;
export type MetricsRequest = z.input<typeof requests.metricsRequest>;
export type SurprisalRequest = z.input<typeof requests.surprisalRequest>;
export type SaveFileRequest = z.input<typeof requests.saveFileRequest>;
export type ModelUploadBegin = z.input<typeof requests.modelUploadBegin>;
export type ModelUploadChunk = z.input<typeof requests.modelUploadChunk>;
export type ModelImportPath = z.input<typeof requests.modelImportPath>;
export type OpenDialogRequest = z.input<typeof requests.openDialog>;
export type ModelDownloadRequest = z.input<typeof requests.modelDownload>;
export type ModelRenameRequest = z.input<typeof requests.modelRename>;
export type DatasetDownloadRequest = z.input<typeof requests.datasetDownload>;
export type ReportCardRequest = z.input<typeof requests.reportCard>;
export type ModelEvaluateRequest = z.input<typeof requests.modelEvaluate>;
export type ClassifyRequest = z.input<typeof requests.classifyRequest>;

// ---------------------------------------------------------------------------------------------
// Replies and events
// ---------------------------------------------------------------------------------------------

export interface StudioInfo {
  version: string;
  /** How this UI reaches the studio. */
  transport: 'electron' | 'http';
  /** Native open/save dialogs exist (Electron); a browser uses upload and download instead. */
  nativeDialogs: boolean;
  home: string;
  engine: EngineStatus;
}

export interface EngineStatus {
  state: 'starting' | 'idle' | 'busy' | 'crashed' | 'stopped';
  backend: BackendName | null;
  /** The GPU adapter when the backend is webgpu (absent or null otherwise). */
  adapter?: GpuAdapterInfo | null;
  /** What the engine is doing, in words ("training run 3", "generating"). */
  activity: string | null;
  /** Set after a crash: the one-line reason. */
  error: string | null;
}

export interface DatasetSummary {
  id: string;
  name: string;
  source: string;
  kind: RunMode;
  created: IsoTime;
  fileCount: number;
  totalBytes: number;
  trainCount: number;
  evalCount: number;
  byModality: Partial<Record<Modality, number>>;
  builtIn: boolean;
  /** Training-split size and file sizes: what the default window, batch and steps follow (shared/recipe.ts trainDefaults); null until known. */
  profile: DataProfile | null;
}

export interface DatasetFileInfo {
  id: string;
  name: string;
  ext: string;
  modality: Modality;
  size: number;
  split: 'train' | 'eval';
  sha256: string;
  pairKey: string | null;
  missing: boolean;
  /** ABC files: the tune's title, key and meter (the dataset view's index of a tune book); absent for other files. */
  tune?: { title: string; key: string | null; meter: string | null };
}

export interface DatasetStats {
  /** Count of each byte value 0..255 over all files. */
  byteHistogram: number[];
  /** Shannon entropy of the byte distribution, bits per byte. */
  entropyBitsPerByte: number;
  minSize: number;
  maxSize: number;
  meanSize: number;
}

export interface DatasetDetail extends DatasetSummary {
  files: DatasetFileInfo[];
  stats: DatasetStats;
}

/** What one ABC file of an import held and what became of its tunes (docs/music.md, "Your own tune books"). */
export interface ImportBookReport {
  path: string;
  /** Tunes the file held (its X: lines). */
  tunes: number;
  /** Tunes imported, each in up to the keys asked for. */
  imported: number;
  /** Files made from them (tunes × keys). */
  files: number;
  /** Tunes refused (each has its line, with the reason, in `skipped`). */
  refused: number;
  /** Tunes whose music was already in the import or the dataset. */
  duplicates: number;
}

export interface ImportReport {
  dataset: string;
  datasetId: string;
  imported: number;
  duplicates: number;
  skipped: { path: string; reason: string }[];
  byModality: Partial<Record<Modality, number>>;
  /** One entry per ABC file cut into tunes (tune books, or tunes moved to several keys). */
  books?: ImportBookReport[];
}

export interface ContextFit {
  preset: string | null;
  patchSize: number;
  patchLength: number;
  /** Data bytes that fit one window (start and end patches excluded). */
  windowBytes: number;
  fits: number;
  cropped: number;
  /** Share of all bytes the model sees in one window per file (0..1). */
  bytesSeenShare: number;
  /** Per-file verdicts, same order as the dataset's files. */
  files: { fileId: string; size: number; fits: boolean }[];
}

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
  /** Rough peak memory of training with this batch, bytes. */
  memoryBytes: number;
  /** Rough seconds per epoch on this machine's backend (null until measured). */
  secondsPerEpoch: number | null;
  stepsPerEpoch: number;
  backend: BackendName | null;
  warnings: string[];
  /** The whole run's wall time on a quiet 2-core machine (shared/recipe.ts estimateRunSeconds, the tiny shape's measured speed); null for other shapes. */
  runSeconds: number | null;
  /** The defaults that fit this dataset (shared/recipe.ts trainDefaults): window, batch, steps, evaluations and why; null for non-generative runs. */
  defaults: { preset: string; patchLength: number; batchSize: number; steps: number; evalEvery: number; seconds: number; why: string } | null;
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

export interface SampleInfo {
  id: string;
  name: string;
  runId: string | null;
  runName: string | null;
  checkpointKind: string | null;
  ext: string;
  size: number;
  verdict: Verdict;
  reason: string | null;
  repaired: boolean;
  rating: number;
  tags: string[];
  notes: string;
  params: Record<string, unknown>;
  created: IsoTime;
  missing: boolean;
  /** Memorisation check: share of its bytes inside long verbatim runs from the training files (null: not measured). */
  copiedShare?: number | null;
  /** The training file it shares most with. */
  closestFile?: string | null;
  /** Mostly a copy of training data: not new music. */
  isCopy?: boolean | null;
  /** Why it failed (or what limited it) and what to try next. */
  guidance?: { causes: string[]; advice: string[]; stoppedAtWindow: boolean } | null;
}

export interface FileBytes {
  name: string;
  ext: string;
  bytes: Uint8Array;
}

export interface SurprisalResult {
  /** Bits for each byte of the file (same length as the file). */
  bits: Float32Array;
  meanBitsPerByte: number;
  backend: BackendName | null;
  warnings: string[];
}

/** What the native open dialog chose: an opaque handle (the paths stay in the main process) and base names to show. */
export interface DialogSelection {
  selection: string;
  names: string[];
}

export interface GenerateJob {
  jobId: string;
}

/** A published or imported PyTorch checkpoint in the catalogue (docs/models.md). */
export interface ModelInfo {
  id: string;
  name: string;
  /** The file path or URL it came from ('export', 'run' for the studio's own). */
  source: string;
  kind: 'generative' | 'conversion' | 'classifier';
  config: Required<ModelConfigInput>;
  /** The same config as config.json spells it (snake_case, docs/checkpoint-format.md). */
  configJson: Record<string, number>;
  parameters: number;
  size: number;
  sha256: string;
  labels: string[] | null;
  meta: { epoch?: number; bestEpoch?: number; minEvalLoss?: number; hasOptimizer?: boolean; fileName?: string };
  created: IsoTime;
  /** Its file vanished from the studio home. */
  missing: boolean;
  /** A reference trainer log came with it: getModelMetrics has its curves. */
  hasCurves: boolean;
}

export interface PublishedModel {
  /** What `bgpt models download NAME` takes. */
  name: string;
  url: string;
  file: string;
  description: string;
}

export interface DownloadInfo {
  downloadId: string;
  source: string;
  url: string;
  state: 'downloading' | 'verifying' | 'done' | 'failed' | 'cancelled';
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  error: string | null;
  /** The model, once landed. */
  model: ModelInfo | null;
}

/** One sample of a report card, as judged. */
export interface ReportCardSample {
  seed: number;
  bytes: number;
  stoppedBy: string;
  /** The studio's verdict (formats/validate.ts). */
  verdict: Verdict;
  /** abc2midi: 'ok' or its first error line; null when not ABC or abcmidi is not installed. */
  abc2midi: string | null;
  /** Bars abc2midi finds the wrong length (null: not run). */
  abc2midiBadBars: number | null;
  /** Bars of the first voice that match the meter, of those judged (ABC; null otherwise). */
  bars: { matching: number; checked: number } | null;
  notes: number;
  copiedShare: number | null;
  /** Valid (abc2midi too, when installed), with notes, and not a copy. */
  accepted: boolean;
}

/** The closeness of the samples' music to the training set on one feature (Yang & Lerch 2020). */
export interface ReportCardFeature {
  feature: 'pitch-class' | 'interval' | 'note-length' | 'pitch-range' | 'notes-per-bar';
  /** Overlap area (0..1) of the training files' distances among themselves and the samples' distances to them; null without enough notes. */
  overlap: number | null;
  /** Scalars: the feature's mean over the training files and over the samples; histograms: the mean distances. */
  train: number | null;
  samples: number | null;
}

/** A checkpoint's report card over N samples (docs/music.md, "A report card per checkpoint"). */
export interface ReportCard {
  id: string;
  runId: string | null;
  modelId: string | null;
  /** 'best' / 'last' of the run, or the checkpoint's path. */
  checkpoint: string;
  step: number | null;
  datasetId: string | null;
  ext: string;
  samples: number;
  created: IsoTime;
  sampling: { topK: number; topP: number; temperature: number; firstSeed: number; constrained: boolean };
  valid: {
    /** Share the studio calls valid. */
    verdict: number;
    /** Share abc2midi converts without an error (null: not ABC, or abcmidi not installed). */
    abc2midi: number | null;
    /** Share of all judged bars that match the meter (null: no bars judged). */
    barsMatching: number | null;
    /** Share of samples whose every judged bar matches the meter (and that have one). */
    fullBars: number | null;
    /** Share with at least one note. */
    withNotes: number;
  };
  /** Share accepted: valid (abc2midi too, when installed), with notes, not a copy. */
  accepted: number;
  /** Share that is mostly a copy of a training file (null: no training files to compare with). */
  copyRate: number | null;
  closeness: { features: ReportCardFeature[]; trainFiles: number; sampleFiles: number } | null;
  perSample: ReportCardSample[];
}

/** A tune collection's download into a dataset (docs/music.md, "Tune collections"). */
export interface DatasetDownloadInfo {
  downloadId: string;
  source: string;
  /** The dataset it lands as. */
  name: string;
  state: 'downloading' | 'importing' | 'done' | 'failed' | 'cancelled';
  /** The file being fetched (a collection may have several). */
  file: string | null;
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  error: string | null;
  /** The import report, once landed. */
  report: ImportReport | null;
}

export interface ModelMetricPoint {
  epoch: number;
  trainLoss: number | null;
  evalLoss: number | null;
}

export interface ModelEvaluation {
  modelId: string;
  datasetId: string;
  files: { name: string; loss: number; bitsPerByte: number }[];
  meanLoss: number;
  meanBitsPerByte: number;
  /** The TF.js backend, or 'wasm-simd': the inference kernels, chosen when TF.js would not fit (engine/evaluate-auto.ts). */
  backend: BackendName | 'wasm-simd' | null;
}

/** Events the studio pushes to every UI. */
export interface StudioEvents {
  /** The engine process changed state (started, busy, crashed…). */
  engineStatus: EngineStatus;
  /** A run changed (status, progress, best loss). */
  runUpdate: RunSummary;
  /** New metric points of a run, batched. */
  metrics: { runId: string; points: MetricPoint[] };
  /** Generation progress: one event per finished patch, and one when each sample is saved. */
  generateProgress: {
    jobId: string;
    index: number;
    count: number;
    patches: number;
    bytes: number;
    /** Set when sample `index` is finished and saved. */
    sample?: SampleInfo;
    /** Set once the whole job is over. */
    done?: boolean;
    error?: string;
  };
  /** Datasets or samples changed (import, delete, new sample): lists should refresh. */
  catalogueChanged: { what: 'datasets' | 'runs' | 'samples' | 'models' };
  /** A model download's progress (bytes, total, rate, ETA) and outcome. */
  modelDownload: DownloadInfo;
  /** A tune collection's download: progress, then the import report or the error. */
  datasetDownload: DatasetDownloadInfo;
  /** A report card being made: one event per sample judged, then the card (or the error). */
  reportCard: { jobId: string; runId: string | null; done: number; count: number; card?: ReportCard; error?: string };
}

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

/**
 * The methods, each taking at most one argument. `args` maps a method to its argument schema; the
 * service validates every call against it (the renderer is untrusted, even in Electron).
 */
export interface StudioMethods {
  /** Version, transport, home folder and the engine's state. */
  getInfo(): StudioInfo;
  /** Every dataset, built-in ones included. */
  listDatasets(): DatasetSummary[];
  /** One dataset with its files and byte statistics. */
  getDataset(datasetId: string): DatasetDetail;
  /** Imports uploaded files (browser drag and drop / picker) into a dataset. */
  importFiles(req: ImportFilesRequest): ImportReport;
  /** Desktop app: imports the files and folders the user chose in the native dialog (by its handle). */
  importPaths(req: ImportPathsRequest): ImportReport;
  /** Deletes a dataset's catalogue entry (blobs shared with other datasets stay). */
  deleteDataset(datasetId: string): void;
  /** Starts downloading a tune collection (irishman) or, outside the browser, a URL of ABC tune books into a dataset; datasetDownload events follow. */
  downloadDataset(req: DatasetDownloadRequest): { downloadId: string };
  /** Cancels a collection download (its partial files are removed). */
  cancelDatasetDownload(downloadId: string): void;
  /** Collection downloads in progress. */
  listDatasetDownloads(): DatasetDownloadInfo[];
  /** Which files fit a preset's window and which will be cropped. */
  contextFit(req: ContextFitRequest): ContextFit;
  /** The bytes of a dataset file or a sample, for viewers and export. */
  readFile(ref: FileRef): FileBytes;
  /** Bits of every byte of a file under a run's checkpoint. */
  surprisal(req: SurprisalRequest): SurprisalResult;
  /** The model presets (tiny, small, paper, …). */
  listPresets(): PresetInfo[];
  /** Parameters, memory and time estimates for a training request. */
  estimateTraining(req: TrainRequest): TrainEstimate;
  /** Creates a run and starts training it in the engine process. */
  startRun(req: TrainRequest): RunSummary;
  /** Pauses a running run (the engine waits between steps). */
  pauseRun(runId: string): RunSummary;
  /** Resumes a paused run, or an interrupted/stopped one from its last checkpoint. */
  resumeRun(runId: string): RunSummary;
  /** Stops a run after saving its last checkpoint. */
  stopRun(runId: string): RunSummary;
  /** Every run, newest first. */
  listRuns(): RunSummary[];
  /** One run with its checkpoints. */
  getRun(runId: string): RunDetail;
  /** Deletes a run, its checkpoints and its metrics (samples stay, unlinked). */
  deleteRun(runId: string): void;
  /** Metric series for curves, downsampled to at most maxPoints per run (extrema kept). */
  getMetrics(req: MetricsRequest): Record<string, MetricPoint[]>;
  /** A classification run's labels and evaluations (accuracy, per-class accuracy, confusion); null for other runs or before the first evaluation. */
  getClassification(runId: string): ClassificationHistory | null;
  /** Classifies files with a classification run's checkpoint: the labels with their probabilities. */
  classify(req: ClassifyRequest): ClassifyResult;
  /** Starts generating `count` samples; progress arrives as generateProgress events. */
  generate(req: GenerateRequest): GenerateJob;
  /** Cancels a generation job (what was made so far is kept). */
  cancelGenerate(jobId: string): void;
  /** Starts making a checkpoint's report card over N samples (valid rates, copy rate, closeness to the training music); reportCard events follow. */
  makeReportCard(req: ReportCardRequest): { jobId: string };
  /** A run's report cards, newest first. */
  getReportCards(runId: string): ReportCard[];
  /** Samples matching a query, newest first. */
  listSamples(query: SampleQuery): { total: number; samples: SampleInfo[] };
  /** Rates, tags or annotates a sample. */
  updateSample(update: SampleUpdate): SampleInfo;
  /** Deletes a sample and its file. */
  deleteSample(sampleId: string): void;
  /** Every model (published and imported checkpoints), newest first. */
  listModels(): ModelInfo[];
  /** The five published bGPT checkpoints and where they are downloaded from. */
  listPublishedModels(): PublishedModel[];
  /** Starts a browser upload of a .pth; send chunks with uploadModelChunk, then finishModelUpload. */
  beginModelUpload(req: ModelUploadBegin): { uploadId: string; chunkBytes: number };
  /** Appends one chunk (≤ 16 MiB) at `offset` (= bytes received so far). */
  uploadModelChunk(req: ModelUploadChunk): { received: number };
  /** Checks the uploaded file as a bGPT checkpoint and lands it as a model. */
  finishModelUpload(uploadId: string): ModelInfo;
  /** Drops an unfinished upload. */
  cancelModelUpload(uploadId: string): void;
  /** Imports a .pth by path (desktop dialog). */
  importModelPath(req: ModelImportPath): ModelInfo;
  /** Starts downloading a published model or URL; progress and outcome arrive as modelDownload events. */
  downloadModel(req: ModelDownloadRequest): { downloadId: string };
  /** Cancels a download (its partial file is removed). */
  cancelModelDownload(downloadId: string): void;
  /** Downloads in progress (for a UI that opens mid-download). */
  listModelDownloads(): DownloadInfo[];
  renameModel(req: ModelRenameRequest): ModelInfo;
  /** Deletes a model and its file. */
  deleteModel(modelId: string): void;
  /** The curves of the reference trainer log imported with a model. */
  getModelMetrics(modelId: string): ModelMetricPoint[];
  /** Loss of each file of a dataset under a model (the eval split by default), and the mean bits per byte. */
  evaluateModel(req: ModelEvaluateRequest): ModelEvaluation;
  /** Electron: native open dialog for files/folders to import (or one .pth: purpose 'model'); a handle for importPaths or importModelPath, null when cancelled or unsupported. */
  showOpenDialog(req?: OpenDialogRequest): DialogSelection | null;
  /** Electron: native save dialog, then writes the bytes; returns the path, or null. */
  saveFile(req: SaveFileRequest): string | null;
}

export type MethodName = keyof StudioMethods;

/** Argument schema of each method (`none` for methods without one). Checked by the compiler to cover every method. */
export const args = {
  getInfo: requests.none,
  listDatasets: requests.none,
  getDataset: requests.id,
  importFiles: requests.importFiles,
  importPaths: requests.importPaths,
  deleteDataset: requests.id,
  downloadDataset: requests.datasetDownload,
  cancelDatasetDownload: requests.id,
  listDatasetDownloads: requests.none,
  contextFit: requests.contextFit,
  readFile: fileRefSchema,
  surprisal: requests.surprisalRequest,
  listPresets: requests.none,
  estimateTraining: requests.trainRequest,
  startRun: requests.trainRequest,
  pauseRun: requests.id,
  resumeRun: requests.id,
  stopRun: requests.id,
  listRuns: requests.none,
  getRun: requests.id,
  deleteRun: requests.id,
  getMetrics: requests.metricsRequest,
  getClassification: requests.id,
  classify: requests.classifyRequest,
  generate: requests.generateRequest,
  cancelGenerate: requests.id,
  makeReportCard: requests.reportCard,
  getReportCards: requests.id,
  listSamples: requests.sampleQuery,
  updateSample: requests.sampleUpdate,
  deleteSample: requests.id,
  showOpenDialog: requests.openDialog,
  saveFile: requests.saveFileRequest,
  listModels: requests.none,
  listPublishedModels: requests.none,
  beginModelUpload: requests.modelUploadBegin,
  uploadModelChunk: requests.modelUploadChunk,
  finishModelUpload: requests.id,
  cancelModelUpload: requests.id,
  importModelPath: requests.modelImportPath,
  downloadModel: requests.modelDownload,
  cancelModelDownload: requests.id,
  listModelDownloads: requests.none,
  renameModel: requests.modelRename,
  deleteModel: requests.id,
  getModelMetrics: requests.id,
  evaluateModel: requests.modelEvaluate,
} as const satisfies Record<MethodName, z.ZodType>;

export const METHOD_NAMES = Object.keys(args) as MethodName[];

/**
 * Methods a browser (`bgpt serve`) may never call: they reach machine paths or native dialogs. Any new
 * method that takes or returns a machine path belongs here (docs/security.md).
 */
export const BROWSER_FORBIDDEN_METHODS: readonly MethodName[] = ['importPaths', 'showOpenDialog', 'saveFile', 'importModelPath'];

export type EventName = keyof StudioEvents;
export const EVENT_NAMES: EventName[] = ['engineStatus', 'runUpdate', 'metrics', 'generateProgress', 'catalogueChanged', 'modelDownload', 'datasetDownload', 'reportCard'];

export type Unsubscribe = () => void;

/** `onEngineStatus`, `onRunUpdate`, … */
export type EventSubscriptions = {
  [K in EventName as `on${Capitalize<K>}`]: (listener: (event: StudioEvents[K]) => void) => Unsubscribe;
};

/** What a UI holds: every method returns a Promise, every event is a subscription. */
export type StudioApi = {
  [K in MethodName]: (...a: Parameters<StudioMethods[K]>) => Promise<ReturnType<StudioMethods[K]>>;
} & EventSubscriptions;

/** What the studio services implement (sync or async). */
export type StudioHandlers = {
  [K in MethodName]: (...a: Parameters<StudioMethods[K]>) => ReturnType<StudioMethods[K]> | Promise<ReturnType<StudioMethods[K]>>;
};

/** Subscription method name for an event. */
export function subscriptionName(event: EventName): keyof EventSubscriptions {
  return `on${event[0].toUpperCase()}${event.slice(1)}` as keyof EventSubscriptions;
}

// ---------------------------------------------------------------------------------------------
// Wire envelopes (Electron IPC and WebSocket share them)
// ---------------------------------------------------------------------------------------------

/** Channel prefix for Electron IPC; the preload refuses anything else. */
export const CHANNEL_PREFIX = 'studio:';

export type WireRequest = { type: 'call'; seq: number; method: MethodName; arg?: unknown };
export type WireReply = { type: 'reply'; seq: number } & ({ ok: true; value: unknown } | { ok: false; error: WireError });
export type WireEvent = { type: 'event'; event: EventName; payload: unknown };
export interface WireError {
  message: string;
  code: string;
}
