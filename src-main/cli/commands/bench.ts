// `bgpt bench` (docs/cli.md, docs/performance.md): training and generation speed on the fixed bench config
// (hidden 256, 4 heads, 4 patch layers, 2 byte layers, patch 16, length 64; random weights, seed 0);
// `--preset paper` (docs/performance.md): the paper's 110 M model loads, scores and generates on the CPU.
// The engine's bench method runs it (engine-host/bench-job.ts), in this process; this file prints.
import type { CommandSpec } from '../framework';
import type { BenchReport, PaperBenchReport } from '../../engine-host/bench-job';
import { UserError } from '../../shared/errors';
import { withEngine } from '../studio';
import { timeHelp, type HelpTiming } from '../help-time';

/** Kernels listed by --profile in the human output. */
const PROFILE_ROWS = 12;

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'training and generation speed on the fixed bench model',
  usage: 'bgpt bench [--preset bench|paper] [--steps N] [--profile]',
  options: [
    { name: 'preset', type: 'string', description: 'bench (default): the fixed small model, training and generation; paper: the 110 M paper model, loading, scoring and generation per precision (f32, f16, q8) and thread count, then one LoRA and one full fine-tuning update (where it fits)', default: 'bench' },
    { name: 'steps', type: 'number', description: 'training updates timed (bench: 8192 bytes each, default 3; paper: one 8 KB window each, default 1)' },
    { name: 'profile', type: 'boolean', description: 'also profile one training update kernel by kernel' },
  ],
  maxPositionals: 0,
  async run(ctx) {
    const preset = ctx.opts.preset as string;
    if (preset !== 'bench' && preset !== 'paper') throw new UserError(`unknown bench preset '${preset}' (known: bench, paper)`, 'BAD_ARGS');
    // The CLI's own start-up first, before this process loads the engine (it starts new processes).
    ctx.progress('timing bgpt --help and bgpt generate --help...');
    const helpMs = timeHelp();
    // In this process: peak RSS and CPU time are this command's own, as before.
    const report = await withEngine((engine) => engine.callJob('bench', { jobId: 'bench', preset, steps: ctx.opts.steps as number | undefined, profile: Boolean(ctx.opts.profile) },
      (e) => { if (e.name === 'note') ctx.progress(e.payload.line); }));
    return { ...report, helpMs };
  },
  format(result) {
    const help = (result as { helpMs: HelpTiming }).helpMs;
    const helpLine = `bgpt --help ${help.global} ms, bgpt generate --help ${help.command} ms (median of ${help.runs})`;
    if ((result as PaperBenchReport).train !== undefined) return `${formatPaper(result as PaperBenchReport)}\n  ${helpLine}`;
    const r = result as BenchReport;
    const on = r.adapter ? ` on ${r.adapter.vendor} ${r.adapter.device || r.adapter.description}${r.adapter.software ? ' (software)' : ''}` : '';
    const lines = [`${r.backend}${on}: train ${Math.round(r.trainBytesPerSecond ?? 0)} bytes/s (${r.trainWorkers} threads), generate ${Math.round(r.generateBytesPerSecond)} bytes/s, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`];
    if (r.profile) {
      lines.push(`one update on one thread: ${r.profile.wallMs.toFixed(0)} ms, ${r.profile.kernelsPerStep} kernels${r.profile.gpuDispatches === null ? '' : ` (${r.profile.gpuDispatches} GPU dispatches)`}, ${r.profile.hostReads} reads back to the host`);
      for (const k of r.profile.kernels.slice(0, PROFILE_ROWS)) lines.push(`  ${k.kernel.padEnd(16)} ${k.ms.toFixed(0).padStart(6)} ms ${String(k.calls).padStart(5)} calls ${(100 * k.share).toFixed(1).padStart(5)} %`);
    }
    lines.push(helpLine);
    return lines.join('\n');
  },
};

const MIB = 2 ** 20;

