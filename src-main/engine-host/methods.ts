// What the engine process can be asked to do: train, generate, surprisal, evaluate. Each method takes
// the job's argument and a context to report events and obey pause / stop / cancel.
import { initBackend, engineInfo } from '../engine/backend';
import type { EngineInfo } from '../shared/contract';
import { surprisal } from '../engine/evaluate';
import { evaluateAuto } from '../engine/evaluate-auto';
import { convert, generate } from '../engine/infer';
import { evaluateModel, KERNELS_BACKEND, surprisalBits } from '../engine/infer/evaluate';
import { ModelCache } from './model-cache';
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

/** The loaded inference models, several at once (model-cache.ts). */
export const models = new ModelCache();

export const engineMethods: EngineMethodTable = {
  async train(job: TrainJob, ctx): Promise<TrainOutcome> {
    // Loaded on first use: training pulls in the optimizer and gradient code that generation never needs.
    const { runTrainJob } = await import('./train-job');
    return runTrainJob(job, ctx);
  },

  async generate(job: GenerateJob, ctx): Promise<GenerateOutcome> {
    const model = await models.get(job.checkpoint, job.precision);
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
    // float16 and Q8_0 run on the kernels; the cache keeps the model for the next job.
    if (job.precision && job.precision !== 'f32') return evaluateModel(await models.get(job.checkpoint, job.precision), job.files);
    return evaluateAuto(job.checkpoint, job.files);
  },

  async classify(job: ClassifyJob): Promise<ClassifyOutcome> {
    const { classifyFiles } = await import('../engine/classify/predict');
    const r = await classifyFiles({ checkpoint: job.checkpoint, files: job.files });
    return { labels: r.labels, files: r.files, backend: r.backend };
  },

  async surprisal(job: SurprisalJob): Promise<SurprisalOutcome> {
    if (job.precision && job.precision !== 'f32') {
      const r = surprisalBits(await models.get(job.checkpoint, job.precision), job.bytes, job.ext);
      return { bits: r.bits, windows: r.windows, backend: KERNELS_BACKEND };
    }
    const r = await surprisal({ checkpoint: job.checkpoint, bytes: job.bytes, ext: job.ext });
    return { bits: r.bits, windows: r.windows, backend: r.backend };
  },
};

/** Picks the TF.js backend (BGPT_BACKEND overrides) before the first call; names it and its GPU adapter. */
export async function initEngine(): Promise<EngineInfo> {
  await initBackend();
  return engineInfo();
}
