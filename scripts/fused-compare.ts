// Wall time of bench-config training updates on webgpu with the fused kernels (engine/fused) off
// and on, in one process, alternating, so both see the same machine load; and kernels/dispatches of
// one update each way. A sanity check on lavapipe; the real figures come from scripts/gpu-measure.sh.
// Usage: npx tsx scripts/fused-compare.ts [steps] [time]   (prints one JSON object; `time`: no profiles)
import { benchTrain, profileTrainStep } from '../src-main/engine/train/bench';
import { setFusedKernels } from '../src-main/engine/backend/ops';

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 2);
  const out: Record<string, unknown> = {};
  for (const fused of process.argv[3] === 'time' ? [] : [false, true]) {
    setFusedKernels(fused);
    const p = await profileTrainStep('webgpu');
    out[fused ? 'fused' : 'composite'] = { kernelsPerStep: p.kernelsPerStep, gpuDispatches: p.gpuDispatches, hostReads: p.hostReads, top: p.kernels.slice().sort((a, b) => b.calls - a.calls).slice(0, 12).map((k) => `${k.kernel} ${k.calls}`) };
  }
  const seconds: Record<string, number[]> = { composite: [], fused: [] };
  for (const fused of [false, true, false, true]) {
    setFusedKernels(fused);
    seconds[fused ? 'fused' : 'composite'].push((await benchTrain(steps, 'webgpu', false)).secondsPerStep);
  }
  out.secondsPerStep = seconds;
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`fused-compare: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
