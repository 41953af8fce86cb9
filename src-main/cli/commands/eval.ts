// `bgpt eval --checkpoint DIR FILE...` (DESIGN §3): each file's loss alone, as the reference computes it.
import { HOME_OPTION, type CommandSpec } from '../framework';
import { resolveHome } from '../../catalogue/paths';
import { resolveCheckpoint } from '../../studio/resolve-checkpoint';
import { evaluate } from '../../engine/evaluate';
import { readInputFile } from '../../engine/files';
import type { EvalReport } from '../../engine/evaluate';
import { evaluateWithKernels, KERNELS_BACKEND } from '../../engine/infer/evaluate';
import { initBackend } from '../../engine/backend';
import { assertFits, firstExceeded, memoryLimits, type MemoryLimit } from '../../engine/resources';
import { estimateEvaluationMemoryBytes, estimateInferenceMemoryBytes, parameterCount, type BGPTConfig } from '../../shared/config';
import { checkpointConfig } from '../../studio/runs';
import { inspectModelFile, isTorchCheckpointPath } from '../../studio/model-file';
import { LOSS_DEFINITION } from './train';

/**
 * The loss over every predicted byte of all files together: what training reports as its eval loss
 * (engine/train.ts estimateLoss pools the bytes of the eval windows), where meanLoss averages files.
 * A file of P patches in its window has (P - 1) predicted patches of equal size.
 */
export function pooledLoss(files: Array<{ loss: number; patches: number }>): number {
  let nats = 0;
  let count = 0;
  for (const f of files) {
    nats += f.loss * (f.patches - 1);
    count += f.patches - 1;
  }
  return count > 0 ? nats / count : 0;
}

/**
 * Which engine scores the files (issue 10 item 6: the paper model within 2.5 GB): TF.js while its
 * estimate of a whole window fits every limit, else the inference kernels, which need about the
 * weights (engine/infer/evaluate.ts). `reason` is the progress line that says why; the kernels too
 * must fit, or the run is refused before loading anything.
 */
export function chooseEvalEngine(config: BGPTConfig, limits: MemoryLimit[], forced: boolean): { kernels: boolean; reason?: string } {
  const what = `scoring with this ${parameterCount(config).toLocaleString('en')}-parameter model`;
  if (forced) return { kernels: true };
  const over = firstExceeded(estimateEvaluationMemoryBytes(config), limits);
  if (!over) return { kernels: false };
  // The kernels hold the weights plus one prefill batch: the weights twice is a safe bound.
  assertFits(what, 2 * estimateInferenceMemoryBytes(config), limits, 'close other programs or use a smaller model');
  const gb = (estimateEvaluationMemoryBytes(config) / 2 ** 30).toFixed(1);
  return { kernels: true, reason: `TF.js would need about ${gb} GiB for a window, more than ${over.name} allows: scoring on the inference kernels (${KERNELS_BACKEND}), same losses` };
}

/** The config of an engine checkpoint path, read without loading weights. */
async function configOf(checkpoint: string): Promise<BGPTConfig> {
  return isTorchCheckpointPath(checkpoint) ? (await inspectModelFile(checkpoint)).config : checkpointConfig(checkpoint);
}

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: `loss and bits per byte of files under a checkpoint. ${LOSS_DEFINITION}; meanLoss averages the files, pooledLoss pools their bytes as training's eval loss does`,
  usage: 'bgpt eval --checkpoint DIR|FILE.pth|MODEL|RUN [--fast] FILE... [--home DIR]',
  options: [{ name: 'checkpoint', type: 'string', description: 'checkpoint folder, .pth/.pt file, or a model or run (id or name) of --home', required: true },
    { name: 'fast', type: 'boolean', description: 'score on the CPU inference kernels (wasm SIMD): same losses, far less memory (the paper model in ~0.65 GB); backend "wasm-simd". Chosen without it when the TF.js estimate does not fit memory (or BGPT_MEMORY_LIMIT)' }, HOME_OPTION],
  minPositionals: 1,
  async run(ctx) {
    const files = [];
    for (const p of ctx.positionals) files.push(await readInputFile(p));
    const checkpoint = (await resolveCheckpoint(ctx.opts.checkpoint as string, resolveHome(ctx.opts.home as string | undefined))).path;
    let kernels = Boolean(ctx.opts.fast);
    if (!kernels) {
      const config = await configOf(checkpoint);
      // The limits of the TF.js backend this run would use (wasm: its 4 GiB address space).
      const choice = chooseEvalEngine(config, memoryLimits(await initBackend()), false);
      kernels = choice.kernels;
      if (choice.reason) ctx.progress(choice.reason);
    }
    const report = kernels ? await evaluateWithKernels(checkpoint, files) : await evaluate({ checkpoint, files });
    for (const w of report.warnings) ctx.progress(`warning: ${w}`);
    const pooled = pooledLoss(report.files);
    return { ...report, pooledLoss: pooled, pooledBitsPerByte: pooled / Math.LN2 };
  },
  format(result) {
    const r = result as EvalReport & { pooledLoss: number; pooledBitsPerByte: number };
    const lines = r.files.map((f) => `${f.path}: ${f.loss.toFixed(4)} nats/byte, ${f.bitsPerByte.toFixed(4)} bits/byte (${f.patches} patches)`);
    lines.push(`mean of files: ${r.meanLoss.toFixed(4)} nats/byte, ${r.meanBitsPerByte.toFixed(4)} bits/byte [${r.backend}]`);
    if (r.files.length > 1) lines.push(`pooled bytes (as training's eval loss): ${r.pooledLoss.toFixed(4)} nats/byte, ${r.pooledBitsPerByte.toFixed(4)} bits/byte`);
    return lines.join('\n');
  },
};
