// Catalogue rows (epoch-ms times, storage shapes) → the StudioApi's reply types (ISO times).
import type { AdapterBase } from '../checkpoint/adapter';
import type { CheckpointRow, DatasetFileRow, DatasetRow, RunRow, SampleRow } from '../catalogue/types';
import type { BGPTConfig } from '../shared/config';
import type { DataProfile } from '../shared/recipe';
import type { CheckpointInfo, DatasetFileInfo, DatasetSummary, FineTuneSource, LoraSettings, Modality, RunSummary, SampleInfo } from '../shared/contract';

/** What a run row's `config` JSON holds: the model and the hyper-parameters it trains with. */
export interface StoredRunConfig {
  model: BGPTConfig;
  hyper: RunSummary['hyper'];
  earlyStoppingPatience: number | null;
  initFrom: string | null;
  /** The base weights when `initFrom` is a LoRA adapter folder (training starts from the merged weights). */
  initBase?: string | null;
  /** What the run fine-tunes, as the run card names it (absent: from scratch, or recorded before it was kept). */
  fineTune?: FineTuneSource | null;
  /** The LoRA settings when the run trains an adapter (the train request's `lora`); absent: full training. */
  lora?: LoraSettings | null;
  /** Checkpoints folder when not `<home>/runs/<id>` (the CLI's --out). */
  runDir?: string | null;
  /** How the adapter names its base (the engine records its sha256). */
  base?: { name: string; ref: AdapterBase['ref'] } | null;
}

/** Dataset stats JSON as the studio stores it at import. */
export interface StoredDatasetStats {
  byModality?: Partial<Record<Modality, number>>;
  trainCount?: number;
  evalCount?: number;
  byteHistogram?: number[];
  entropyBitsPerByte?: number;
  minSize?: number;
  maxSize?: number;
  meanSize?: number;
  /** shared/recipe.ts profileOf: what the default window, batch and steps follow. */
  profile?: DataProfile;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const BUILTIN_PREFIX = 'builtin:';

export function datasetSummary(d: DatasetRow): DatasetSummary {
  const s = (d.stats ?? {}) as StoredDatasetStats;
  return {
    id: d.id,
    name: d.name,
    source: d.source,
    kind: d.kind,
    created: iso(d.created),
    fileCount: d.fileCount,
    totalBytes: d.totalBytes,
    trainCount: s.trainCount ?? d.fileCount,
    evalCount: s.evalCount ?? 0,
    byModality: s.byModality ?? {},
    builtIn: d.source.startsWith(BUILTIN_PREFIX),
    profile: s.profile ?? null,
  };
}

export function datasetFileInfo(f: DatasetFileRow): DatasetFileInfo {
  return {
    id: f.sha256,
    name: f.originalName,
    ext: f.ext,
    modality: f.modality as Modality,
    size: f.size,
    split: f.split,
    sha256: f.sha256,
    pairKey: f.pairKey,
    missing: f.missing,
  };
}

export function runSummary(r: RunRow, live: { paused: boolean; bytesPerSecond: number | null } | null): RunSummary {
  const stored = r.config as unknown as StoredRunConfig;
  return {
    id: r.id,
    name: r.name,
    datasetId: r.datasetId,
    datasetName: r.datasetName,
    mode: r.mode,
    conversion: r.conversion,
    preset: r.preset,
    config: stored.model as RunSummary['config'],
    hyper: stored.hyper,
    backend: r.backend as RunSummary['backend'],
    adapter: r.adapter,
    status: live?.paused ? 'paused' : r.status,
    created: iso(r.created),
    started: isoOrNull(r.started),
    ended: isoOrNull(r.ended),
    step: r.stepsDone,
    totalSteps: r.stepsTotal ?? stored.hyper.steps,
    bestEvalLoss: r.bestEvalLoss,
    bestBitsPerByte: r.bestEvalBpb,
    bytesPerSecond: live?.bytesPerSecond ?? null,
    error: r.error,
    fineTune: stored.fineTune ?? null,
    lora: stored.lora ? { rank: stored.lora.rank, alpha: stored.lora.alpha, targets: stored.lora.targets, levels: stored.lora.levels } : null,
  };
}

export function checkpointInfo(c: CheckpointRow): CheckpointInfo {
  return { id: String(c.id), runId: c.runId, step: c.step, kind: c.kind, evalLoss: c.evalLoss, validRate: c.validRate, created: iso(c.created), missing: c.missing };
}

export function sampleInfo(s: SampleRow, runName: string | null, modelName: string | null = null): SampleInfo {
  return {
    id: s.id,
    name: s.name,
    runId: s.runId,
    runName,
    modelName,
    // best/last are a run's checkpoints: a model file has neither.
    checkpointKind: modelName ? null : ((s.params as Record<string, unknown> | null)?.checkpoint as string | undefined) ?? null,
    ext: s.ext,
    size: s.size,
    verdict: s.validity,
    reason: s.validityReason,
    repaired: s.repaired,
    rating: s.rating,
    tags: s.tags,
    notes: s.notes,
    params: (s.params ?? {}) as Record<string, unknown>,
    created: iso(s.created),
    missing: s.missing,
    copiedShare: s.copiedShare,
    closestFile: s.closestFile,
    isCopy: s.isCopy,
    guidance: s.guidance,
  };
}
