// TF.js backend selection (docs/ARCHITECTURE.md): the best present of tensorflow-gpu, webgpu (Dawn: any Vulkan,
// Metal or Direct3D 12 GPU, see webgpu.ts), tensorflow (native libtensorflow; the two native ones are
// optional dependencies that may be absent), wasm and cpu; BGPT_BACKEND overrides.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../../shared/errors';
import type { BackendName, EngineInfo } from '../../shared/contract';
import { backendLabel as label } from '../../shared/adapter';
import { startWebGpu, webGpuAdapter } from './webgpu';
import { shareWasmIdentity } from './wasm';
import { selectOps } from './ops';
import { registerGradients } from './gradients';

export { singleThreaded } from './resources';

export type { BackendName };
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** The npm package that provides each native backend (both register TF.js backend 'tensorflow'). */
const NATIVE_PACKAGES: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

let active: BackendName | null = null;
let pending: Promise<BackendName> | null = null;
/** Why the automatic ladder passed over better backends this time (only those present but unusable). */
let skipped: string[] = [];

async function tryNative(name: BackendName): Promise<boolean> {
  const pkg = NATIVE_PACKAGES[name] as string;
  try {
    // A variable specifier: the packages are optional and usually absent, so no static import.
    await import(/* @vite-ignore */ pkg);
  } catch {
    return false;
  }
  return tf.setBackend('tensorflow');
}

async function tryWasm(): Promise<boolean> {
  // Node cannot fetch the .wasm binaries by URL: point the loader at the package's dist folder.
  const require = createRequire(import.meta.url);
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  setWasmPaths(dist);
  shareWasmIdentity();
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** webgpu: forced, any adapter (software included); automatic, real GPUs only. A refusal is noted. */
async function tryWebGpu(forced: boolean): Promise<boolean> {
  const r = await startWebGpu(forced);
  if (r.ok) return true;
  skipped.push(`webgpu: ${r.reason}`);
  return false;
}

async function tryBackend(name: BackendName, forced = false): Promise<boolean> {
  if (name === 'webgpu') return tryWebGpu(forced);
  if (name === 'wasm') return tryWasm();
  if (name === 'cpu') return tf.setBackend('cpu');
  return tryNative(name);
}

function requested(): BackendName | null {
  const env = process.env.BGPT_BACKEND?.trim();
  if (!env) return null;
  if (!(BACKEND_PREFERENCE as readonly string[]).includes(env)) {
    throw new UserError(`BGPT_BACKEND='${env}' is not a backend (use ${BACKEND_PREFERENCE.join(', ')})`, 'BAD_ARGS');
  }
  return env as BackendName;
}

/** Production mode: no console notices from TF.js (the cpu backend advertises tfjs-node on first use). */
function quietTfjs(): void {
  tf.env().set('PROD', true);
}

async function select(want: BackendName | null): Promise<BackendName> {
  skipped = [];
  if (want) {
    if (await tryBackend(want, true)) return want;
    const why = skipped.length > 0 ? skipped.join('; ') : 'is its package installed?';
    throw new UserError(`backend '${want}' is not available here (${why})`, 'NO_BACKEND');
  }
  for (const name of BACKEND_PREFERENCE) {
    if (await tryBackend(name)) {
      // The one line saying why the GPU was passed over (stderr: progress and notices go there).
      for (const line of skipped) process.stderr.write(`bgpt: ${line}; using ${name}\n`);
      return name;
    }
  }
  throw new UserError('no TF.js backend could be started', 'NO_BACKEND');
}

/**
 * Starts the engine's backend once and returns its name: `name` if given, else BGPT_BACKEND, else
 * the best present. Asking for a different backend later switches to it (tests use both cpu and wasm).
 */
export async function initBackend(name?: BackendName): Promise<BackendName> {
  const want = name ?? requested();
  if (active && (!want || want === active)) return active;
  if (pending) await pending;
  if (active && (!want || want === active)) return active;
  quietTfjs();
  pending = select(want);
  try {
    active = await pending;
  } finally {
    pending = null;
  }
  // The one place that chooses the backend's operations (ops.ts): the model and the optimizer get them.
  selectOps(active === 'webgpu');
  // Training differentiates through TF.js kernels whose gradients tfjs-core does not register in Node.
  registerGradients();
  return active;
}

/** The backend in use (initBackend must have run). */
export function backendName(): BackendName {
  if (!active) throw new Error('initBackend() has not run');
  return active;
}

/** The backend in use, its GPU adapter (webgpu) and why the ladder passed over better ones. */
export function engineInfo(): EngineInfo {
  const backend = backendName();
  return { backend, adapter: backend === 'webgpu' ? webGpuAdapter() : null, skipped: [...skipped] };
}

/** engineInfo() once a backend has started, else null (the inference kernels run without one). */
export function startedEngineInfo(): EngineInfo | null {
  return active ? engineInfo() : null;
}

/** The backend in words for logs and reports: "webgpu on nvidia nvidia-h200", "wasm". */
export function backendLabel(): string {
  const info = engineInfo();
  return label(info.backend, info.adapter);
}
