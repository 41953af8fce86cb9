// `bgpt train --data DIR ...` (DESIGN §3): trains a model on a folder of files (an `eval/` sub-folder
// is the eval split) and writes `OUT/best` and `OUT/last`; SIGINT/SIGTERM stop it with `last` saved.
import path from 'node:path';
import type { CommandContext, CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import { defaultNumHeads, presetConfig, validateConfig, type BGPTConfig } from '../../shared/config';
import { parseConversionMode } from '../../shared/patches';
import { conversionPairs, readFolder } from '../../engine/files';
import { TrainControl } from '../../engine/control';
import { train, type TrainOptions, type TrainResult } from '../../engine/train';

/** Progress lines on stderr: one per this many steps (and every evaluation and checkpoint). */
const PROGRESS_EVERY = 10;

/** The model from --preset plus any per-field flags. */
function modelConfig(o: CommandContext['opts']): BGPTConfig {
  const c = presetConfig((o.preset as string | undefined) ?? 'tiny');
  const hidden = o.hiddenSize as number | undefined;
  const next: BGPTConfig = {
    patchSize: (o.patchSize as number | undefined) ?? c.patchSize,
    patchLength: (o.patchLength as number | undefined) ?? c.patchLength,
    hiddenSize: hidden ?? c.hiddenSize,
    patchNumLayers: (o.patchLayers as number | undefined) ?? c.patchNumLayers,
    byteNumLayers: (o.byteLayers as number | undefined) ?? c.byteNumLayers,
    numHeads: (o.heads as number | undefined) ?? (hidden !== undefined ? defaultNumHeads(hidden) : c.numHeads),
  };
  return validateConfig(next, 'model flags');
}

function defaultOut(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return path.join('bgpt-runs', stamp);
}

async function dataOptions(ctx: CommandContext, seed: number): Promise<Pick<TrainOptions, 'files' | 'evalFiles' | 'pairs' | 'evalPairs'>> {
  const split = await readFolder(ctx.opts.data as string, seed);
  for (const s of split.skipped) ctx.progress(`skipped ${s.path}: ${s.reason}`);
  const mode = ctx.opts.conversion as string | undefined;
  if (!mode) return { files: split.train, evalFiles: split.eval };
  const directions = parseConversionMode(mode);
  if (!directions) throw new UserError(`--conversion must look like 'abc->mid' or 'abc&mid', got '${mode}'`, 'BAD_ARGS');
  const pairs = conversionPairs(split.train, directions);
  if (pairs.length === 0) throw new UserError(`--conversion ${mode}: no file pairs with the same name and those extensions in ${ctx.opts.data}`, 'BAD_INPUT');
  return { files: [], pairs, evalPairs: conversionPairs(split.eval, directions) };
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'train a bGPT model on a folder of files',
  usage: 'bgpt train --data DIR [--preset NAME | model flags] [--steps N | --epochs N] [--batch N] [--lr X] [--seed N] [--conversion a->b] [--out DIR] [--resume DIR]',
  options: [
    { name: 'data', type: 'string', description: 'folder of training files (an eval/ sub-folder is the eval split)', required: true },
    { name: 'preset', type: 'string', description: 'model preset: tiny, small, paper, bench', default: 'tiny' },
    { name: 'patch-size', type: 'number', description: 'bytes per patch (overrides the preset)' },
    { name: 'patch-length', type: 'number', description: 'patches per window (overrides the preset)' },
    { name: 'hidden-size', type: 'number', description: 'model width (overrides the preset)' },
    { name: 'patch-layers', type: 'number', description: 'patch-level decoder layers (overrides the preset)' },
    { name: 'byte-layers', type: 'number', description: 'byte-level decoder layers (overrides the preset)' },
    { name: 'heads', type: 'number', description: 'attention heads (default hidden/64, at least 1)' },
    { name: 'steps', type: 'number', description: 'optimizer updates (default 100 unless --epochs)' },
    { name: 'epochs', type: 'number', description: 'passes over the training files instead of --steps' },
    { name: 'batch', type: 'number', description: 'windows per micro-batch', default: 8 },
    { name: 'accumulation', type: 'number', description: 'micro-batches per update', default: 1 },
    { name: 'lr', type: 'number', description: 'peak learning rate (cosine schedule, 10 % warm-up)', default: 1e-4 },
    { name: 'seed', type: 'number', description: 'seed of weights, data order and crops', default: 0 },
    { name: 'eval-every', type: 'number', description: 'updates between evaluations and checkpoints (default: a tenth of the run)' },
    { name: 'patience', type: 'number', description: 'stop after this many evaluations without improvement' },
    { name: 'conversion', type: 'string', description: "conversion mode: 'a->b' or 'a&b' (pairs of same-named files)" },
    { name: 'out', type: 'string', description: 'run folder for best/ and last/ (default bgpt-runs/<time>)' },
    { name: 'resume', type: 'string', description: 'continue exactly from a last/ checkpoint' },
  ],
  maxPositionals: 0,
  async run(ctx) {
    const o = ctx.opts;
    const seed = o.seed as number;
    const control = new TrainControl();
    ctx.signal.addEventListener('abort', () => control.stop(), { once: true });
    const out = (o.out as string | undefined) ?? (o.resume ? path.dirname(path.resolve(o.resume as string)) : defaultOut());
    const result = await train({
      config: o.resume ? undefined : modelConfig(o),
      ...(await dataOptions(ctx, seed)),
      steps: o.steps as number | undefined,
      epochs: o.epochs as number | undefined,
      batchSize: o.batch as number,
      accumulation: o.accumulation as number,
      lr: o.lr as number,
      seed,
      evalEvery: o.evalEvery as number | undefined,
      patience: o.patience as number | undefined,
      out,
      resume: o.resume as string | undefined,
      control,
      onStep: (m) => {
        if (m.step % PROGRESS_EVERY === 0 || m.step === 1) ctx.progress(`step ${m.step}: loss ${m.trainLoss.toFixed(4)}, lr ${m.lr.toExponential(2)}, ${Math.round(m.bytesPerSecond)} bytes/s`);
      },
      onEval: (m) => ctx.progress(`step ${m.step}: eval loss ${m.evalLoss.toFixed(4)} (${m.evalBitsPerByte.toFixed(3)} bits/byte)`),
      onCheckpoint: (e) => ctx.progress(`step ${e.step}: saved ${e.kind} → ${e.path}`),
    });
    for (const w of result.warnings) ctx.progress(`warning: ${w}`);
    return {
      checkpoint: result.checkpoint,
      steps: result.steps,
      trainLoss: result.trainLoss,
      evalLoss: result.evalLoss,
      evalBitsPerByte: result.evalBitsPerByte,
      bytesPerSecond: result.bytesPerSecond,
      backend: result.backend,
      runId: result.runId,
      endedBy: result.endedBy,
      warnings: result.warnings,
    };
  },
  format(result) {
    const r = result as TrainResult;
    return `${r.checkpoint}: ${r.steps} steps, train loss ${r.trainLoss?.toFixed(4)}, eval loss ${r.evalLoss?.toFixed(4) ?? 'n/a'}, ${Math.round(r.bytesPerSecond)} bytes/s`;
  },
};
