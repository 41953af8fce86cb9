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

/** Generation reloads a checkpoint only when its weights changed (training rewrites `best/`). */
let cached: { key: string; model: InferenceModel } | null = null;

async function inferenceModel(dir: string): Promise<InferenceModel> {
  let mtime = 0;
  // A `.pth` file is its own weights file; a folder keeps them in model.safetensors.
  const torch = isTorchCheckpointPath(dir) && !statSync(dir, { throwIfNoEntry: false })?.isDirectory();
  const weights = torch ? dir : path.join(dir, MODEL_FILE);
  try {
    mtime = statSync(weights).mtimeMs;
  } catch {
    throw new UserError(torch ? `checkpoint ${dir}: no such file` : `checkpoint ${dir}: model.safetensors is missing`, 'BAD_CHECKPOINT');
  }
  const key = `${dir}@${mtime}`;
  if (cached?.key !== key) cached = { key, model: await loadInferenceModel(dir, { batch: PREFILL_BATCH }) };
  return cached.model;
}

export const engineMethods: EngineMethodTable = {
  async train(job: TrainJob, ctx): Promise<TrainOutcome> {
    // Loaded on first use: training pulls in the optimizer and gradient code that generation never needs.
    const { runTrainJob } = await import('./train-job');
    return runTrainJob(job, ctx);
  },

  async generate(job: GenerateJob, ctx): Promise<GenerateOutcome> {
    const model = await inferenceModel(job.checkpoint);
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
    return evaluateAuto(job.checkpoint, job.files);
  },

  async classify(job: ClassifyJob): Promise<ClassifyOutcome> {
    const { classifyFiles } = await import('../engine/classify/predict');
    const r = await classifyFiles({ checkpoint: job.checkpoint, files: job.files });
    return { labels: r.labels, files: r.files, backend: r.backend };
  },

  async surprisal(job: SurprisalJob): Promise<SurprisalOutcome> {
    const r = await surprisal({ checkpoint: job.checkpoint, bytes: job.bytes, ext: job.ext });
    return { bits: r.bits, windows: r.windows, backend: r.backend };
  },
};

/** Picks the TF.js backend (BGPT_BACKEND overrides) before the first call; names it and its GPU adapter. */
export async function initEngine(): Promise<EngineInfo> {
  await initBackend();
  return engineInfo();
}
