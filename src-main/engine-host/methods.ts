// What the engine can be asked to do: train, generate, surprisal, evaluate, classify, export, bench.
// Each method takes the job's argument and a context to report events and obey pause / stop / cancel.
// The same table runs in the engine process (./worker.ts) and in the CLI's process (./in-process.ts);
// heavy parts (TF.js training, the TF.js evaluator, the torch writer, the bench) load on first use.
import { convert, generate, generateMany, type GenerateResult } from '../engine/infer';
import { ModelCache } from './model-cache';
import { fileSurprisal } from '../engine/infer/score';
import { KERNELS_BACKEND } from '../engine/infer/evaluate';
import type { EngineInfo } from '../shared/contract';
import { sampleSeed } from '../shared/seeds';
import { errorLine, isUserError } from '../shared/errors';
import { JobControl } from './control';
import type { GenerateJob, GenerateOutcome, GeneratedSample } from './jobs';
import type { EngineArg, EngineEventName, EngineEvents, EngineJobEvent, EngineMethod, EngineResult } from './protocol';

export { JobControl };

export interface MethodContext {
  control: JobControl;
  emit<E extends EngineEventName>(name: E, payload: EngineEvents[E]): void;
}

/** The engine's method table: exactly the methods of the protocol, each with its argument and result types. */
export type EngineMethodTable = { [M in EngineMethod]: (arg: EngineArg<M>, ctx: MethodContext) => Promise<EngineResult<M>> };

/** Set once a method that may start a TF.js backend ran (training, the TF.js evaluator, classify, export, bench). */
let mayUseTfjs = false;

/** The loaded inference models, several at once (model-cache.ts): generation, surprisal and the kernels' evaluation share them. */
export const models = new ModelCache();

function sampleOf(r: GenerateResult): GeneratedSample {
  return {
    bytes: r.bytes, generated: r.generated, patches: r.patches, stoppedBy: r.stoppedBy, bytesPerSecond: r.bytesPerSecond,
    seed: r.seed, constrained: r.constrained, repairs: r.repairs,
  };
}

/** A generation job: `count` samples, sample i with seed sampleSeed(seed, i), batched where the sampler allows. */
async function generateJob(job: GenerateJob, ctx: MethodContext): Promise<GenerateOutcome> {
  const started = performance.now();
  const model = await models.get(job.checkpoint, job.precision, job.count, job.base);
  const s = job.sampling;
  const common = {
    topK: s.topK, topP: s.topP, temperature: s.temperature, maxBytes: s.maxBytes, constrain: s.constrain,
    signal: ctx.control.signal,
    onPatch: (e: { patch: number; generated: number; sample?: number }) => ctx.emit('patch', { sample: e.sample ?? 0, patches: e.patch, bytes: e.generated }),
  };
  let results: GenerateResult[];
  if (job.input) {
    // Conversion has no batched decoder: its samples run one after another, each with its own seed.
    results = [];
    for (let i = 0; i < job.count && !ctx.control.signal.aborted; i++) {
      const seed = sampleSeed(s.seed, i);
      results.push(await convert(model, { ...common, seed, onPatch: (e) => common.onPatch({ ...e, sample: i }), input: job.input.bytes, inputExt: job.input.ext, to: job.ext }));
    }
  } else if (job.count === 1) {
    results = [await generate(model, { ...common, seed: s.seed, ext: job.ext, prompt: job.prompt ?? undefined })];
  } else {
    results = await generateMany(model, { ...common, seed: s.seed, ext: job.ext, prompt: job.prompt ?? undefined, count: job.count });
  }
  return { samples: results.map(sampleOf), seconds: (performance.now() - started) / 1000 };
}

