// Runs one hand-written WGSL compute shader with several outputs on TF.js's webgpu backend, recorded
// into the backend's own command encoder so it is ordered with every TF.js kernel around it. TF.js's
// runWebGPUProgram (used by engine/backend/dropout.ts) writes exactly one output; a fused AdamW update
// (param, m, v) or a LayerNorm forward (y, mean, rstd) needs more, so this mirrors its
// recordAndSubmit (tfjs-backend-webgpu 4.22, src/backend_webgpu.ts) with a shader whose bindings
// are all ours: outputs (read_write) first, then inputs (read), then one uniform struct of scalars.
import * as tf from '@tensorflow/tfjs-core';

/** Largest workgroup count of one dispatch dimension (WebGPU's maxComputeWorkgroupsPerDimension default). */
const MAX_GROUPS_PER_DIM = 65_535;

/** A scalar of the program's uniform struct; `float32` values are rounded to f32 as TF.js scalars are. */
export interface Scalar {
  name: string;
  type: 'f32' | 'u32' | 'i32';
  value: number;
}

export interface FusedProgram {
  /** Kernel label (profiles) and pipeline cache key: one shader text per name. */
  name: string;
  /** Threads per workgroup, also WGSL's `WG` constant. */
  workgroupSize: number;
  /** Workgroups to run; the body's `run(group, lid)` sees group = 0..workgroups-1. */
  workgroups: number;
  /** Named outputs to allocate (float32). */
  outputs: Array<{ name: string; shape: number[] }>;
  /** Named inputs (float32, or int32 as `array<i32>`). */
  inputs: Array<{ name: string; tensor: tf.TensorInfo }>;
  uniforms: Scalar[];
  /**
   * WGSL defining `fn run(group : u32, lid : u32)`; every output, input and uniform must be used
   * (the pipeline's layout is derived from the shader, and unused bindings are dropped from it).
   */
  body: string;
}

/** The parts of TF.js's WebGPUBackend this runner drives (internal in 4.22, pinned in package.json). */
interface Backend {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { dtype: tf.DataType; values: unknown } };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
  activeTimers: Array<{ name: string; query: Promise<number> }> | null;
  supportTimestampQuery: boolean;
  querySet: GPUQuerySet | null;
  querySetCount: number;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorToBinding(t: tf.TensorInfo): GPUBindingResource;
  makeUniforms(u: Array<{ type: string; data: number[] }>): GPUBindingResource;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getQueryTime(): Promise<number>;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
let dispatched = 0;

/** Programs this module has dispatched so far (bench adds them to TF.js's own dispatches). */
export function fusedDispatchCount(): number {
  return dispatched;
}

function shaderText(p: FusedProgram, inputTypes: string[]): string {
  const lines = [`const WG : u32 = ${p.workgroupSize}u;`];
  p.outputs.forEach((o, i) => lines.push(`@group(0) @binding(${i}) var<storage, read_write> ${o.name} : array<f32>;`));
  p.inputs.forEach((x, i) => lines.push(`@group(0) @binding(${p.outputs.length + i}) var<storage, read> ${x.name} : array<${inputTypes[i]}>;`));
  lines.push(`struct Uniforms { ${p.uniforms.map((u) => `${u.name} : ${u.type},`).join(' ')} };`);
  lines.push(`@group(0) @binding(${p.outputs.length + p.inputs.length}) var<uniform> u : Uniforms;`);
  lines.push(p.body);
  // A 2-D grid when there are more workgroups than one dimension allows (rows of a paper-size batch).
  lines.push(`@compute @workgroup_size(${p.workgroupSize})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>, @builtin(local_invocation_index) lid : u32) {
  run(wid.x + wid.y * nwg.x, lid);
}`);
  return lines.join('\n');
}

function pipelineFor(b: Backend, p: FusedProgram, inputTypes: string[]): GPUComputePipeline {
  let cache = pipelines.get(b.device);
  if (!cache) pipelines.set(b.device, (cache = new Map()));
  const key = `${p.name}|${p.workgroupSize}|${inputTypes.join(',')}`;
  let pipeline = cache.get(key);
  if (!pipeline) {
    const module = b.device.createShaderModule({ code: shaderText(p, inputTypes) });
    pipeline = b.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    cache.set(key, pipeline);
  }
  return pipeline;
}

