// What float16 and Q8_0 weights cost in accuracy on real files (docs/performance.md, "Smaller weights"):
// each file's loss (alone, the head of its window, as `bgpt eval` computes it) under f16 and q8 against
// float32, and the share of sampled bytes that differ from float32's for the same seeds.
// Run: `npx tsx scripts/precision-accuracy.ts --checkpoint DIR [--samples N] [--bytes N] FILE_OR_FOLDER...`
// (prints one JSON object). Without a checkpoint: the parity fixture tiny-a on Debian's licence texts
// (/usr/share/common-licenses, files it was not trained on) and its own three inputs.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readInputFile, type InputFile } from '../src-main/node/input-file';
import { evaluateWithKernels } from '../src-main/engine/infer/evaluate';
import { generate, loadInferenceModel, PREFILL_BATCH, PRECISIONS, type Precision } from '../src-main/engine/infer/index';

const TINY_A = path.join(import.meta.dirname, '..', 'tests', 'fixtures', 'parity', 'tiny-a');
const LICENSES = '/usr/share/common-licenses';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { checkpoint: { type: 'string' }, samples: { type: 'string', default: '8' }, bytes: { type: 'string', default: '256' }, ext: { type: 'string' }, limit: { type: 'string', default: '200' } },
});
const checkpoint = values.checkpoint ?? path.join(TINY_A, 'checkpoint');
const inputs = positionals.length ? positionals : [path.join(TINY_A, 'inputs'), ...(existsSync(LICENSES) ? [LICENSES] : [])];

async function filesUnder(p: string): Promise<string[]> {
  const st = await fs.stat(p);
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  for (const name of (await fs.readdir(p)).sort()) {
    const full = path.join(p, name);
    const s = await fs.lstat(full);
    if (s.isDirectory()) out.push(...(await filesUnder(full)));
    else if (s.isFile() && s.size > 0) out.push(full);
  }
  return out;
}

const files: InputFile[] = [];
for (const p of inputs) for (const f of await filesUnder(p)) if (files.length < Number(values.limit)) files.push(await readInputFile(f));
const ext = values.ext ?? files[0]?.ext ?? 'txt';
const samples = Number(values.samples);
const bytes = Number(values.bytes);

const losses = new Map<Precision, number[]>();
const sampled = new Map<Precision, Uint8Array[]>();
const seconds = new Map<Precision, number>();
for (const precision of PRECISIONS) {
  const model = await loadInferenceModel(checkpoint, { batch: PREFILL_BATCH, precision });
  try {
    const t = performance.now();
    losses.set(precision, (await evaluateWithKernels(checkpoint, files, model)).files.map((f) => f.loss));
    seconds.set(precision, (performance.now() - t) / 1000);
    const out: Uint8Array[] = [];
    for (let seed = 0; seed < samples; seed++) out.push((await generate(model, { ext, seed, maxBytes: bytes, constrain: false })).bytes);
    sampled.set(precision, out);
  } finally {
    await model.dispose();
  }
}

const base = losses.get('f32') as number[];
const baseSamples = sampled.get('f32') as Uint8Array[];
const report = PRECISIONS.map((precision) => {
  const l = losses.get(precision) as number[];
  const rel = l.map((x, i) => (x - base[i]) / base[i]);
  let differing = 0;
  let total = 0;
  const firsts: number[] = [];
  (sampled.get(precision) as Uint8Array[]).forEach((s, k) => {
    const b = baseSamples[k];
    const n = Math.max(s.length, b.length);
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (s[i] !== b[i]) {
        differing++;
        if (first < 0) first = i;
      }
    }
    total += n;
    if (first >= 0) firsts.push(first);
  });
  return {
    precision,
    meanLoss: l.reduce((a, x) => a + x, 0) / l.length,
    meanRelativeLossDifference: rel.reduce((a, x) => a + x, 0) / rel.length,
    maxRelativeLossDifference: rel.reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a), 0),
    filesWithin1Percent: rel.filter((x) => Math.abs(x) <= 0.01).length,
    scoreSeconds: seconds.get(precision),
    sampledBytesDiffering: total > 0 ? differing / total : 0,
    samplesDiffering: firsts.length,
    firstDifferingByte: firsts.length ? Math.min(...firsts) : null,
  };
});
process.stdout.write(JSON.stringify({
  date: new Date().toISOString(), loadAverage: os.loadavg()[0], checkpoint, files: files.length, ext, samples, bytes,
  precisions: report,
  perFile: files.map((f, i) => ({ path: f.name, ...Object.fromEntries(PRECISIONS.map((p) => [p, (losses.get(p) as number[])[i]])) })),
}) + '\n');
