// `bgpt train` (docs/cli.md): trains on a catalogue dataset (or a folder, imported first) in the engine
// process, recording the run, its metrics and checkpoints in the catalogue of --home exactly as the
// studio UI does; SIGINT/SIGTERM stop it with `last/` saved.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HOME_OPTION, type CommandContext, type CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import { defaultNumHeads, presetConfig, validateConfig, PRESETS, type BGPTConfig, type PresetName } from '../../shared/config';
import { requests, type RunSummary, type StudioEvents, type TrainEstimate } from '../../shared/contract';
import type { Studio } from '../../studio/studio';
import { formatDuration, type Progress } from '../progress';
import { profileOf, trainDefaults, type TrainDefaults } from '../../shared/recipe';
import { checkpointFlag, withStudio } from '../studio';
import { LORA_DEFAULTS, LORA_LEVELS, parseLoraTargets, type LoraLevel } from '../../checkpoint/adapter';

/** What "loss" means in every number this command and `bgpt eval` print (docs/model.md). */
export const LOSS_DEFINITION = 'loss = mean cross-entropy in nats per predicted byte (every byte after the start patch, padding and end patch included, as the reference reports); bits/byte = loss / ln 2';
const MODEL_FLAGS = ['patchSize', 'patchLength', 'hiddenSize', 'patchLayers', 'byteLayers', 'heads'];

