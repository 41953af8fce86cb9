// `bgpt bench` as an engine method (docs/cli.md, docs/performance.md): training and generation speed on
// the fixed bench config (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64;
// random weights, seed 0), or with preset 'paper' the paper's 110 M model loading, scoring and
// generating on the CPU. The CLI only prints what this returns.
import type { GpuAdapterInfo } from '../shared/contract';
import { benchTrain, profileTrainStep, type TrainProfile } from '../engine/train/bench';
import { benchGenerate } from '../engine/infer/bench';
import { benchPaper, type PaperBenchResult } from '../engine/infer/paper-bench';
import { UserError } from '../shared/errors';
import type { BenchJob } from './jobs';

export interface BenchReport {
  backend: string;
  /** The GPU adapter when the backend is webgpu (vendor, architecture, device, description, software). */
  adapter: GpuAdapterInfo | null;
  config: unknown;
  /** null for the paper preset (see trainSkipped). */
  trainBytesPerSecond: number | null;
  generateBytesPerSecond: number;
  peakRssBytes: number;
  /** Process CPU seconds per training update, a load-independent cost figure on shared machines. */
  trainCpuSecondsPerStep: number;
  /** Threads computing training gradients (2 with the gradient worker). */
  trainWorkers: number;
  /** With --profile: one update's time by kernel. */
  profile?: TrainProfile;
}

/** What `--preset paper` gives: the docs/cli.md fields, then the paper bench's own figures. */
export interface PaperBenchReport extends Omit<PaperBenchResult, 'config' | 'generateBytesPerSecond' | 'peakRssBytes'> {
  backend: string;
  config: unknown;
  trainBytesPerSecond: null;
  /** Why training is not timed at paper size. */
  trainSkipped: string;
  generateBytesPerSecond: number;
  peakRssBytes: number;
}

/** The inference kernels are hand-written WebAssembly SIMD (src-main/engine/infer/kernels.wat), not a TF.js backend. */
const PAPER_BACKEND = 'wasm-simd';
const PAPER_TRAIN_SKIPPED = 'not timed at paper size: one update of 8 windows (65536 bytes) through 110 M parameters takes many minutes and several GB on 2 CPU cores; train the paper model on a GPU (bgpt export torch) and fine-tune here from its checkpoint';

/** Runs the bench `job` asks for; `note` hears its progress lines. */
export async function runBench(job: BenchJob, note: (line: string) => void): Promise<BenchReport | PaperBenchReport> {
  if (job.preset === 'paper') {
    const r = await benchPaper(note);
    return { ...r, backend: PAPER_BACKEND, trainBytesPerSecond: null, trainSkipped: PAPER_TRAIN_SKIPPED };
  }
  if (job.preset !== 'bench') throw new UserError(`unknown bench preset '${String(job.preset)}' (known: bench, paper)`, 'BAD_ARGS');
  note('timing training (batch 8, 8192 bytes a step)...');
  const t = await benchTrain(job.steps);
  note(`training: ${Math.round(t.bytesPerSecond)} bytes/s on ${t.backend}; timing generation (1024 bytes)...`);
  const g = await benchGenerate();
  const report: BenchReport = {
    backend: t.backend,
    adapter: t.adapter,
    config: t.config,
    trainBytesPerSecond: t.bytesPerSecond,
    generateBytesPerSecond: g.bytesPerSecond,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    trainCpuSecondsPerStep: t.cpuSecondsPerStep,
    trainWorkers: t.workers,
  };
  if (job.profile) {
    note('profiling one training update...');
    report.profile = await profileTrainStep();
  }
  return report;
}
