// What the studio reads of a PyTorch checkpoint file before it becomes a model: config, kind, labels,
// training state (docs/pytorch.md, through the engine's restricted torch reader), and the curves of a
// reference trainer log (`logs-*.txt`) lying beside it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configToJson, type BGPTConfig } from '../shared/config';
import { inspectTorchCheckpointIsolated, readReferenceLog } from '../engine/torch/index';
import { withoutTorchExtension } from '../checkpoint';
import type { ModelMeta, ModelMetricRow } from '../catalogue/models';

export interface ModelFileInfo {
  config: BGPTConfig;
  /** snake_case, as config.json (docs/checkpoint-format.md). */
  configJson: Record<string, number>;
  parameters: number;
  /** The file can tell classifiers (a `labels` list); generative vs conversion it cannot. */
  kind: 'generative' | 'classifier';
  labels: string[] | null;
  meta: ModelMeta;
}

/** Reads a checkpoint file as the engine will: any problem is the reader's one-line UserError. */
export type ModelInspector = (file: string) => Promise<ModelFileInfo>;

/**
 * The pickle, tensor names and shapes are read and checked against the inferred config (the
 * restricted reader, nothing executed); the tensor bytes are not loaded here — 440 MB of float32 in
 * the studio process just to throw away — the sha256 vouches for them and the engine reads them.
 * The reading runs in a worker thread with a capped heap (engine/torch/isolated.ts): a file built to
 * exhaust memory fails this import in one line and leaves the studio process running.
 */
export const inspectModelFile: ModelInspector = async (file) => {
  const ckpt = await inspectTorchCheckpointIsolated(file);
  const config = ckpt.config;
  return {
    config,
    configJson: configToJson(config) as unknown as Record<string, number>,
    parameters: ckpt.parameters,
    kind: ckpt.kind,
    labels: ckpt.labels ?? null,
    meta: {
      ...(ckpt.meta.epoch !== undefined ? { epoch: ckpt.meta.epoch } : {}),
      ...(ckpt.meta.bestEpoch !== undefined ? { bestEpoch: ckpt.meta.bestEpoch } : {}),
      ...(ckpt.meta.minEvalLoss !== undefined ? { minEvalLoss: ckpt.meta.minEvalLoss } : {}),
      hasOptimizer: ckpt.meta.hasOptimizer,
    },
  };
};

/**
 * The reference trainer's log for `weights-X.pth`: `logs-X.txt` beside it (config.py's naming), else
 * the only `logs-*.txt` in the folder. Null when there is none (or more than one, ambiguously).
 */
export async function findReferenceLog(weightsFile: string): Promise<string | null> {
  const dir = path.dirname(weightsFile);
  const stem = withoutTorchExtension(path.basename(weightsFile)).replace(/^weights-?/, '');
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /^logs.*\.txt$/i.test(n));
  } catch {
    return null;
  }
  const exact = names.find((n) => n === `logs-${stem}.txt`);
  if (exact) return path.join(dir, exact);
  return names.length === 1 ? path.join(dir, names[0]) : null;
}

/** The log's epochs as model curves; an unreadable log costs the curves, never the import. */
export async function readLogCurves(logFile: string | null): Promise<ModelMetricRow[]> {
  if (!logFile) return [];
  try {
    return (await readReferenceLog(logFile)).map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss ?? null, evalLoss: e.evalLoss ?? null }));
  } catch {
    return [];
  }
}
