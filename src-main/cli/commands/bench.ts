// `bgpt bench` (docs/cli.md, docs/performance.md): training and generation speed on the fixed bench config
// (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64; random weights, seed 0);
// `--preset paper` (docs/performance.md): the paper's 110 M model loads, scores and generates on the CPU.
import type { CommandSpec } from '../framework';
import type { GpuAdapterInfo } from '../../shared/contract';
import { benchTrain, profileTrainStep, type TrainProfile } from '../../engine/bench';
import { benchGenerate } from '../../engine/infer/bench';
import { benchPaper, LOSS_TOLERANCE, PAPER_BATCHES, type PaperBenchResult } from '../../engine/infer/paper-bench';
import { UserError } from '../../shared/errors';

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

/** Kernels listed by --profile in the human output. */
const PROFILE_ROWS = 12;

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'training and generation speed on the fixed bench model',
  usage: 'bgpt bench [--preset bench|paper] [--steps N] [--profile]',
  options: [
    { name: 'preset', type: 'string', description: 'bench (default): the fixed small model, training and generation; paper: the 110 M paper model, loading, scoring and generation per precision (f32, f16, q8) and thread count', default: 'bench' },
    { name: 'steps', type: 'number', description: 'training updates timed (8192 bytes each)', default: 3 },
    { name: 'profile', type: 'boolean', description: 'also profile one training update kernel by kernel' },
  ],
  maxPositionals: 0,
  async run(ctx) {
    const preset = ctx.opts.preset as string;
    if (preset === 'paper') {
      const r = await benchPaper((line) => ctx.progress(line));
      const report: PaperBenchReport = { ...r, backend: PAPER_BACKEND, trainBytesPerSecond: null, trainSkipped: PAPER_TRAIN_SKIPPED };
      return report;
    }
    if (preset !== 'bench') throw new UserError(`unknown bench preset '${preset}' (known: bench, paper)`, 'BAD_ARGS');
    ctx.progress('timing training (batch 8, 8192 bytes a step)...');
    const t = await benchTrain(ctx.opts.steps as number);
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
    if ((result as PaperBenchReport).trainSkipped !== undefined) return formatPaper(result as PaperBenchReport);
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
  const f = r.fastest;
  return [
    `paper model (${(r.parameters / 1e6).toFixed(1)} M parameters) on ${r.backend}, load average ${r.loadAverage.map((x) => x.toFixed(1)).join(' → ')}:`,
    `  float32, ${r.threads} thread(s): load ${r.loadSeconds.toFixed(1)} s, score ${r.scoredBytes} bytes in ${r.scoreSeconds.toFixed(1)} s (loss ${r.scoreLoss.toFixed(3)}), peak RSS ${(r.loadScorePeakRssBytes / MIB).toFixed(0)} MiB`,
    `  fastest within ${100 * LOSS_TOLERANCE} % of float32's loss: ${f.precision} on ${f.threads} thread(s), ${f.generateBytesPerSecond.toFixed(1)} bytes/s single-sample, ${f.batchedBytesPerSecond.toFixed(1)} bytes/s for ${PAPER_BATCHES[PAPER_BATCHES.length - 1]} samples (loss ${fmtShare(f.lossDifference)})`,
    '  precision threads   load  weights   1 sample (per CPU s)   ' + PAPER_BATCHES.map((n) => `${n} samples`).join('  ') + '   read rate',
    ...r.runs.map((x) => `  ${x.precision.padEnd(9)} ${String(x.threads).padStart(7)} ${x.loadSeconds.toFixed(1).padStart(5)} s ${(x.weightBytes / 1e6).toFixed(0).padStart(5)} MB ${x.generateBytesPerSecond.toFixed(1).padStart(8)} B/s (${x.generateBytesPerCpuSecond.toFixed(1).padStart(6)}) ${x.batched.map((b) => `${b.bytesPerSecond.toFixed(1).padStart(7)} B/s`).join('  ')} ${(x.weightReadBytesPerSecond / 1e9).toFixed(1).padStart(6)} GB/s`),
    ...r.accuracy.map((a) => `  ${a.precision}: loss ${a.scoreLoss.toFixed(4)} (${fmtShare(a.lossDifference)} of float32's, worst byte ${a.maxByteLossDifference.toExponential(1)} nats), sampled bytes differing ${(100 * a.sampledBytesDiffering).toFixed(1)} %${a.firstDifferingByte === null ? '' : ` from byte ${a.firstDifferingByte}`}`),
    '  memory bandwidth of the kernels: ' + r.bandwidth.map((b) => `${b.precision} ×${b.threads} ${(b.bytesPerSecond / 1e9).toFixed(1)} GB/s`).join(', '),
    `  peak RSS ${(r.peakRssBytes / MIB).toFixed(0)} MiB; training: ${r.trainSkipped}`,
  ].join('\n');
}

function fmtShare(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(3)} %`;
}
