// `npm run quality:midi` (docs/quality.md, "MIDI"): the default MIDI path measured as a new user meets it.
// Trains on the built-in Tunes (MIDI) with the defaults that fit the data (src-main/shared/recipe.ts
// trainDefaults: the same rule `bgpt train` and the Train form use), samples 20 files with the MIDI
// sampling defaults and distinct seeds (format-aware sampling on, as `bgpt generate --ext mid` does), and
// judges each with the studio's structural MIDI verdict (src-main/formats/midi.ts): a sample counts when
// it is valid (not repaired) and plays at least one note. Prints one JSON object.
//   npm run quality:midi -- [--data DIR] [--steps N] [--samples N] [--checkpoint DIR (skip training)]
//                           [--keep DIR] [--save DIR] [--no-constrain] [--first-seed S] [--init CHECKPOINT]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readFolder } from '../src-main/engine/io/files';
import { train } from '../src-main/engine/train/train';
import { generate, loadInferenceModel } from '../src-main/engine/infer/index';
import { midiStructure } from '../src-main/formats/midi';
import { profileOf, samplingDefaults, trainDefaults } from '../src-main/shared/recipe';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    data: { type: 'string' }, steps: { type: 'string' }, samples: { type: 'string', default: '20' }, checkpoint: { type: 'string' },
    keep: { type: 'string' }, save: { type: 'string' }, 'no-constrain': { type: 'boolean', default: false },
    'first-seed': { type: 'string', default: '1000' }, init: { type: 'string' }, seed: { type: 'string', default: '0' },
  },
});
const dataDir = a.data ?? path.join(root, 'datasets', 'midi-tunes');
const split = await readFolder(dataDir, 0);
const profile = profileOf([...split.train.map((f) => ({ size: f.bytes.length, split: 'train', ext: f.ext })), ...split.eval.map((f) => ({ size: f.bytes.length, split: 'eval', ext: f.ext }))]);
const defaults = trainDefaults(profile);
const started = Date.now();
let checkpoint = a.checkpoint;
let training: Record<string, unknown> | null = null;
const out = a.keep ?? mkdtempSync(path.join(os.tmpdir(), 'bgpt-quality-midi-'));
try {
  if (!checkpoint) {
    const steps = a.steps === undefined ? defaults.steps : Number(a.steps);
    process.stderr.write(`defaults: ${defaults.why} (about ${Math.round(defaults.seconds / 60)} minutes on 2 quiet cores)\n`);
    const r = await train({
      config: defaults.config, files: split.train, evalFiles: split.eval, steps, batchSize: defaults.batchSize, lr: defaults.lr,
      seed: Number(a.seed), evalEvery: a.steps === undefined ? defaults.evalEvery : Math.max(1, Math.ceil(steps / 5)), out, init: a.init,
      onEval: (m) => process.stderr.write(`step ${m.step}: eval loss ${m.evalLoss.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`),
      onStep: (m) => { if (m.step % 50 === 0) process.stderr.write(`step ${m.step}: loss ${m.trainLoss.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`); },
    });
    checkpoint = r.checkpoint;
    training = { steps: r.steps, trainLoss: r.trainLoss, evalLoss: r.evalLoss, seconds: (Date.now() - started) / 1000, backend: r.backend, defaults, load: os.loadavg()[0] };
  }
  const model = await loadInferenceModel(checkpoint!);
  const n = Number(a.samples);
  const sampling = samplingDefaults('mid');
  const samples = [];
  for (let k = 0; k < n; k++) {
    const r = await generate(model, { ext: 'mid', seed: Number(a['first-seed']) + k, ...sampling, constrain: !a['no-constrain'] });
    if (a.save) { mkdirSync(a.save, { recursive: true }); writeFileSync(path.join(a.save, `sample-${k + 1}.mid`), r.bytes); }
    const s = midiStructure(r.bytes);
    const ok = s.verdict.verdict === 'valid' && s.notes > 0;
    samples.push({ seed: r.seed, bytes: r.bytes.length, stoppedBy: r.stoppedBy, repairs: r.repairs, verdict: s.verdict.verdict, why: s.verdict.reason ?? null, tracks: s.tracks, notes: s.notes, ok });
    process.stderr.write(`sample ${k + 1}/${n}: ${ok ? 'valid with notes' : 'not counted'} (${s.verdict.verdict}, ${s.notes} notes, ${r.bytes.length} bytes)\n`);
  }
  const ok = samples.filter((s) => s.ok).length;
  process.stdout.write(JSON.stringify({
    validWithNotes: ok, samples: n, share: ok / n, goal: 0.95,
    valid: samples.filter((s) => s.verdict === 'valid').length,
    withNotes: samples.filter((s) => s.notes > 0).length,
    endedBeforeWindow: samples.filter((s) => s.stoppedBy === 'end').length,
    training, checkpoint: a.keep || a.checkpoint ? checkpoint : null, trainFiles: split.train.length, evalFiles: split.eval.length,
    sampling, constrained: !a['no-constrain'], date: new Date().toISOString(), seconds: (Date.now() - started) / 1000, details: samples,
  }) + '\n');
} finally {
  if (!a.keep) rmSync(out, { recursive: true, force: true });
}
