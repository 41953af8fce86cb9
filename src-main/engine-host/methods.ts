// What the engine process can be asked to do: train, generate, surprisal, evaluate. Each method takes
// the job's argument and a context to report events and obey pause / stop / cancel.
import { statSync } from 'node:fs';
import path from 'node:path';
import { initBackend, engineInfo } from '../engine/backend/backend';
import type { EngineInfo } from '../shared/contract';
import { surprisal } from '../engine/eval/evaluate';
import { evaluateAuto } from '../engine/eval/auto';
import { convert, generate, loadInferenceModel, PREFILL_BATCH, type InferenceModel } from '../engine/infer';
import { MODEL_FILE } from '../engine/io/checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../checkpoint/adapter';
import { isTorchCheckpointPath } from '../engine/torch/read';
import { UserError } from '../shared/errors';
import { JobControl } from './control';
import type { ClassifyJob, ClassifyOutcome, EvaluateJob, EvaluateOutcome, GenerateJob, GenerateOutcome, SurprisalJob, SurprisalOutcome, TrainJob, TrainOutcome } from './jobs';
import type { EngineArg, EngineEventName, EngineEvents, EngineMethod, EngineResult } from './protocol';

export { JobControl };

export interface MethodContext {
  control: JobControl;
  emit<E extends EngineEventName>(name: E, payload: EngineEvents[E]): void;
}

/** The engine's method table: exactly the methods of the protocol, each with its argument and result types. */
export type EngineMethodTable = { [M in EngineMethod]: (arg: EngineArg<M>, ctx: MethodContext) => Promise<EngineResult<M>> };

/**
 * Open inference models, most recently used last. Generation reloads a checkpoint only when its weights changed
 * (training rewrites `best/`); a few stay open at once — a base and the adapters merged onto it each have their
 * own copy of the weights — so switching between open models costs nothing, within OPEN_MODELS_BYTES.
 */
const openModels: Array<{ key: string; model: InferenceModel }> = [];
/** At most this many models stay open... */
const MAX_OPEN_MODELS = 3;
/** ...and together at most this much wasm memory (two paper-size models, 0.45 GB of weights each, plus caches). */
const OPEN_MODELS_BYTES = 1.5 * 2 ** 30;

/** The weights file of a checkpoint and its mtime: part of an open model's key. */
function weightsStamp(dir: string): string {
  // A `.pth` file is its own weights file; a folder keeps them in model.safetensors (an adapter folder: adapter_model.safetensors).
  const torch = isTorchCheckpointPath(dir) && !statSync(dir, { throwIfNoEntry: false })?.isDirectory();
  const adapter = !torch && statSync(path.join(dir, ADAPTER_CONFIG_FILE), { throwIfNoEntry: false })?.isFile();
  const weights = torch ? dir : path.join(dir, adapter ? ADAPTER_WEIGHTS_FILE : MODEL_FILE);
  const st = statSync(weights, { throwIfNoEntry: false });
  if (!st) throw new UserError(torch ? `checkpoint ${dir}: no such file` : `checkpoint ${dir}: ${path.basename(weights)} is missing`, 'BAD_CHECKPOINT');
  return `${dir}@${st.mtimeMs}`;
}

async function inferenceModel(dir: string, base?: string | null): Promise<InferenceModel> {
  const key = base ? `${weightsStamp(dir)}+${weightsStamp(base)}` : weightsStamp(dir);
  const at = openModels.findIndex((m) => m.key === key);
  if (at >= 0) {
    const [hit] = openModels.splice(at, 1);
    openModels.push(hit);
    return hit.model;
  }
  // A checkpoint rewritten since it was opened: its old copy goes before the new one loads.
  for (let i = openModels.length - 1; i >= 0; i--) if (openModels[i].key.split('+')[0].startsWith(`${dir}@`)) openModels.splice(i, 1);
  const model = await loadInferenceModel(dir, { batch: PREFILL_BATCH, base });
  openModels.push({ key, model });
  const bytes = () => openModels.reduce((a, m) => a + m.model.memoryBytes, 0);
  while (openModels.length > 1 && (openModels.length > MAX_OPEN_MODELS || bytes() > OPEN_MODELS_BYTES)) openModels.shift();
  return model;
}

export const engineMethods: EngineMethodTable = {
  async train(job: TrainJob, ctx): Promise<TrainOutcome> {
    // Loaded on first use: training pulls in the optimizer and gradient code that generation never needs.
    const { runTrainJob } = await import('./train-job');
    return runTrainJob(job, ctx);
  },

  async generate(job: GenerateJob, ctx): Promise<GenerateOutcome> {
    const model = await inferenceModel(job.checkpoint, job.base);
    const common = {
      topK: job.sampling.topK,
      topP: job.sampling.topP,
      temperature: job.sampling.temperature,
      seed: job.sampling.seed,
      maxBytes: job.sampling.maxBytes,
      signal: ctx.control.signal,
      onPatch: (e: { patch: number; generated: number }) => ctx.emit('patch', { patches: e.patch, bytes: e.generated }),
    };
    const r = job.input
      ? await convert(model, { ...common, input: job.input.bytes, inputExt: job.input.ext, to: job.ext })
      : await generate(model, { ...common, ext: job.ext, prompt: job.prompt ?? undefined });
    return { bytes: r.bytes, patches: r.patches, stoppedBy: r.stoppedBy, bytesPerSecond: r.bytesPerSecond };
  },

  /** Per-file losses of a set of files (the Models view's "evaluate a dataset"): the kernels when TF.js would not fit. */
  async evaluate(job: EvaluateJob): Promise<EvaluateOutcome> {
    return evaluateAuto(job.checkpoint, job.files, { base: job.base });
  },

  async classify(job: ClassifyJob): Promise<ClassifyOutcome> {
    const { classifyFiles } = await import('../engine/classify/predict');
    const r = await classifyFiles({ checkpoint: job.checkpoint, base: job.base, files: job.files });
    return { labels: r.labels, files: r.files, backend: r.backend };
  },

  async surprisal(job: SurprisalJob): Promise<SurprisalOutcome> {
    const r = await surprisal({ checkpoint: job.checkpoint, base: job.base, bytes: job.bytes, ext: job.ext });
    return { bits: r.bits, windows: r.windows, backend: r.backend };
  },
};

/** Picks the TF.js backend (BGPT_BACKEND overrides) before the first call; names it and its GPU adapter. */
export async function initEngine(): Promise<EngineInfo> {
  await initBackend();
  return engineInfo();
}
