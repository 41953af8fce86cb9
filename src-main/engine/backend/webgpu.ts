// WebGPU in Node: Dawn's Node bindings (npm `webgpu`) provide the `navigator.gpu` that
// `@tensorflow/tfjs-backend-webgpu` expects; this module creates it, picks and describes the adapter,
// and starts the TF.js backend. A software adapter (Mesa's lavapipe, SwiftShader) runs the same code
// far slower than wasm, so it is taken only when asked for by name (tests, BGPT_BACKEND=webgpu).
import * as tf from '@tensorflow/tfjs-core';
import { adapterLabel, type GpuAdapterInfo } from '../../shared/adapter';
import { registerWebGpuDropout } from './dropout';
import { registerFusedKernels } from '../fused/fused';

/** Why a webgpu start failed, in one line, or the adapter it runs on. */
export type WebGpuStart = { ok: true; adapter: GpuAdapterInfo } | { ok: false; reason: string };

/** Adapter names of known CPU implementations of Vulkan / WebGPU (besides isFallbackAdapter). */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|warp|microsoft basic render/i;

let started: GpuAdapterInfo | null = null;

/** The navigator.gpu object TF.js's webgpu backend looks for (Node 20 has no navigator at all). */
function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator && typeof g.navigator === 'object') {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

/** Describes an adapter for bench output, run records and the status bar. */
export function describeAdapter(a: GPUAdapter): GpuAdapterInfo {
  const info = a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = Boolean(info.isFallbackAdapter ?? (a as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const names = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || '',
    device: info.device || '',
    description: info.description || '',
    software: fallback || info.architecture === 'software' || SOFTWARE_NAMES.test(names),
    maxBufferSize: a.limits.maxBufferSize,
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
  };
}

/**
 * Starts TF.js's webgpu backend on the best adapter. `allowSoftware` false (the automatic ladder)
 * declines CPU adapters. Never throws: a missing addon, no adapter or a failing device is a reason.
 */
export async function startWebGpu(allowSoftware: boolean): Promise<WebGpuStart> {
  if (started && tf.findBackend('webgpu')) return tf.setBackend('webgpu').then((ok) => (ok ? { ok, adapter: started as GpuAdapterInfo } : { ok, reason: 'the webgpu backend failed to start' }));
  let adapter: GPUAdapter | null;
  try {
    // The addon is loaded only here, so machines where it cannot load still run the other backends.
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    installNavigatorGpu(gpu);
    // The same preference TF.js's backend asks for below, so both see the same adapter.
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `Dawn's WebGPU bindings could not load (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  if (!adapter) return { ok: false, reason: 'no WebGPU adapter (no Vulkan, Metal or Direct3D 12 GPU driver found)' };
  const info = describeAdapter(adapter);
  if (info.software && !allowSoftware) {
    return { ok: false, reason: `only a software adapter (${adapterLabel(info)}), slower than wasm; BGPT_BACKEND=webgpu forces it` };
  }
  try {
    // Registers the backend (its factory requests the device with the adapter's limits) and its kernels.
    const { webgpu_util: util } = await import('@tensorflow/tfjs-backend-webgpu');
    registerWebGpuDropout(util);
    registerFusedKernels();
    deterministicMatMul();
    if (!tf.findBackendFactory('webgpu')) return { ok: false, reason: 'the TF.js webgpu backend did not register' };
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: `the webgpu device on ${adapterLabel(info)} failed to start` };
  } catch (err) {
    return { ok: false, reason: `the webgpu backend failed on ${adapterLabel(info)} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  started = info;
  return { ok: true, adapter: info };
}

/** TF.js webgpu's MatMulProgramType.MatMulSmallOutputSizeProgram (tfjs-backend-webgpu 4.22 webgpu_util). */
const SMALL_OUTPUT_PROGRAM = 2;
/** Inner sizes from which TF.js picks its split-K product (matmul in tfjs-backend-webgpu 4.22). */
const SPLIT_K_MIN_INNER = 2000;
let matMulWrapped = false;

/**
 * TF.js's split-K matrix product (chosen for few outputs and a long inner axis: the weight gradients
 * x^T·dy) sums its partial products with atomics, in whatever order the GPU runs them, so two runs
 * of one step differ in the last bits and a resumed run drifts from a straight one. This wraps the
 * BatchMatMul kernel to take the small-output tiled program instead in exactly those cases: the same
 * number of workgroups, a fixed summation order.
 */
function deterministicMatMul(): void {
  if (matMulWrapped) return;
  const original = tf.getKernel(tf.BatchMatMul, 'webgpu');
  if (!original) return;
  matMulWrapped = true;
  tf.unregisterKernel(tf.BatchMatMul, 'webgpu');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const ra = a.shape.length;
      const rb = b.shape.length;
      const outerA = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const outerB = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      const inner = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const batch = Math.max(tf.util.sizeFromShape(a.shape.slice(0, -2)), tf.util.sizeFromShape(b.shape.slice(0, -2)));
      const env = tf.env();
      const flag = env.getNumber('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL');
      const threshold = flag > 0 ? flag : (args.backend as unknown as { thresholdToIncreaseWorkgroups: number }).thresholdToIncreaseWorkgroups;
      const workgroups = batch * Math.ceil(outerA / 32) * Math.ceil(outerB / 32);
      const few = workgroups <= threshold || (outerA <= 8 && workgroups <= threshold * 2);
      const splitK = few && batch === 1 && inner >= SPLIT_K_MIN_INNER && outerA * outerB > 128;
      if (!splitK || env.getNumber('WEBGPU_MATMUL_PROGRAM_TYPE') >= 0) return original.kernelFunc(args);
      env.set('WEBGPU_MATMUL_PROGRAM_TYPE', SMALL_OUTPUT_PROGRAM);
      try {
        return original.kernelFunc(args);
      } finally {
        env.set('WEBGPU_MATMUL_PROGRAM_TYPE', -1);
      }
    },
  });
}

/** The adapter the webgpu backend runs on (null before it started). */
export function webGpuAdapter(): GpuAdapterInfo | null {
  return started;
}
