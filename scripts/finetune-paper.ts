// Issue 22's walk, end to end through the CLI a user runs: a paper-size checkpoint in the reference trainer's
// .pth layout is imported as a model, fine-tuned with `bgpt train --init … --lora 8 --batch 1` on real MIDI
// files (datasets/midi-tunes), and then the adapter is scored against its base on held-out files and generates
// beside it. Prints one JSON object: peak RSS of the training command (GNU time), the loss before and after,
// the adapter's size, and generation speed with and without the adapter. README ("Fine-tune a published model")
// and docs/performance.md record its figures.
//
//   npx tsx scripts/finetune-paper.ts [--steps 8] [--files 24] [--keep DIR]
//
// The published weights cannot be downloaded on the project's machines (no Hugging Face), so the checkpoint has
// seeded random weights of the paper's shape: the memory, the speed and the mechanics are the real ones; how much
// the loss falls is not what a pre-trained model would show.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { presetConfig } from '../src-main/shared/config';
import { initialTensors, trainableSpecs, BYTE_WTE, LM_HEAD, UNUSED_PATCH_WTE, PATCH_PREFIX } from '../src-main/engine/model/weights';
import { writeTorchCheckpoint } from '../src-main/engine/torch/index';
import type { Tensor } from '../src-main/engine/io/safetensors';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { steps: { type: 'string', default: '8' }, files: { type: 'string', default: '24' }, keep: { type: 'string' } } });
const steps = Number(values.steps);
const files = Number(values.files);
const work = values.keep ?? mkdtempSync(path.join(os.tmpdir(), 'bgpt-finetune-paper-'));
mkdirSync(work, { recursive: true });
const home = path.join(work, 'home');

/** Runs `bgpt ARGS --json` (the built CLI) under GNU time; returns its JSON and the largest process's peak RSS. */
function bgpt(args: string[]): { json: Record<string, unknown>; peakRssBytes: number; seconds: number } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB %M', process.execPath, path.join(ROOT, 'bin/bgpt.js'), ...args, '--home', home, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`bgpt ${args[0]} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  process.stderr.write(r.stderr.split('\n').filter((l) => !l.startsWith('MAXRSS_KB')).map((l) => `  ${l}`).join('\n') + '\n');
  const kb = Number(/MAXRSS_KB (\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { json: JSON.parse(r.stdout.trim().split('\n').at(-1) as string), peakRssBytes: kb * 1024, seconds };
}

// 1. A paper-size .pth as the reference trainer writes it (the full state dict order: unused patch wte before
// wpe, the tied LM head last), seeded random weights.
const config = presetConfig('paper');
const pth = path.join(work, 'weights-paper.pth');
{
  const init = initialTensors(config, 20240229);
  const list: Array<[string, Tensor]> = [];
  for (const spec of trainableSpecs(config)) {
    if (spec.name === `${PATCH_PREFIX}base.wpe.weight`) list.push([UNUSED_PATCH_WTE, { shape: [1, config.hiddenSize], data: new Float32Array(config.hiddenSize) }]);
    list.push([spec.name, init.get(spec.name) as Tensor]);
  }
  list.push([LM_HEAD, init.get(BYTE_WTE) as Tensor]);
  await writeTorchCheckpoint(pth, list, { epoch: 1, bestEpoch: 1, minEvalLoss: 0 });
}

// 2. Real MIDI files: the first `files` of the built-in set's train split, 4 of its eval split held out.
const data = path.join(work, 'midi');
const pick = (split: string, n: number) => readdirSync(path.join(ROOT, 'datasets/midi-tunes', split)).filter((f) => f.endsWith('.mid')).sort().slice(0, n);
mkdirSync(path.join(data, 'eval'), { recursive: true });
for (const f of pick('train', files)) cpSync(path.join(ROOT, 'datasets/midi-tunes/train', f), path.join(data, f));
const held = pick('eval', 4).map((f) => path.join(data, 'eval', f));
for (const f of held) cpSync(path.join(ROOT, 'datasets/midi-tunes/eval', path.basename(f)), f);

process.stderr.write(`importing ${pth}...\n`);
bgpt(['models', 'import', pth, '--name', 'paper-random']);
process.stderr.write('scoring the held-out files with the base...\n');
const before = bgpt(['eval', '--checkpoint', 'paper-random', '--fast', ...held]).json;
process.stderr.write(`fine-tuning with LoRA r8, ${steps} updates of one window...\n`);
const train = bgpt(['train', '--init', 'paper-random', '--lora', '8', '--batch', '1', '--data', data, '--steps', String(steps), '--eval-every', String(steps), '--lr', '2e-3']);
const runId = train.json.runId as string;
const best = train.json.checkpoint as string;
const adapterBytes = readdirSync(best).reduce((a, f) => a + statSync(path.join(best, f)).size, 0);
process.stderr.write('scoring the held-out files with the adapter...\n');
const after = bgpt(['eval', '--checkpoint', runId, '--fast', ...held]).json;
process.stderr.write('generating 256 bytes with the base, then with the adapter...\n');
const gen = (from: string) => bgpt(['generate', '--checkpoint', from, '--ext', 'mid', '--max-bytes', '256', '--seed', '1', '--out', path.join(work, `${from}.mid`)]).json;
const base = gen('paper-random');
const adapted = gen(runId);

console.log(JSON.stringify({
  date: new Date().toISOString(), loadAverage: os.loadavg()[0],
  steps, trainFiles: files, heldOut: held.length,
  train: {
    peakRssBytes: train.peakRssBytes, seconds: train.seconds, bytesPerSecond: train.json.bytesPerSecond, memoryMode: train.json.memoryMode,
    workers: train.json.workers, backend: train.json.backend, trainLoss: train.json.trainLoss, evalLoss: train.json.evalLoss,
  },
  heldOutLoss: { base: before.meanLoss, adapter: after.meanLoss },
  adapterBytes,
  generateBytesPerSecond: { base: base.bytesPerSecond, adapter: adapted.bytesPerSecond },
}));
if (!values.keep) rmSync(work, { recursive: true, force: true });
