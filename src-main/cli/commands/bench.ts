// `bgpt bench` (docs/cli.md, docs/performance.md): training and generation speed on the fixed bench config
// (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64; random weights, seed 0);
// `--preset paper` (docs/performance.md): the paper's 110 M model loads, scores and generates on the CPU.
import type { CommandSpec } from '../framework';
import type { GpuAdapterInfo } from '../../shared/contract';
import { benchPaperTraining, benchTrain, profileTrainStep, type PaperTrainBench, type TrainProfile } from '../../engine/train/bench';
import { benchGenerate } from '../../engine/infer/bench';
import { benchPaper, type PaperBenchResult } from '../../engine/infer/paper-bench';
import { UserError } from '../../shared/errors';
import { backendName } from '../../engine/backend/backend';

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

/** What `--preset paper` prints: the docs/cli.md fields, then the paper bench's own figures. */
export interface PaperBenchReport extends Omit<PaperBenchResult, 'config' | 'generateBytesPerSecond' | 'peakRssBytes' | 'more'> {
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

/** Kernels listed by --profile in the human output. */
const PROFILE_ROWS = 12;

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'training and generation speed on the fixed bench model',
  usage: 'bgpt bench [--preset bench|paper] [--steps N] [--profile]',
  options: [
    { name: 'preset', type: 'string', description: 'bench (default): the fixed small model, training and generation; paper: the 110 M paper model, loading, scoring, generation, and one LoRA and one full fine-tuning update (where it fits)', default: 'bench' },
    { name: 'steps', type: 'number', description: 'training updates timed (bench: 8192 bytes each; paper: one 8 KB window each, default 1)' },
    { name: 'profile', type: 'boolean', description: 'also profile one training update kernel by kernel' },
  ],
  maxPositionals: 0,
  async run(ctx) {
    const preset = ctx.opts.preset as string;
    if (preset === 'paper') {
      const progress = (line: string) => ctx.progress(line);
      const { more, ...r } = await benchPaper(progress, undefined, (dir) => benchPaperTraining(dir, progress, (ctx.opts.steps as number | undefined) ?? 1));
      const train = more as PaperTrainBench;
      const report: PaperBenchReport = { ...r, backend: PAPER_BACKEND, trainBytesPerSecond: train.lora.bytesPerSecond, trainBackend: backendName(), train };
      return report;
    }
    if (preset !== 'bench') throw new UserError(`unknown bench preset '${preset}' (known: bench, paper)`, 'BAD_ARGS');
    ctx.progress('timing training (batch 8, 8192 bytes a step)...');
    const t = await benchTrain((ctx.opts.steps as number | undefined) ?? 3);
    ctx.progress(`training: ${Math.round(t.bytesPerSecond)} bytes/s on ${t.backend}; timing generation (1024 bytes)...`);
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
    if (ctx.opts.profile) {
      ctx.progress('profiling one training update...');
      report.profile = await profileTrainStep();
    }
    return report;
  },
  format(result) {
    if ((result as PaperBenchReport).train !== undefined) return formatPaper(result as PaperBenchReport);
    const r = result as BenchReport;
    const on = r.adapter ? ` on ${r.adapter.vendor} ${r.adapter.device || r.adapter.description}${r.adapter.software ? ' (software)' : ''}` : '';
    const lines = [`${r.backend}${on}: train ${Math.round(r.trainBytesPerSecond ?? 0)} bytes/s (${r.trainWorkers} threads), generate ${Math.round(r.generateBytesPerSecond)} bytes/s, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`];
    if (r.profile) {
      lines.push(`one update on one thread: ${r.profile.wallMs.toFixed(0)} ms, ${r.profile.kernelsPerStep} kernels${r.profile.gpuDispatches === null ? '' : ` (${r.profile.gpuDispatches} GPU dispatches)`}, ${r.profile.hostReads} reads back to the host`);
      for (const k of r.profile.kernels.slice(0, PROFILE_ROWS)) lines.push(`  ${k.kernel.padEnd(16)} ${k.ms.toFixed(0).padStart(6)} ms ${String(k.calls).padStart(5)} calls ${(100 * k.share).toFixed(1).padStart(5)} %`);
    }
    return lines.join('\n');
  },
};

const MIB = 2 ** 20;

function formatPaper(r: PaperBenchReport): string {
  return [
    `paper model (${(r.parameters / 1e6).toFixed(1)} M parameters) on ${r.backend}:`,
    `  load ${r.loadSeconds.toFixed(1)} s, score ${r.scoredBytes} bytes in ${r.scoreSeconds.toFixed(1)} s (loss ${r.scoreLoss.toFixed(3)}), peak RSS ${(r.loadScorePeakRssBytes / MIB).toFixed(0)} MiB`,
    `  generate ${r.generateBytesPerSecond.toFixed(1)} bytes/s single-sample (${r.generateBytesPerCpuSecond.toFixed(1)} per CPU second), ${(r.weightBytesPerGeneratedByte / 1e6).toFixed(1)} MB of weights read per byte = ${(r.weightReadBytesPerSecond / 1e9).toFixed(1)} GB/s`,
    ...r.batched.map((b) => `  ${b.samples} samples at once: ${b.bytesPerSecond.toFixed(1)} bytes/s in all (${b.bytesPerCpuSecond.toFixed(1)} per CPU second)`),
    `  peak RSS ${(r.peakRssBytes / MIB).toFixed(0)} MiB`,
    ...[r.train.lora, r.train.full].filter((f) => f !== null).map((f) => `  train (${r.trainBackend}, ${f.loraRank ? `LoRA r${f.loraRank}` : 'full fine-tuning'}, ${f.plan.mode}, ${f.workers} threads): ${f.bytesPerSecond.toFixed(1)} bytes/s, ${f.secondsPerStep.toFixed(1)} s per 8 KB update (${f.cpuSecondsPerStep.toFixed(1)} CPU s), peak RSS ${(f.peakRssBytes / MIB).toFixed(0)} MiB`),
    ...(r.train.fullSkipped ? [`  full fine-tuning not timed: ${r.train.fullSkipped}`] : []),
  ].join('\n');
}
