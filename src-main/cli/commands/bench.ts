// `bgpt bench` (DESIGN §3, issue 3 §9): training and generation speed on the fixed bench config
// (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64; random weights, seed 0).
import type { CommandSpec } from '../framework';
import { benchTrain } from '../../engine/bench';
import { benchGenerate } from '../../engine/infer/bench';

export interface BenchReport {
  backend: string;
  config: unknown;
  trainBytesPerSecond: number;
  generateBytesPerSecond: number;
  peakRssBytes: number;
  /** Process CPU seconds per training update, a load-independent cost figure on shared machines. */
  trainCpuSecondsPerStep: number;
}

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'training and generation speed on the fixed bench model',
  usage: 'bgpt bench [--steps N]',
  options: [{ name: 'steps', type: 'number', description: 'training updates timed (8192 bytes each)', default: 3 }],
  maxPositionals: 0,
  async run(ctx) {
    ctx.progress('timing training (batch 8, 8192 bytes a step)...');
    const t = await benchTrain(ctx.opts.steps as number);
    ctx.progress(`training: ${Math.round(t.bytesPerSecond)} bytes/s on ${t.backend}; timing generation (1024 bytes)...`);
    const g = await benchGenerate();
    const report: BenchReport = {
      backend: t.backend,
      config: t.config,
      trainBytesPerSecond: t.bytesPerSecond,
      generateBytesPerSecond: g.bytesPerSecond,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      trainCpuSecondsPerStep: t.cpuSecondsPerStep,
    };
    return report;
  },
  format(result) {
    const r = result as BenchReport;
    return `${r.backend}: train ${Math.round(r.trainBytesPerSecond)} bytes/s, generate ${Math.round(r.generateBytesPerSecond)} bytes/s, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
  },
};
