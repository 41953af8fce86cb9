// Which engine scores files for `bgpt eval` and the Models view's "evaluate a dataset" (docs/performance.md:
// the paper model loads and scores under 2.5 GB): TF.js while its estimate of a whole window fits every
// memory limit of its backend, else the inference kernels (engine/infer/evaluate.ts), which need about
// the weights and give the same losses (tests/unit/engine/eval/auto.test.ts).
import { readFolderConfig, requireCheckpoint } from '../../checkpoint';
import { estimateEvaluationMemoryBytes, estimateInferenceMemoryBytes, parameterCount, type BGPTConfig, type Precision } from '../../shared/config';
import { initBackend } from '../backend/backend';
import { evaluate, type EvalReport } from './evaluate';
import type { InputFile } from '../io/files';
import { evaluateWithKernels, KERNELS_BACKEND, type FastEvalReport } from '../infer/evaluate';
import type { InferenceModel } from '../infer/model';
import { assertFits, firstExceeded, memoryLimits, type MemoryLimit } from '../backend/resources';
import { inspectTorchCheckpoint } from '../torch/read';
import { isAdapterFolder } from '../io/adapter-weights';
import { readCheckpointConfig } from '../io/checkpoint';

/**
 * TF.js or the kernels for `config` under `limits` (forced: the kernels, `--fast`). `reason` is the one
 * progress line saying why the kernels were chosen; when not even they fit, the run is refused here,
 * before anything loads.
 */
export function chooseEvalEngine(config: BGPTConfig, limits: MemoryLimit[], forced: boolean): { kernels: boolean; reason?: string } {
  if (forced) return { kernels: true };
  const need = estimateEvaluationMemoryBytes(config);
  const over = firstExceeded(need, limits);
  if (!over) return { kernels: false };
  // The kernels hold the weights plus one prefill batch: the weights twice is a safe bound.
  assertFits(`scoring with this ${parameterCount(config).toLocaleString('en')}-parameter model`, 2 * estimateInferenceMemoryBytes(config), limits,
    'close other programs or use a smaller model');
  return { kernels: true, reason: `TF.js would need about ${(need / 2 ** 30).toFixed(1)} GiB for a window, more than ${over.name} allows: scoring on the inference kernels (${KERNELS_BACKEND}), same losses` };
}

/** The config of a checkpoint folder or .pth (an adapter folder: its base's), read without loading any weights. */
export async function evaluationConfig(checkpoint: string, base?: string | null): Promise<BGPTConfig> {
  if ((await requireCheckpoint(checkpoint)) === 'torch') return (await inspectTorchCheckpoint(checkpoint)).config;
  if (await isAdapterFolder(checkpoint)) return readCheckpointConfig(checkpoint, base);
  return readFolderConfig(checkpoint, { classifier: true });
}

export interface EvaluateAutoOptions {
  /** The base weights when the checkpoint is a LoRA adapter folder. */
  base?: string | null;
  /** Always the kernels (`bgpt eval --fast`). */
  fast?: boolean;
  /** The weights' format: float16 or Q8_0 run on the kernels (TF.js computes in float32 only). */
  precision?: Precision;
  /** Told the one line that says the kernels were chosen, and why. */
  onNote?: (line: string) => void;
  /** The kernels' model of `checkpoint` (at `precision`) when one is loaded already (the engine process caches it). */
  kernelModel?: () => Promise<InferenceModel>;
}

/** Evaluates `files` under `checkpoint` on the engine that fits (see chooseEvalEngine). */
export async function evaluateAuto(checkpoint: string, files: InputFile[], opts: EvaluateAutoOptions = {}): Promise<EvalReport | FastEvalReport> {
  const precision = opts.precision ?? 'f32';
  let kernels = Boolean(opts.fast) || precision !== 'f32';
  if (!kernels) {
    const config = await evaluationConfig(checkpoint, opts.base);
    // The limits of the TF.js backend this run would use (wasm: its 4 GiB address space).
    const choice = chooseEvalEngine(config, memoryLimits(await initBackend()), false);
    kernels = choice.kernels;
    if (choice.reason) opts.onNote?.(choice.reason);
  }
  if (!kernels) return evaluate({ checkpoint, base: opts.base, files });
  return evaluateWithKernels(checkpoint, files, await opts.kernelModel?.(), { precision, base: opts.base });
}