/**
 * Records `p` on `backend` (a kernelFunc's backend argument) and returns its outputs, in the order
 * of `p.outputs`, as TensorInfos the engine adopts.
 */
export function runFused(backend: unknown, p: FusedProgram): tf.TensorInfo[] {
  const b = backend as Backend;
  const outputs = p.outputs.map((o) => b.makeTensorInfo(o.shape, 'float32'));
  if (p.workgroups === 0 || outputs.some((o) => tf.util.sizeFromShape(o.shape) === 0)) {
    for (const o of outputs) b.tensorMap.get(o.dataId).values = new Float32Array(tf.util.sizeFromShape(o.shape));
    return outputs;
  }
  const inputTypes = p.inputs.map(({ tensor }) => {
    b.uploadToGPU(tensor.dataId);
    const dtype = b.tensorMap.get(tensor.dataId).dtype;
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${p.name}: unsupported input dtype ${dtype}`);
    return dtype === 'int32' ? 'i32' : 'f32';
  });
  for (const o of outputs) b.uploadToGPU(o.dataId);
  const pipeline = pipelineFor(b, p, inputTypes);
  const uniforms = b.makeUniforms(p.uniforms.map((s) => ({ type: s.type === 'f32' ? 'float32' : s.type === 'u32' ? 'uint32' : 'int32', data: [s.value] })));
  const resources = [...outputs.map((o) => b.tensorToBinding(o)), ...p.inputs.map((x) => b.tensorToBinding(x.tensor)), uniforms];
  // Buffers a queued pass uses are released only after the queue is submitted (as recordAndSubmit does).
  for (const t of [...outputs, ...p.inputs.map((x) => x.tensor)]) b.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: resources.map((resource, binding) => ({ binding, resource })) });
  const groups = [Math.min(p.workgroups, MAX_GROUPS_PER_DIM), Math.ceil(p.workgroups / MAX_GROUPS_PER_DIM)];
  if (groups[1] > MAX_GROUPS_PER_DIM) throw new Error(`${p.name}: ${p.workgroups} workgroups are too many for one dispatch`);
  b.ensureCommandEncoderReady();
  const timed = b.activeTimers != null;
  if (timed) {
    // tf.profile: a pass of its own, timed when the device can (as recordAndSubmit does).
    b.endComputePassEncoder();
    let descriptor: GPUComputePassDescriptor = {};
    if (b.supportTimestampQuery) {
      if (b.querySet == null) b.querySet = b.device.createQuerySet({ type: 'timestamp', count: b.querySetCount });
      descriptor = { timestampWrites: { querySet: b.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } };
    }
    b.computePassEncoder = (b.commandEncoder as GPUCommandEncoder).beginComputePass(descriptor);
  } else if (!b.computePassEncoder) {
    b.computePassEncoder = (b.commandEncoder as GPUCommandEncoder).beginComputePass({});
  }
  const pass = b.computePassEncoder as GPUComputePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  // A trailing row of the 2-D grid may run past `workgroups`: the body checks `group` against its size.
  pass.dispatchWorkgroups(groups[0], groups[1], 1);
  dispatched += 1;
  b.dispatchCountInPass += 1;
  if (timed) {
    b.endComputePassEncoder();
    (b.activeTimers as Array<{ name: string; query: Promise<number> }>).push({ name: p.name, query: b.getQueryTime() });
  } else if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outputs;
}

/** A shared-memory sum over the workgroup (WG a power of two); call in uniform control flow. */
export const WORKGROUP_SUM = `
var<workgroup> bgptRed : array<f32, WG>;
fn groupSum(v : f32, lid : u32) -> f32 {
  bgptRed[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { bgptRed[lid] = bgptRed[lid] + bgptRed[lid + s]; }
    workgroupBarrier();
  }
  let r = bgptRed[0];
  workgroupBarrier();
  return r;
}
fn groupMax(v : f32, lid : u32) -> f32 {
  bgptRed[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { bgptRed[lid] = max(bgptRed[lid], bgptRed[lid + s]); }
    workgroupBarrier();
  }
  let r = bgptRed[0];
  workgroupBarrier();
  return r;
}
`;
