// `bgpt bench` (DESIGN §3, issue 3 §9): training and generation speed on the fixed bench config
// (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64; random weights, seed 0).
import type { CommandSpec } from '../framework';
import type { GpuAdapterInfo } from '../../shared/contract';
import { benchTrain, profileTrainStep, type TrainProfile } from '../../engine/bench';
import { benchGenerate } from '../../engine/infer/bench';

export interface BenchReport {
  backend: string;
  /** The GPU adapter when the backend is webgpu (vendor, architecture, device, description, software). */
  adapter: GpuAdapterInfo | null;
  config: unknown;
  trainBytesPerSecond: number;
  generateBytesPerSecond: number;
  peakRssBytes: number;
  /** Process CPU seconds per training update, a load-independent cost figure on shared machines. */
  trainCpuSecondsPerStep: number;
  /** Threads computing training gradients (2 with the gradient worker). */
  trainWorkers: number;
  /** With --profile: one update's time by kernel. */
  profile?: TrainProfile;
}

/** Kernels listed by --profile in the human output. */
const PROFILE_ROWS = 12;

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'training and generation speed on the fixed bench model',
  usage: 'bgpt bench [--steps N] [--profile]',
  options: [
    { name: 'steps', type: 'number', description: 'training updates timed (8192 bytes each)', default: 3 },
    { name: 'profile', type: 'boolean', description: 'also profile one training update kernel by kernel' },
  ],
  maxPositionals: 0,
  async run(ctx) {
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
    const r = result as BenchReport;
    const on = r.adapter ? ` on ${r.adapter.vendor} ${r.adapter.device || r.adapter.description}${r.adapter.software ? ' (software)' : ''}` : '';
    const lines = [`${r.backend}${on}: train ${Math.round(r.trainBytesPerSecond)} bytes/s (${r.trainWorkers} threads), generate ${Math.round(r.generateBytesPerSecond)} bytes/s, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`];
    if (r.profile) {
      lines.push(`one update on one thread: ${r.profile.wallMs.toFixed(0)} ms, ${r.profile.kernelsPerStep} kernels${r.profile.gpuDispatches === null ? '' : ` (${r.profile.gpuDispatches} GPU dispatches)`}, ${r.profile.hostReads} reads back to the host`);
      for (const k of r.profile.kernels.slice(0, PROFILE_ROWS)) lines.push(`  ${k.kernel.padEnd(16)} ${k.ms.toFixed(0).padStart(6)} ms ${String(k.calls).padStart(5)} calls ${(100 * k.share).toFixed(1).padStart(5)} %`);
    }
    return lines.join('\n');
  },
};
