// `bgpt bench` as an engine method (docs/cli.md, docs/performance.md): training and generation speed on
// the fixed bench config (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64;
// random weights, seed 0), or with preset 'paper' the paper's 110 M model loading, scoring and
// generating on the CPU per precision, and timing a LoRA and a full fine-tuning update of it. The CLI only
// prints what this returns.
import type { GpuAdapterInfo } from '../shared/contract';
import { benchPaperTraining, benchTrain, profileTrainStep, type PaperTrainBench, type TrainProfile } from '../engine/train/bench';
import { backendName } from '../engine/backend/backend';
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
  /** The inference kernels' backend ('wasm-simd'); the training figures name theirs in `trainBackend`. */
  backend: string;
  config: unknown;
  /** One LoRA update (rank 8) of one 8 KB window on the TF.js backend, bytes per second. */
  trainBytesPerSecond: number;
  trainBackend: string;
  /** The LoRA update and, where it fits, a full fine-tuning one: speed, CPU time, memory mode, peak RSS. */
  train: PaperTrainBench;
  generateBytesPerSecond: number;
  /** Peak RSS of loading, scoring and generating (the training figures carry their own). */
  peakRssBytes: number;
}

/** The inference kernels are hand-written WebAssembly SIMD (src-main/engine/infer/kernels.wat), not a TF.js backend. */
const PAPER_BACKEND = 'wasm-simd';
/** Updates timed by default: the bench config's are 8192 bytes each; the paper model's one 8 KB window each (minutes on a CPU). */
const DEFAULT_STEPS = { bench: 3, paper: 1 };

/** Runs the bench `job` asks for; `note` hears its progress lines. */
export async function runBench(job: BenchJob, note: (line: string) => void): Promise<BenchReport | PaperBenchReport> {
  if (job.preset === 'paper') {
    const { more: train, ...r } = await benchPaper(note, {}, (dir) => benchPaperTraining(dir, note, job.steps ?? DEFAULT_STEPS.paper));
    const t = train as PaperTrainBench;
    return { ...r, backend: PAPER_BACKEND, trainBytesPerSecond: t.lora.bytesPerSecond, trainBackend: backendName(), train: t };
  }
  if (job.preset !== 'bench') throw new UserError(`unknown bench preset '${String(job.preset)}' (known: bench, paper)`, 'BAD_ARGS');
  note('timing training (batch 8, 8192 bytes a step)...');
  const t = await benchTrain(job.steps ?? DEFAULT_STEPS.bench);
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
