// Up-front resource refusal (docs/security.md): a training run, generation or import that cannot fit
// in memory is refused before anything is allocated, with the estimate and advice in one line. The
// limits are: the RAM this machine has available now, wasm32's 4 GiB address space (TF.js's wasm
// backend keeps every tensor in it), and GPU memory, which the GPU backends report through the hook.
// Node only (reads the machine's memory), no TF.js, so the studio can check before starting the engine.
import os from 'node:os';
import { UserError } from '../../shared/errors';

/**
 * Whether a backend computes on one thread in Node: wasm (setThreadsCount changes nothing there,
 * docs/performance.md) and cpu. The native backends use every core, and a GPU is driven by one process.
 */
export function singleThreaded(backend: string): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

/** Threads training would compute gradients on: two on a single-threaded backend with a spare core (the gradient worker). */
export function gradientThreads(backend: string | null): 1 | 2 {
  return backend !== null && singleThreaded(backend) && os.availableParallelism() >= 2 ? 2 : 1;
}

/**
 * Byte-level chunk sizes (target patches at once) training tries on a backend, preferred first: on
 * the CPU backends 16 patches (256 positions) make products as fast per FLOP as 2,048 (measured on
 * wasm: 29–36 GFLOP per CPU second either way) in an eighth of the memory; a GPU is kept busier by
 * larger ones, falling back to smaller ones where memory is short.
 */
export function preferredByteChunks(backend: string | null): number[] {
  return backend !== null && !singleThreaded(backend) && backend !== 'tensorflow' ? [128, 32, 16] : [16, 8];
}

/** Refuse past this share of a limit: the estimates are rough and the OS and the UI need room too. */
export const HEADROOM = 0.9;
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;

export interface MemoryLimit {
  /** In words, for the message: "available RAM", "wasm's 4 GiB", "GPU memory (Dawn, Vulkan)". */
  name: string;
  bytes: number;
}

/**
 * Reports the GPU memory a backend can use (bytes), or null when unknown/not a GPU backend. Filled in
 * by the GPU backends (e.g. WebGPU's adapter `limits.maxBufferSize` / heap size): setGpuMemoryLimit.
 */
export type GpuMemoryLimit = (backend: string) => MemoryLimit | null;
let gpuLimit: GpuMemoryLimit = () => null;

/** Lets a GPU backend report its memory limit; returns a function that removes it again. */
export function setGpuMemoryLimit(fn: GpuMemoryLimit): () => void {
  const before = gpuLimit;
  gpuLimit = fn;
  return () => void (gpuLimit = before);
}

/** RAM the studio can still take: the OS's "available" figure, capped by a cgroup limit when set. */
export function availableRamBytes(): number {
  const p = process as NodeJS.Process & { availableMemory?: () => number; constrainedMemory?: () => number };
  const available = typeof p.availableMemory === 'function' ? p.availableMemory() : os.freemem();
  const constrained = typeof p.constrainedMemory === 'function' ? p.constrainedMemory() : 0;
  return constrained > 0 && constrained < available ? constrained : available;
}

/**
 * BGPT_MEMORY_LIMIT (bytes, or with a K/M/G suffix: "1.5G"): the most the studio should plan to use,
 * for a machine shared with other work; null when unset. A malformed value is one clear line.
 */
export function userMemoryLimit(env: string | undefined = process.env.BGPT_MEMORY_LIMIT): number | null {
  const v = env?.trim();
  if (!v) return null;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B?)?$/i.exec(v);
  if (!m || Number(m[1]) <= 0) throw new UserError(`BGPT_MEMORY_LIMIT='${v}' is not a size (bytes, or e.g. 512M, 1.5G)`, 'BAD_ARGS');
  const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[(m[2] ?? '').charAt(0).toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.floor(Number(m[1]) * scale);
}

/** Every limit that applies to work on `backend` (null: not known yet, RAM only). */
export function memoryLimits(backend: string | null, ramBytes: number = availableRamBytes()): MemoryLimit[] {
  const limits: MemoryLimit[] = [{ name: 'available RAM', bytes: ramBytes }];
  const cap = userMemoryLimit();
  if (cap !== null) limits.push({ name: 'BGPT_MEMORY_LIMIT', bytes: cap });
  if (backend === 'wasm') limits.push({ name: "the wasm backend's 4 GiB", bytes: WASM_MEMORY_BYTES });
  if (backend) {
    const gpu = gpuLimit(backend);
    if (gpu) limits.push(gpu);
  }
  return limits;
}

const gib = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${Math.max(1, Math.round(b / 2 ** 20))} MiB`);

/** The first limit `needBytes` does not fit (with headroom), or null when it fits them all. */
export function firstExceeded(needBytes: number, limits: MemoryLimit[]): MemoryLimit | null {
  return limits.find((l) => needBytes > l.bytes * HEADROOM) ?? null;
}

/**
 * Throws one line — "<what> needs about X, more than the Y of <limit>: <advice>" — when the estimate
 * does not fit a limit. Call it before creating rows, files or tensors.
 */
export function assertFits(what: string, needBytes: number, limits: MemoryLimit[], advice: string): void {
  const over = firstExceeded(needBytes, limits);
  if (!over) return;
  throw new UserError(`${what} needs about ${gib(needBytes)}, more than the ${gib(over.bytes * HEADROOM)} of ${over.name} it may use: ${advice}`, 'TOO_BIG');
}
