// Every GPU figure of docs/gpu.md in one run, on the webgpu backend: the adapter, parity with the tiny-a
// reference fixture, kernel launches and host reads per training update, training bytes/s on the
// bench and paper configs with and without dropout, the same bench figures with the fused kernels
// of engine/fused turned off (`unfused`, for their effect), and generation. scripts/gpu-measure.sh bundles
// this file (esbuild) so that it runs with a plain `node` on a machine with nothing installed.
// Prints progress on stderr, then one JSON object and a short table on stdout.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { engineInfo, initBackend } from '../src-main/engine/backend/backend';
import { benchTrain, profileTrainStep } from '../src-main/engine/train/bench';
import { evaluate } from '../src-main/engine/eval/evaluate';
import { readInputFile } from '../src-main/engine/io/files';
import { benchGenerate } from '../src-main/engine/infer/bench';
import { setFusedKernels } from '../src-main/engine/backend/ops';
import { PRESETS, type BGPTConfig } from '../src-main/shared/config';

/** The paper configuration (docs/model.md): patch 16, length 512, hidden 768, 12 + 3 layers. */
const PAPER: BGPTConfig = { patchSize: 16, patchLength: 512, hiddenSize: 768, patchNumLayers: 12, byteNumLayers: 3, numHeads: 12 };
/** Reference PyTorch (CUDA, fp32) on an H200, docs/gpu.md: bytes/s. */
const REFERENCE_H200 = { bench: 382_000, paper: 214_000 };
const FIXTURE = 'tests/fixtures/parity/tiny-a/';

const log = (line: string) => process.stderr.write(`gpu-measure: ${line}\n`);

async function parity(): Promise<{ worstLossDiff: number; files: number }> {
  const expected = JSON.parse(readFileSync(FIXTURE + 'expected.json', 'utf8')) as Record<string, { loss: number }>;
  const files = await Promise.all(Object.keys(expected).map((n) => readInputFile(FIXTURE + n)));
  const r = await evaluate({ checkpoint: FIXTURE + 'checkpoint', files, backend: 'webgpu' });
  let worst = 0;
  for (const f of r.files) worst = Math.max(worst, Math.abs(f.loss - expected[path.relative(FIXTURE, f.path)].loss));
  return { worstLossDiff: worst, files: r.files.length };
}

async function main(): Promise<void> {
  const only = (process.env.GPU_MEASURE_ONLY ?? 'parity,kernels,bench,paper,unfused,generate').split(',');
  await initBackend('webgpu');
  const out: Record<string, unknown> = { date: new Date().toISOString(), engine: engineInfo(), node: process.version };
  log(`webgpu on ${JSON.stringify(engineInfo().adapter)}`);
  if (only.includes('parity')) {
    out.parity = await parity();
    log(`parity ${JSON.stringify(out.parity)}`);
  }
  if (only.includes('kernels')) {
    for (const dropout of [0.1, 0]) {
      const p = await profileTrainStep('webgpu', { dropout });
      out[`kernelsBench_dropout${dropout}`] = { kernelsPerStep: p.kernelsPerStep, gpuDispatches: p.gpuDispatches, hostReads: p.hostReads, wallMs: p.wallMs, top: p.kernels.slice(0, 8) };
      log(`kernels (bench, dropout ${dropout}): ${p.kernelsPerStep} kernels, ${p.gpuDispatches} GPU dispatches, ${p.hostReads} host reads`);
    }
  }
  const train: Array<{ config: string; dropout: number; bytesPerSecond: number; secondsPerStep: number; vsReference: number }> = [];
  for (const [name, config, steps] of [['bench', PRESETS.bench.config, 5], ['paper', PAPER, 2]] as const) {
    if (!only.includes(name)) continue;
    for (const dropout of [0.1, 0]) {
      const t = await benchTrain(steps, 'webgpu', false, { config, dropout });
      const ref = REFERENCE_H200[name];
      train.push({ config: name, dropout, bytesPerSecond: t.bytesPerSecond, secondsPerStep: t.secondsPerStep, vsReference: t.bytesPerSecond / ref });
      log(`train ${name} dropout ${dropout}: ${Math.round(t.bytesPerSecond)} bytes/s (${(t.bytesPerSecond / ref).toFixed(3)}x the H200 reference)`);
    }
  }
  out.train = train;
  if (only.includes('unfused')) {
    // The TF.js composites instead of the fused WGSL kernels (BGPT_FUSED=0): what the fusion buys.
    setFusedKernels(false);
    const p = await profileTrainStep('webgpu', { dropout: 0.1 });
    const t = await benchTrain(5, 'webgpu', false, { config: PRESETS.bench.config, dropout: 0.1 });
    setFusedKernels(true);
    out.unfused = { kernelsPerStep: p.kernelsPerStep, gpuDispatches: p.gpuDispatches, benchBytesPerSecond: t.bytesPerSecond, secondsPerStep: t.secondsPerStep };
    log(`unfused (bench, dropout 0.1): ${p.kernelsPerStep} kernels, ${p.gpuDispatches} GPU dispatches, ${Math.round(t.bytesPerSecond)} bytes/s`);
  }
  if (only.includes('generate')) {
    // Generation runs on the engine's Float32Array kernels (engine/infer), on the CPU, whatever the backend.
    out.generate = await benchGenerate();
    log(`generate ${JSON.stringify(out.generate)}`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  for (const t of train) process.stdout.write(`${t.config.padEnd(6)} dropout ${t.dropout}: ${Math.round(t.bytesPerSecond).toString().padStart(8)} bytes/s  ${t.vsReference.toFixed(3)}x reference\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`gpu-measure: failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
