// Measures this machine's memory read bandwidth as the inference kernels see it (docs/performance.md): each
// precision's matrix kernel streams a 512 MiB matrix (far larger than any CPU cache, so every pass reads
// it from DRAM) through the real code path, on one thread and on the threads the studio would use (or
// BGPT_THREADS). Then the cost of a hand-off between threads: the time of a step too small to share
// (a 64 KB matrix, in cache), on one thread and on several. Run: `npx tsx scripts/bandwidth.ts`
// (prints one JSON object).
import os from 'node:os';
import { measureBandwidth } from '../src-main/engine/infer/bandwidth';
import { threadCount } from '../src-main/engine/infer/threads';
import { PRECISIONS } from '../src-main/engine/infer/pack';

const MATRIX_BYTES = 512 * 2 ** 20;
const counts = [...new Set([1, Math.max(2, threadCount())])];
const runs = [];
for (const precision of PRECISIONS) {
  for (const threads of counts) {
    const r = await measureBandwidth(precision, threads, MATRIX_BYTES);
    runs.push({ ...r, bytesPerSecond: Math.round(r.bytesPerSecond), bytesPerCpuSecond: Math.round(r.bytesPerCpuSecond), weightsPerSecond: Math.round(r.weightsPerSecond) });
  }
}
// Microseconds a step takes when its work is tiny: the difference between thread counts is the hand-off.
const handOff = [];
for (const threads of counts) {
  const r = await measureBandwidth('q8', threads, 64 * 1024, 20000);
  handOff.push({ threads, stepMicroseconds: +((r.matrixBytes / r.bytesPerSecond) * 1e6).toFixed(2), cpuMicroseconds: +((r.matrixBytes / r.bytesPerCpuSecond) * 1e6).toFixed(2) });
}
process.stdout.write(JSON.stringify({ date: new Date().toISOString(), cores: os.availableParallelism(), loadAverage: os.loadavg()[0], runs, handOff }) + '\n');
