// A studio training job inside the engine process: reads the dataset's files from the content-addressed
// store, builds the train/eval split (and conversion pairs by pair key), runs the engine's training
// loop and forwards its metrics and checkpoints as job events.
import { promises as fs } from 'node:fs';
import { train, type TrainOptions } from '../engine/train/train';
import { conversionPairs, type FilePair, type InputFile } from '../engine/io/files';
import { parseConversionMode } from '../shared/patches';
import { UserError } from '../shared/errors';
import type { TrainFileRef, TrainJob, TrainOutcome } from './jobs';
import type { MethodContext } from './methods';
import type { EngineEvents } from './protocol';

/** Reads a dataset file from the store; a missing one is a one-line error naming it. */
export async function readRef(ref: TrainFileRef): Promise<InputFile> {
  try {
    return { name: ref.name, ext: ref.ext, bytes: new Uint8Array(await fs.readFile(ref.path)) };
  } catch {
    throw new UserError(`dataset file '${ref.name}' is missing from the studio's store`, 'MISSING');
  }
}

/**
 * Conversion pairs through the engine's own pairing (same stem, the two extensions): each file is named
 * by its pair key (folder + stem) so files from different folders never pair by accident.
 */
async function pairsOf(refs: TrainFileRef[], conversion: string): Promise<FilePair[]> {
  const dirs = parseConversionMode(conversion);
  if (!dirs) throw new UserError(`bad conversion '${conversion}' (use a->b or a&b)`, 'BAD_REQUEST');
  const keyed = refs.filter((r) => r.pairKey && dirs.some((d) => d.from === r.ext || d.to === r.ext));
  const files = await Promise.all(keyed.map(async (r) => ({ ...(await readRef(r)), name: `${r.pairKey}.${r.ext}` })));
  return conversionPairs(files, dirs);
}

/** What a job tells every training loop (generative and classifier): model, hyper-parameters, run folder, control. */
export function jobRunOptions(job: TrainJob, ctx: MethodContext) {
  return {
    config: job.config,
    steps: job.steps,
    batchSize: job.batchSize,
    accumulation: job.accumulation,
    lr: job.lr,
    seed: job.seed,
    evalEvery: job.evalEvery,
    patience: job.earlyStoppingPatience ?? undefined,
    out: job.runDir,
    resume: job.resumeFrom ?? undefined,
    init: job.initFrom ?? undefined,
    lora: job.lora ?? undefined,
    base: job.base ?? undefined,
    initBase: job.initBase ?? undefined,
    control: ctx.control,
    onCheckpoint: (e: EngineEvents['checkpoint']) => ctx.emit('checkpoint', e),
  };
}

export async function runTrainJob(job: TrainJob, ctx: MethodContext): Promise<TrainOutcome> {
  if (job.mode === 'classification') {
    const { runClassifyJob } = await import('./classify-job');
    return runClassifyJob(job, ctx);
  }
  const trainRefs = job.files.filter((f) => f.split === 'train');
  const evalRefs = job.files.filter((f) => f.split === 'eval');
  ctx.control.onHold = () => ctx.emit('held', {});
  const opts: TrainOptions = {
    ...jobRunOptions(job, ctx),
    files: [],
    onStep: (m) => ctx.emit('step', m),
    onEval: (m) => ctx.emit('eval', m),
  };
  if (job.conversion) {
    opts.pairs = await pairsOf(trainRefs, job.conversion);
    opts.evalPairs = await pairsOf(evalRefs, job.conversion);
    if (opts.pairs.length === 0) throw new UserError(`no '${job.conversion}' pairs in this dataset (pairs share a name: tune.abc + tune.mid)`, 'BAD_REQUEST');
  } else {
    opts.files = await Promise.all(trainRefs.map(readRef));
    opts.evalFiles = await Promise.all(evalRefs.map(readRef));
  }
  const r = await train(opts);
  return {
    status: r.endedBy === 'stopped' ? 'stopped' : 'done',
    steps: r.steps,
    trainLoss: r.trainLoss,
    evalLoss: r.evalLoss,
    evalBitsPerByte: r.evalBitsPerByte,
    bytesPerSecond: r.bytesPerSecond,
    checkpoint: r.checkpoint,
    backend: r.backend,
    adapter: r.adapter,
    workers: r.workers,
    memory: { mode: r.plan.mode, windowsPerPass: r.plan.windowsPerPass },
  };
}