function formatPaper(r: PaperBenchReport): string {
  const f = r.fastest;
  return [
    `paper model (${(r.parameters / 1e6).toFixed(1)} M parameters) on ${r.backend}, load average ${r.loadAverage.map((x) => x.toFixed(1)).join(' → ')}:`,
    `  float32, ${r.threads} thread(s): load ${r.loadSeconds.toFixed(1)} s, score ${r.scoredBytes} bytes in ${r.scoreSeconds.toFixed(1)} s (loss ${r.scoreLoss.toFixed(3)}), peak RSS ${(r.loadScorePeakRssBytes / MIB).toFixed(0)} MiB`,
    `  fastest within ${100 * r.lossTolerance} % of float32's loss: ${f.precision} on ${f.threads} thread(s), ${f.generateBytesPerSecond.toFixed(1)} bytes/s single-sample, ${f.batchedBytesPerSecond.toFixed(1)} bytes/s for ${f.batchedSamples} samples (loss ${fmtShare(f.lossDifference)})`,
    '  precision threads   load  weights   1 sample (per CPU s)   ' + (r.runs[0]?.batched ?? []).map((b) => `${b.samples} samples`).join('  ') + '   read rate',
    ...r.runs.map((x) => `  ${x.precision.padEnd(9)} ${String(x.threads).padStart(7)} ${x.loadSeconds.toFixed(1).padStart(5)} s ${(x.weightBytes / 1e6).toFixed(0).padStart(5)} MB ${x.generateBytesPerSecond.toFixed(1).padStart(8)} B/s (${x.generateBytesPerCpuSecond.toFixed(1).padStart(6)}) ${x.batched.map((b) => `${b.bytesPerSecond.toFixed(1).padStart(7)} B/s`).join('  ')} ${(x.weightReadBytesPerSecond / 1e9).toFixed(1).padStart(6)} GB/s`),
    ...r.accuracy.map((a) => `  ${a.precision}: loss ${a.scoreLoss.toFixed(4)} (${fmtShare(a.lossDifference)} of float32's, worst byte ${a.maxByteLossDifference.toExponential(1)} nats), sampled bytes differing ${(100 * a.sampledBytesDiffering).toFixed(1)} %${a.firstDifferingByte === null ? '' : ` from byte ${a.firstDifferingByte}`}`),
    '  memory bandwidth of the kernels: ' + r.bandwidth.map((b) => `${b.precision} ×${b.threads} ${(b.bytesPerSecond / 1e9).toFixed(1)} GB/s`).join(', '),
    `  with a LoRA adapter (rank ${r.adapter.rank}, ${r.adapter.matrices} matrices, ${(r.adapter.sizeBytes / MIB).toFixed(1)} MiB) merged at load: load ${r.adapter.loadSeconds.toFixed(1)} s (${r.adapter.loadCpuSeconds.toFixed(1)} CPU s), generate ${r.adapter.generateBytesPerSecond.toFixed(1)} bytes/s single-sample (${r.adapter.generateBytesPerCpuSecond.toFixed(1)} per CPU second)`,
    `  peak RSS ${(r.peakRssBytes / MIB).toFixed(0)} MiB`,
    ...[r.train.lora, r.train.full].filter((x) => x !== null).map((x) => `  train (${r.trainBackend}, ${x.loraRank ? `LoRA r${x.loraRank}` : 'full fine-tuning'}, ${x.plan.mode}, ${x.workers} threads): ${x.bytesPerSecond.toFixed(1)} bytes/s, ${x.secondsPerStep.toFixed(1)} s per 8 KB update (${x.cpuSecondsPerStep.toFixed(1)} CPU s), peak RSS ${(x.peakRssBytes / MIB).toFixed(0)} MiB`),
    ...(r.train.fullSkipped ? [`  full fine-tuning not timed: ${r.train.fullSkipped}`] : []),
  ].join('\n');
}

function fmtShare(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(3)} %`;
}
