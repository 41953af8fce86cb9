// `bgpt eval --checkpoint DIR FILE...` (docs/cli.md): each file's loss alone, as the reference computes it,
// through the studio's scoring service (the Models view's evaluation runs the same).
import { HOME_OPTION, type CommandSpec } from '../framework';
import { readInputFile, type InputFile } from '../../node/input-file';
import type { EvaluateOutcome } from '../../engine-host/jobs';
import { checkpointFlag, withScoring } from '../studio';
import { LOSS_DEFINITION } from './train';
import { PRECISION_OPTION, precisionFlag } from './generate';

/**
 * The loss over every predicted byte of all files together: what training reports as its eval loss
 * (engine/train/train.ts estimateLoss pools the bytes of the eval windows), where meanLoss averages files.
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

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: `loss and bits per byte of files under a checkpoint. ${LOSS_DEFINITION}; meanLoss averages the files, pooledLoss pools their bytes as training's eval loss does`,
  usage: 'bgpt eval --checkpoint DIR|FILE.pth|MODEL|RUN [--fast] [--precision f32|f16|q8] FILE... [--home DIR]',
  options: [{ name: 'checkpoint', type: 'string', description: 'checkpoint folder, .pth/.pt file, or a model or run (id or name) of --home', required: true },
    { name: 'fast', type: 'boolean', description: 'score on the CPU inference kernels (wasm SIMD): same losses, far less memory (the paper model in ~0.65 GB); backend "wasm-simd". Chosen without it when the TF.js estimate does not fit memory (or BGPT_MEMORY_LIMIT)' },
    { ...PRECISION_OPTION, description: `${PRECISION_OPTION.description}; f16 and q8 always score on the kernels` }, HOME_OPTION],
  minPositionals: 1,
  async run(ctx) {
    const precision = precisionFlag(ctx);
    const files: InputFile[] = [];
    for (const p of ctx.positionals) files.push(await readInputFile(p));
    const from = await checkpointFlag(ctx);
    // TF.js unless its estimate does not fit, then the kernels, with one line saying so (--fast: always).
    const report = await withScoring(ctx, from, (scoring) => scoring.evaluateFiles(from, files, { fast: Boolean(ctx.opts.fast), precision, onNote: (line) => ctx.progress(line) }));
    for (const w of report.warnings) ctx.progress(`warning: ${w}`);
    const pooled = pooledLoss(report.files);
    return { ...report, pooledLoss: pooled, pooledBitsPerByte: pooled / Math.LN2 };
  },
  format(result) {
    const r = result as EvaluateOutcome & { pooledLoss: number; pooledBitsPerByte: number };
    const lines = r.files.map((f) => `${f.path}: ${f.loss.toFixed(4)} nats/byte, ${f.bitsPerByte.toFixed(4)} bits/byte (${f.patches} patches)`);
    const precision = (r as { precision?: string }).precision;
    lines.push(`mean of files: ${r.meanLoss.toFixed(4)} nats/byte, ${r.meanBitsPerByte.toFixed(4)} bits/byte [${r.backend}${precision && precision !== 'f32' ? `, ${precision} weights` : ''}]`);
    if (r.files.length > 1) lines.push(`pooled bytes (as training's eval loss): ${r.pooledLoss.toFixed(4)} nats/byte, ${r.pooledBitsPerByte.toFixed(4)} bits/byte`);
    return lines.join('\n');
  },
};