/** The model from --preset plus any per-field flags. */
function modelConfig(o: CommandContext['opts'], preset: string): BGPTConfig {
  const c = presetConfig(preset);
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

/** `--data`: an existing folder is imported (as a dataset named after it); anything else names a dataset. */
async function datasetId(studio: Studio, data: string, conversion: boolean, ctx: CommandContext): Promise<string> {
  const stat = await fs.stat(data).catch(() => null);
  if (stat?.isDirectory()) {
    const report = await studio.datasets.importPaths(path.basename(path.resolve(data)), [data], conversion ? 'conversion' : 'generative', ctx.signal, () => {});
    for (const s of report.skipped) ctx.progress(`skipped ${s.path}: ${s.reason}`);
    ctx.progress(`dataset ${report.dataset}: ${report.imported} new files, ${report.duplicates} already there`);
    return report.datasetId;
  }
  const d = await studio.datasets.find(data);
  if (!d) throw new UserError(`--data ${data}: no such folder, and no dataset of that name or id in ${studio.home}`, 'BAD_ARGS');
  return d.id;
}

/**
 * The defaults that fit the data (shared/recipe.ts trainDefaults) when the flags leave the model and the
 * schedule open: a generative run, no preset or model flags, no fine-tune or resume. The measured ABC recipe
 * (preset tunes) for tunes that fit its window; else the tiny shape with a window, batch, steps and
 * evaluations chosen from the files' sizes and count for the 10-minute budget on 2 cores.
 */
async function dataDefaults(studio: Studio, datasetId: string, generative: boolean, custom: boolean, resuming: boolean): Promise<TrainDefaults | null> {
  if (!generative || custom || resuming) return null;
  return trainDefaults(profileOf(await studio.catalogue.listDatasetFiles(datasetId)));
}

/** Training progress as a bar (terminal) or throttled lines (log); evaluations always get a line. */
function watch(studio: Studio, runId: string, bar: Progress): () => void {
  return studio.subscribe((event, payload) => {
    if (event !== 'metrics') return;
    const { runId: id, points } = payload as StudioEvents['metrics'];
    if (id !== runId) return;
    for (const m of points) {
      if (m.evalLoss !== null && m.evalAccuracy != null) bar.log(`step ${m.step}: eval loss ${m.evalLoss.toFixed(4)}, accuracy ${(100 * m.evalAccuracy).toFixed(1)} %`);
      else if (m.evalLoss !== null) bar.log(`step ${m.step}: eval loss ${m.evalLoss.toFixed(4)} (${m.bitsPerByte?.toFixed(3)} bits/byte)`);
      else if (m.trainLoss !== null) bar.update(m.step, `loss ${m.trainLoss.toFixed(4)}, lr ${m.lr?.toExponential(2)}, ${Math.round(m.bytesPerSecond ?? 0)} B/s`);
    }
  });
}

/** `--resume RUN`: the catalogue run it names, or null for a checkpoint made outside this catalogue. */
async function resumeTarget(studio: Studio, ref: string, hasData: boolean): Promise<string | null> {
  const id = await studio.runs.locate(ref);
  if (id || hasData) return id;
  throw new UserError(`--resume ${ref}: no run of that id or folder in ${studio.home} (give the run id, its folder or its last/; a checkpoint made elsewhere also needs --data)`, 'BAD_ARGS');
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: `train a bGPT model on a dataset or a folder (recorded in the catalogue). ${LOSS_DEFINITION}; the eval loss pools the bytes of all eval files (bgpt eval's pooledLoss)`,
  usage: 'bgpt train --data DIR_OR_DATASET [--preset NAME | model flags] [--steps N | --epochs N] [--batch N] [--lr X] [--seed N] [--conversion a->b] [--mode classify] [--init CHECKPOINT [--lora R [--lora-alpha A] [--lora-dropout P] [--lora-targets c_attn,c_proj,c_fc] [--lora-levels patch,byte] [--lora-train-norms] [--lora-train-biases]]] [--out DIR] [--home DIR]\n       bgpt train --resume RUN [--home DIR]',
  options: [
    { name: 'data', type: 'string', description: 'a dataset of the catalogue (id or name), or a folder of files to import first (an eval/ sub-folder is the eval split); not needed with --resume' },
    { name: 'preset', type: 'string', description: "model preset: tiny, tunes, small, paper, bench (default: the data's, docs/music.md: tunes for ABC tunes that fit its window, the measured recipe; else tiny with a window that fits the files)" },
    { name: 'patch-size', type: 'number', description: 'bytes per patch (overrides the preset)' },
    { name: 'patch-length', type: 'number', description: 'patches per window (overrides the preset)' },
    { name: 'hidden-size', type: 'number', description: 'model width (overrides the preset)' },
    { name: 'patch-layers', type: 'number', description: 'patch-level decoder layers (overrides the preset)' },
    { name: 'byte-layers', type: 'number', description: 'byte-level decoder layers (overrides the preset)' },
    { name: 'heads', type: 'number', description: 'attention heads (default hidden/64, at least 1)' },
    { name: 'steps', type: 'number', description: "optimizer updates (default: the data's, up to the 10-minute budget on 2 cores; with --preset, the preset's, tunes 1500, else 100; or --epochs)" },
    { name: 'epochs', type: 'number', description: 'passes over the training files instead of --steps' },
    { name: 'batch', type: 'number', description: "windows per micro-batch (default: the data's, 8 × 64 patches per update; with --preset, 8)" },
    { name: 'accumulation', type: 'number', description: 'micro-batches per update', default: 1 },
    { name: 'lr', type: 'number', description: "peak learning rate (cosine schedule, 10 % warm-up; default: the preset's, e.g. tiny 1e-3)" },
    { name: 'seed', type: 'number', description: 'seed of weights, data order and crops', default: 0 },
    { name: 'eval-every', type: 'number', description: "updates between evaluations and checkpoints (default: the data's, about five a run; with --preset, a tenth of the run)" },
    { name: 'patience', type: 'number', description: 'stop after this many evaluations without improvement' },
    { name: 'conversion', type: 'string', description: "conversion mode: 'a->b' or 'a&b' (pairs of same-named files)" },
    { name: 'mode', type: 'string', description: "'classify': train a classifier (labels: file name up to the first '_' plus the extension, or one folder per label); default generative" },
    { name: 'out', type: 'string', description: 'folder for best/ and last/ (default: runs/<id> in the studio home)' },
    { name: 'resume', type: 'string', description: 'continue a run exactly where it stopped: its id, its folder or its last/ (the same catalogue run, its own data and settings)' },
    { name: 'init', type: 'string', description: 'fine-tune: start from these weights (checkpoint folder, .pth/.pt, or a model or run of --home); the model shape is theirs; in classify mode their patch-level decoder' },
    { name: 'lora', type: 'number', description: `fine-tune --init with LoRA adapters of this rank (the base stays frozen; the run saves only the adapter, a few MB); e.g. ${LORA_DEFAULTS.rank}` },
    { name: 'lora-alpha', type: 'number', description: `LoRA scale numerator: updates are scaled by alpha / rank (default ${LORA_DEFAULTS.alpha})` },
    { name: 'lora-dropout', type: 'number', description: `dropout on each adapter's input while training (default ${LORA_DEFAULTS.dropout})` },
    { name: 'lora-targets', type: 'string', description: `matrices to adapt, comma-separated: c_attn, c_proj (both), c_fc, or attn.c_proj, mlp.c_proj (default all)` },
    { name: 'lora-levels', type: 'string', description: `decoders to adapt, comma-separated: ${LORA_LEVELS.join(', ')} (default both)` },
    { name: 'lora-train-norms', type: 'boolean', description: 'also train the layer norms of the adapted decoders' },
    { name: 'lora-train-biases', type: 'boolean', description: 'also train the biases of the adapted matrices' },
    HOME_OPTION,
  ],
  maxPositionals: 0,
  async run(ctx) {
    const o = ctx.opts;
    if (o.steps !== undefined && o.epochs !== undefined) throw new UserError('give --steps or --epochs, not both', 'BAD_ARGS');
    if (o.init !== undefined && o.resume !== undefined) throw new UserError('give --init or --resume, not both', 'BAD_ARGS');
    const loraFlags = ['loraAlpha', 'loraDropout', 'loraTargets', 'loraLevels', 'loraTrainNorms', 'loraTrainBiases'].filter((f) => o[f] !== undefined);
    if (loraFlags.length > 0 && o.lora === undefined) throw new UserError(`--${loraFlags[0].replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} needs --lora R`, 'BAD_ARGS');
    if (o.lora !== undefined && o.init === undefined) throw new UserError('--lora fine-tunes a trained model: give it with --init', 'BAD_ARGS');
    if (o.data === undefined && o.resume === undefined) throw new UserError('missing --data (a dataset or a folder), or --resume RUN to continue a run (see bgpt train --help)', 'BAD_ARGS');
    const modeFlag = o.mode as string | undefined;
    if (modeFlag !== undefined && !['classify', 'classification', 'generative'].includes(modeFlag)) throw new UserError(`--mode ${modeFlag}: use 'classify' (or leave it out for generative training)`, 'BAD_ARGS');
    const classify = modeFlag === 'classify' || modeFlag === 'classification';
    if (classify && o.conversion) throw new UserError('--mode classify and --conversion do not go together', 'BAD_ARGS');
    presetConfig((o.preset as string | undefined) ?? 'tiny'); // an unknown preset fails before anything is imported
    const custom = MODEL_FLAGS.some((f) => o[f] !== undefined);
    // Training keeps the engine process: Ctrl-C and a crash stop the engine, never this process's bookkeeping.
    return withStudio(ctx, async (studio) => {
      const resumeId = o.resume === undefined ? null : await resumeTarget(studio, o.resume as string, o.data !== undefined);
      const run: RunSummary = resumeId ? await studio.runs.resume(resumeId) : await startNew(studio, ctx, custom, classify);
      ctx.progress(`run ${run.id} (${run.name})${resumeId ? `, resumed at step ${run.step}` : ''}`);
      const bar = ctx.startProgress({ label: 'training', total: run.totalSteps, unit: 'steps' });
      const unwatch = watch(studio, run.id, bar);
      const stop = () => void studio.runs.stop(run.id).catch(() => {});
      ctx.signal.addEventListener('abort', stop, { once: true });
      const outcome = await studio.runs.wait(run.id);
      unwatch();
      bar.finish();
      ctx.signal.removeEventListener('abort', stop);
      const final = await studio.runs.summary(run.id);
      if (!outcome) throw new UserError(final.error ?? 'training failed', 'TRAIN_FAILED');
      if (outcome.status === 'stopped') {
        ctx.progress(`stopped at step ${outcome.steps} of ${run.totalSteps}, last/ saved; continue with: bgpt train --resume ${run.id}${o.home ? ` --home ${o.home}` : ''}`);
      }
      // The eval loss of the checkpoint named (best/ holds the best evaluation, not the latest one).
      const evalLoss = await studio.runs.checkpointEvalLoss(outcome);
      return {
        checkpoint: outcome.checkpoint,
        steps: outcome.steps,
        trainLoss: outcome.trainLoss,
        evalLoss,
        // A classifier's loss is over labels, not bytes: it has no bits per byte.
        evalBitsPerByte: evalLoss === null || run.mode === 'classification' ? null : evalLoss / Math.LN2,
        bytesPerSecond: outcome.bytesPerSecond,
        backend: outcome.backend,
        adapter: outcome.adapter ?? null,
        workers: outcome.workers,
        memoryMode: outcome.memory?.mode ?? null,
        runId: run.id,
        status: outcome.status,
        ...(run.mode === 'classification' ? { evalAccuracy: outcome.evalAccuracy ?? null } : {}),
      };
    }, 'process');
  },
  format(result) {
    const r = result as { checkpoint: string; steps: number; trainLoss: number | null; evalLoss: number | null; bytesPerSecond: number };
    return `${r.checkpoint}: ${r.steps} steps, train loss ${r.trainLoss?.toFixed(4)}, eval loss ${r.evalLoss?.toFixed(4) ?? 'n/a'}, ${Math.round(r.bytesPerSecond)} bytes/s`;
  },
};

/**
 * The train request's `lora` from the --lora flags, checked by the contract's own schema before anything is
 * imported (defaults and bounds: shared/lora.ts; the studio checks it against the model too).
 */
function loraRequest(o: CommandContext['opts']) {
  const parsed = requests.trainRequest.shape.lora.safeParse(loraFlags(o));
  if (!parsed.success) throw new UserError(parsed.error.issues[0].message, 'BAD_ARGS');
  return parsed.data;
}

function loraFlags(o: CommandContext['opts']) {
  return {
    rank: o.lora as number,
    alpha: o.loraAlpha as number | undefined,
    dropout: o.loraDropout as number | undefined,
    targets: o.loraTargets === undefined ? undefined : parseLoraTargets(o.loraTargets as string),
    levels: o.loraLevels === undefined ? undefined : (o.loraLevels as string).split(',').map((x) => x.trim()).filter(Boolean) as LoraLevel[],
    trainLayerNorms: o.loraTrainNorms === true ? true : undefined,
    trainBiases: o.loraTrainBiases === true ? true : undefined,
  };
}

/** A new run from the flags (and a checkpoint made outside the catalogue with --resume DIR --data). */
async function startNew(studio: Studio, ctx: CommandContext, custom: boolean, classify: boolean): Promise<RunSummary> {
  const o = ctx.opts;
  const conversion = o.conversion as string | undefined;
  const initFrom = o.init === undefined ? undefined : await checkpointFlag(ctx, 'init');
  const lora = o.lora === undefined ? undefined : loraRequest(o);
  const data = await datasetId(studio, o.data as string, !!conversion, ctx);
  const defaults = o.preset === undefined ? await dataDefaults(studio, data, !conversion && !classify, custom, o.resume !== undefined || o.init !== undefined) : null;
  const preset = (o.preset as string | undefined) ?? defaults?.preset ?? 'tiny';
  const config = defaults && !custom ? defaults.config : modelConfig(o, preset);
  const recipe = PRESETS[preset as PresetName];
  if (defaults) ctx.progress(`defaults for this data (docs/music.md): ${defaults.preset === 'tunes' ? 'the measured ABC recipe (preset tunes), ' : ''}${defaults.why}; about ${Math.round(defaults.seconds / 60)} minutes on 2 quiet cores`);
  const parsed = requests.trainRequest.safeParse({
    datasetId: data,
    preset: custom ? undefined : preset,
    config,
    mode: classify ? 'classification' : conversion ? 'conversion' : 'generative',
    conversion,
    steps: o.steps ?? (o.epochs === undefined ? defaults?.steps ?? recipe?.steps ?? 100 : undefined),
    epochs: o.epochs,
    batchSize: o.batch ?? defaults?.batchSize ?? 8,
    accumulation: o.accumulation,
    lr: o.lr ?? defaults?.lr,
    seed: o.seed,
    evalEvery: o.evalEvery ?? (o.steps === undefined && o.epochs === undefined ? defaults?.evalEvery : undefined),
    earlyStoppingPatience: o.patience,
    lora,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: ${issue.message}`, 'BAD_ARGS');
  }
  // The memory plan, crops and the time it will take are worth knowing before the first step, not after
  // (docs/walkthrough.md). The plan depends on the backend (wasm's 4 GiB, a GPU's buffers): the engine says which.
  if (!o.resume) {
    await studio.engine.start().catch(() => {});
    const estimate = await studio.runs.estimate(parsed.data, initFrom);
    if (estimate.memoryMode !== null) ctx.progress(estimate.summary);
    for (const w of estimate.warnings) ctx.progress(`warning: ${w}`);
    ctx.progress(timeLine(estimate));
  }
  return studio.runs.start(parsed.data, { runDir: o.out as string | undefined, resumeFrom: o.resume as string | undefined, initFrom });
}

/** The first line's time promise: the same estimate as the Train form's (shared/eta.ts), or honestly none. */
export function timeLine(e: TrainEstimate): string {
  if (e.totalSeconds === null || e.totalSeconds === undefined) return `time: not measured on this machine yet; the bar shows the time left after the first steps`;
  return `time: about ${formatDuration(e.totalSeconds)} for ${e.totalSteps} steps (${e.timeBasis ?? 'estimate'})`;
}
