// Measures this machine's memory read bandwidth as the inference kernels see it (docs/performance.md): each
// precision's matrix kernel streams a 512 MiB matrix (far larger than any CPU cache, so every pass reads
// it from DRAM) through the real code path, on one thread and on the threads the studio would use (or
// BGPT_THREADS). Run: `npx tsx scripts/bandwidth.ts` (prints one JSON object).
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
process.stdout.write(JSON.stringify({ date: new Date().toISOString(), cores: os.availableParallelism(), loadAverage: os.loadavg()[0], runs }) + '\n');
