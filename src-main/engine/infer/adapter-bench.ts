// The adapter half of `bgpt bench --preset paper` (docs/performance.md): a rank-8 LoRA adapter on every matrix of
// the paper model (random non-zero factors, so the merge does its full work), loaded onto the bench's checkpoint
// and timed generating as the base was. The merge runs once at load, into the same float32 arena the kernels read,
// so generation should match the base's speed; the load time shows what the merge costs.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { LORA_DEFAULTS, loraModules, loraTensorNames, type AdapterConfig } from '../../checkpoint/adapter';
import type { BGPTConfig } from '../../shared/config';
import { writeAdapterFolder } from '../io/adapter-weights';
import { Rng } from '../model/rng';
import type { Tensor } from '../io/safetensors';
import { generate } from './generate';
import { loadInferenceModel } from './index';

/** Scale of the random factors: small, as trained ones are, and non-zero. */
const FACTOR_STD = 0.02;

export interface AdapterBenchResult {
  rank: number;
  /** Matrices adapted (every c_attn, c_proj, c_fc, mlp c_proj of both decoders). */
  matrices: number;
  sizeBytes: number;
  /** Seconds to load the base with the adapter merged in (the base alone: the bench's loadSeconds). */
  loadSeconds: number;
  /** CPU seconds of that load (the merge's cost, free of other processes' load). */
  loadCpuSeconds: number;
  generateBytesPerSecond: number;
  generateBytesPerCpuSecond: number;
}

/** Writes the adapter for the checkpoint in `baseDir` into `dir`, loads the two, and times `bytes` of generation. */
export async function benchAdapter(baseDir: string, dir: string, config: BGPTConfig, bytes: number, seed: number, threads?: number): Promise<AdapterBenchResult> {
  const settings = { ...LORA_DEFAULTS };
  const rng = new Rng(seed + 1);
  const tensors: Array<[string, Tensor]> = [];
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * FACTOR_STD);
  const modules = loraModules(config, settings);
  for (const m of modules) {
    const n = loraTensorNames(m.module);
    tensors.push([n.a, { shape: [settings.rank, m.inFeatures], data: draw(settings.rank * m.inFeatures) }]);
    tensors.push([n.b, { shape: [m.outFeatures, settings.rank], data: draw(m.outFeatures * settings.rank) }]);
  }
  const adapter: AdapterConfig = { settings, base: { sha256: '0'.repeat(64), name: 'bench', ref: { kind: 'file', fileName: 'model.safetensors' } }, kind: 'generative' };
  await writeAdapterFolder(dir, { baseConfig: config, config: adapter, tensors });
  const t = performance.now();
  const loadCpu = process.cpuUsage();
  const model = await loadInferenceModel(dir, { base: baseDir, threads });
  const loadSeconds = (performance.now() - t) / 1000;
  const lc = process.cpuUsage(loadCpu);
  const common = { ext: 'mid', excludeEnd: true, seed };
  let r: Awaited<ReturnType<typeof generate>>;
  let c: NodeJS.CpuUsage;
  try {
    await generate(model, { ...common, maxBytes: 32 });
    const cpu = process.cpuUsage();
    r = await generate(model, { ...common, maxBytes: bytes });
    c = process.cpuUsage(cpu);
  } finally {
    await model.dispose();
  }
  return {
    rank: settings.rank, matrices: modules.length, sizeBytes: (await fs.stat(path.join(dir, 'adapter_model.safetensors'))).size, loadSeconds,
    loadCpuSeconds: (lc.user + lc.system) / 1e6,
    generateBytesPerSecond: r.bytesPerSecond, generateBytesPerCpuSecond: r.generated / ((c.user + c.system) / 1e6),
  };
}