export const engineMethods: EngineMethodTable = {
  async train(job, ctx) {
    mayUseTfjs = true;
    // Loaded on first use: training pulls in the optimizer and gradient code that generation never needs.
    const { runTrainJob } = await import('./train-job');
    return runTrainJob(job, ctx);
  },

  generate: generateJob,

  /** Per-file losses (`bgpt eval`, the Models view's "evaluate a dataset"): TF.js, or the kernels when it would not fit (or `fast`). */
  async evaluate(job, ctx) {
    mayUseTfjs = true;
    const { evaluateAuto } = await import('../engine/eval/auto');
    return evaluateAuto(job.checkpoint, job.files, {
      fast: job.fast,
      precision: job.precision,
      base: job.base,
      onNote: (line) => ctx.emit('note', { line }),
      kernelModel: () => models.get(job.checkpoint, job.precision, undefined, job.base),
    });
  },

  async classify(job) {
    mayUseTfjs = true;
    const { classifyFiles } = await import('../engine/classify/predict');
    const r = await classifyFiles({ checkpoint: job.checkpoint, base: job.base, files: job.files });
    return { labels: r.labels, files: r.files, backend: r.backend, warnings: r.warnings };
  },

  /** On the cached kernels: the same model generation uses, and the same computation as evaluation's score of a file. */
  async surprisal(job) {
    const model = await models.get(job.checkpoint, job.precision, undefined, job.base);
    const r = fileSurprisal(model, job.bytes, job.ext);
    return { bits: r.bits, windows: r.windows, bitsPerByte: r.bitsPerByte, cropped: r.cropped, backend: KERNELS_BACKEND };
  },

  async exportTorch(job) {
    mayUseTfjs = true;
    const { exportSource, exportTorch, layoutData } = await import('../engine/torch/export');
    const src = await exportSource(job.checkpoint, job.evalLoss, job.base);
    const r = await exportTorch(src, job.out, { conversion: job.conversion, data: layoutData(job.data), source: job.source });
    return { ...r, kind: src.kind, modelConfig: src.config };
  },

  async bench(job, ctx) {
    mayUseTfjs = true;
    const { runBench } = await import('./bench-job');
    return runBench(job, (line) => ctx.emit('note', { line }));
  },
};

/** Picks the TF.js backend (BGPT_BACKEND overrides); names it and its GPU adapter. */
export async function initEngine(): Promise<EngineInfo> {
  const { initBackend, engineInfo } = await import('../engine/backend/backend');
  await initBackend();
  return engineInfo();
}

/** The backend and adapter once some method started TF.js, else null (the kernels need no backend, and this loads none). */
export async function startedEngineInfo(): Promise<EngineInfo | null> {
  if (!mayUseTfjs) return null;
  const { startedEngineInfo: info } = await import('../engine/backend/backend');
  return info();
}

/** A method name from the wire: only the protocol's own names are served (a message is data, not code). */
export function isEngineMethod(method: unknown): method is EngineMethod {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(engineMethods, method);
}

/** How an engine error crosses a boundary: its line, its code, and whether it is the user's to fix. */
export function engineError(err: unknown): { message: string; code: string; user: boolean } {
  const code = (err as { code?: unknown })?.code;
  return { message: errorLine(err), code: typeof code === 'string' ? code : 'ENGINE_ERROR', user: isUserError(err) };
}

/**
 * Runs one call of the method table, with its job's control registered under the job id (if the
 * argument has one) while it runs, and its events handed to `emit`. Both hosts run calls through here.
 */
export async function runEngineCall(method: EngineMethod, arg: unknown, jobs: Map<string, JobControl>, emit: (jobId: string, event: EngineJobEvent) => void): Promise<unknown> {
  // The caller's typed `call` built this from EngineMethods; the table is typed by the same map.
  const fn = engineMethods[method] as (arg: unknown, ctx: MethodContext) => Promise<unknown>;
  const jobId = (arg as { jobId?: string } | null)?.jobId;
  const control = new JobControl();
  if (jobId) jobs.set(jobId, control);
  try {
    return await fn(arg, { control, emit: (name, payload) => emit(jobId ?? '', { name, payload } as EngineJobEvent) });
  } finally {
    if (jobId) jobs.delete(jobId);
  }
}
