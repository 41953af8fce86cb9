// Public API of the fast inference path (docs/model.md): cached bGPT decoding on WebAssembly SIMD
// kernels, no TF.js ops per byte. Generation, conversion, scoring, sampling steps and the bench.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { MODEL_FILE, isTorchCheckpointFile, readCheckpointConfig, readTorchModelTensors } from '../io/checkpoint';
import { isAdapterFolder, mergeAdapter, readAdapter, requireBase, type LoadedAdapter } from '../io/adapter-weights';
import { adapterTouches, mergeAdapterTensor, readAdapterConfig } from '../../checkpoint/adapter';
import { UserError } from '../../shared/errors';
import type { BGPTConfig } from '../../shared/config';
import { checkTensors } from '../model/weights';
import { decodeTensorBytes, readSafetensorsIndex } from '../io/safetensors';
import { InferenceModel, transposeInto } from './model';

export { InferenceModel, MAX_BATCH } from './model';
export { generate, generateMany, convert } from './generate';
export type { GenerateOptions, GenerateManyOptions, ConvertOptions, SampleRunOptions, GenerateResult, PatchEvent, StopReason } from './generate';
export { scoreSequence, crossEntropy } from './score';
export type { SequenceScore } from './score';
export { Sampler, samplingSteps, sampleLogits, topK, topP, temperature, excludeTokens } from './sampling';
export type { LogitsProcessor, SamplingOptions } from './sampling';
export { benchGenerate, BENCH_BYTES, BENCH_EXT } from './bench';
export type { GenerateBenchResult } from './bench';

/**
/**
 * Patches read per pass when a prompt, a conversion input or a scored file is prefilled. Reserving the
 * caches of 8 samples costs address space, not memory: untouched wasm pages are never resident, and
 * prefill uses one sample's caches; only the scratch rows (under 0.3 MB at paper size) are used.
 */
export const PREFILL_BATCH = 8;

/** Options of `loadInferenceModel`. */
export interface LoadOptions {
  /** Samples the model can decode at once (caches for each; default 1). */
  batch?: number;
  /** The base weights (folder or .pth) when the checkpoint is a LoRA adapter folder: merged at load. */
  base?: string | null;
}

/**
 * Loads a checkpoint folder (docs/checkpoint-format.md: config.json + model.safetensors) or a PyTorch `.pth`/`.pt`
 * file for fast inference. A missing or corrupt file, or a tensor that does not fit the config, is a
 * UserError naming it. From a folder, the tensors stream from the file straight into the model's wasm
 * memory, one at a time, so loading never holds the file and the model at once (at paper size that
 * halves the peak: 0.45 GB, not 0.9). A LoRA adapter folder loads its base (`opts.base`, which the studio's
 * resolver finds by sha256) with each adapted matrix merged in float32 as it streams in: the model is then an
 * ordinary one, as fast as the base.
 */
export async function loadInferenceModel(dir: string, opts: LoadOptions = {}): Promise<InferenceModel> {
  const batch = opts.batch ?? 1;
  if (!(await isTorchCheckpointFile(dir)) && (await isAdapterFolder(dir))) {
    // An adapter: the base streams in as below, each adapted tensor merged (float32) before it is placed.
    const base = await requireBase(dir, opts.base);
    if ((await readAdapterConfig(dir)).kind === 'classifier') await readCheckpointConfig(dir); // refuses it in one line
    if (await isAdapterFolder(base)) throw new UserError(`${base}: the base of an adapter must be a full checkpoint, not another adapter`, 'BAD_CHECKPOINT');
    return loadWeights(base, batch, (config) => readAdapter(dir, config), dir);
  }
  return loadWeights(dir, batch, null, dir);
}

/**
 * Loads a full checkpoint's weights into a new model, passing every tensor through the adapter `withAdapter`
 * gives once the config is known (the merge hook: float32 in the reference layout, before the arena's packing).
 */
async function loadWeights(dir: string, batch: number, withAdapter: ((c: BGPTConfig) => Promise<LoadedAdapter>) | null, source: string): Promise<InferenceModel> {
  if (await isTorchCheckpointFile(dir)) {
    const { config, tensors } = await readTorchModelTensors(dir);
    const merged = withAdapter ? mergeAdapter(tensors, await withAdapter(config), source) : tensors;
    return new InferenceModel(config, merged, dir, batch);
  }
  const config = await readCheckpointConfig(dir);
  const adapter = withAdapter ? await withAdapter(config) : null;
  const file = path.join(dir, MODEL_FILE);
  const { tensors: index } = await readSafetensorsIndex(file);
  // checkTensors looks at names and shapes only; the data arrive later through fill().
  const shapes = new Map([...index].map(([name, e]) => [name, { shape: e.shape, data: new Float32Array(0) }]));
  checkTensors(config, shapes, file);
  const model = new InferenceModel(config, null, file, batch);
  const fh = await fs.open(file, 'r');
  try {
    await model.fill(async (name, into, placement) => {
      const e = index.get(name);
      if (!e) throw new Error(`tensor ${name} missing after checkTensors`);
      const merge = adapter !== null && adapterTouches(adapter, name);
      if (e.dtype === 'F32' && !placement.transposed && LITTLE_ENDIAN_HOST && !merge) {
        await readFully(fh, new Uint8Array(into.buffer, into.byteOffset, into.byteLength), e.fileOffset, file);
        return;
      }
      const bytes = new Uint8Array(e.byteLength);
      await readFully(fh, bytes, e.fileOffset, file);
      let data = decodeTensorBytes(bytes, e.dtype);
      if (merge) data = mergeAdapterTensor(adapter, name, data);
      if (placement.transposed) transposeInto(data, placement.transposed.rows, placement.transposed.cols, into);
      else into.set(data);
    });
  } finally {
    await fh.close();
  }
  return model;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads exactly `into.length` bytes at `position`; a file that shrank meanwhile is a UserError. */
async function readFully(fh: fs.FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let at = 0;
  while (at < into.length) {
    const { bytesRead } = await fh.read(into, at, into.length - at, position + at);
    if (bytesRead === 0) throw new UserError(`${file}: truncated while reading (the file changed during loading?)`, 'BAD_SAFETENSORS');
    at += bytesRead;
  }
}
