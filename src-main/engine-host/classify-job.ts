// A studio classification run inside the engine process: the dataset's files with their labels (the
// reference's file-name prefix plus extension, or one folder per label), the classifier's training
// loop (engine/classify/train.ts), its metrics and checkpoints forwarded as the train job's events.
import { promises as fs } from 'node:fs';
import { trainClassifier } from '../engine/classify/train';
import { engineInfo } from '../engine/backend/backend';
import { detectLabelSource, labelOf } from '../engine/classify/labels';
import type { LabelledFile } from '../engine/classify/data';
import type { TrainFileRef, TrainJob, TrainOutcome } from './jobs';
import type { MethodContext } from './methods';
import { jobRunOptions, readRef } from './train-job';

/** The path a label is read from: the file's folders inside its import (pair key) and its own name. */
function relPath(ref: TrainFileRef): string {
  const key = ref.pairKey ?? ref.name;
  const folder = key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '';
  return folder + ref.name;
}

async function readLabelled(ref: TrainFileRef, label: string): Promise<LabelledFile> {
  return { ...(await readRef(ref)), label };
}

export async function runClassifyJob(job: TrainJob, ctx: MethodContext): Promise<TrainOutcome> {
  const source = detectLabelSource(job.files.map(relPath));
  const labelled = await Promise.all(job.files.map((f) => readLabelled(f, labelOf(relPath(f), source))));
  const r = await trainClassifier({
    ...jobRunOptions(job, ctx),
    files: labelled.filter((_, i) => job.files[i].split === 'train'),
    evalFiles: labelled.filter((_, i) => job.files[i].split === 'eval'),
    onStep: (m) => ctx.emit('step', { step: m.step, trainLoss: m.trainLoss, lr: m.lr, bytesPerSecond: m.bytesPerSecond, time: m.time }),
    onEval: (m) => ctx.emit('eval', { step: m.step, evalLoss: m.loss, evalBitsPerByte: null, accuracy: m.accuracy, perClass: m.perClass, confusion: m.confusion }),
  });
  return {
    status: r.endedBy === 'stopped' ? 'stopped' : 'done',
    steps: r.steps,
    trainLoss: r.trainLoss,
    evalLoss: r.evalLoss,
    evalBitsPerByte: null,
    bytesPerSecond: r.bytesPerSecond,
    checkpoint: r.checkpoint,
    backend: r.backend,
    // As the generative loop reports it (engine/train/train.ts): the adapter on webgpu, null elsewhere.
    adapter: r.backend === 'webgpu' ? engineInfo().adapter : null,
    evalAccuracy: r.evalAccuracy,
    workers: r.workers,
    memory: r.memory,
  };
}
