// Public API of the fast inference path (docs/model.md): cached bGPT decoding on WebAssembly SIMD
// kernels, no TF.js ops per byte. Generation, conversion, scoring, sampling steps and the bench.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { MODEL_FILE, isTorchCheckpointFile, readCheckpointConfig, readTorchModelTensors } from '../io/checkpoint';
import { UserError } from '../../shared/errors';
import { checkTensors } from '../model/weights';
import { decodeTensorBytes, readSafetensorsIndex } from '../io/safetensors';
import { InferenceModel, type MergeHook, type ModelOptions } from './model';
import { isPrecision, PRECISIONS, type Precision } from './pack';
import { threadCount } from './threads';
import { weightTraffic } from './traffic';
import type { BGPTConfig } from '../../shared/config';
import { isAdapterFolder, readAdapter, requireBase } from '../io/adapter-weights';
import { adapterTouches, mergeAdapterTensor, readAdapterConfig } from '../../checkpoint/adapter';

export { InferenceModel, MAX_BATCH } from './model';
export type { MergeHook } from './model';
export { PRECISIONS, isPrecision } from './pack';
export type { Precision } from './pack';
export { threadCount, DEFAULT_MAX_THREADS, MAX_THREADS } from './threads';
export { generate, generateMany, convert } from './generate';
export type { GenerateOptions, GenerateManyOptions, ConvertOptions, SampleRunOptions, GenerateResult, PatchEvent, StopReason } from './generate';
export { scoreSequence, crossEntropy } from './score';
export type { SequenceScore } from './score';
export { Sampler, samplingSteps, sampleLogits, topK, topP, temperature, excludeTokens } from './sampling';
export type { LogitsProcessor, SamplingOptions } from './sampling';
export { benchGenerate, BENCH_BYTES, BENCH_EXT } from './bench';
export type { GenerateBenchResult } from './bench';

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
  /** Weight format of the matrices (default f32, exact; f16 and q8 trade a little accuracy for speed and memory). */
  precision?: Precision;
  /** Threads splitting each step (default: BGPT_THREADS, else the cores this process may use, up to 4; see threads.ts). */
  threads?: number;
  /** Changes each tensor's float32 values before they are packed (adapters merged into the weights). */
  merge?: MergeHook;
  /** The base weights (folder or .pth) when the checkpoint is a LoRA adapter folder: merged at load through `merge`. */
  base?: string | null;
}

/**
 * Loads a checkpoint folder (docs/checkpoint-format.md: config.json + model.safetensors) or a PyTorch `.pth`/`.pt`
 * file for fast inference. A missing or corrupt file, or a tensor that does not fit the config, is a
 * UserError naming it. From a folder, the tensors stream from the file straight into the model's wasm
 * memory, one at a time, so loading never holds the file and the model at once (at paper size that
 * halves the peak: 0.45 GB, not 0.9). Each float32 tensor then passes the merge hook and is packed to
 * the precision asked for. Dispose the model to end its worker threads. A LoRA adapter folder loads its base
 * (`opts.base`, which the studio's resolver finds by sha256), each adapted matrix merged in float32 by the merge
 * hook as it streams in: the model is then an ordinary one, as fast as the base, in any precision.
 */
export async function loadInferenceModel(dir: string, opts: LoadOptions = {}): Promise<InferenceModel> {
  if (!(await isTorchCheckpointFile(dir)) && (await isAdapterFolder(dir))) {
    const base = await requireBase(dir, opts.base);
    if ((await readAdapterConfig(dir)).kind === 'classifier') await readCheckpointConfig(dir); // refuses it in one line
    if (await isAdapterFolder(base)) throw new UserError(`${base}: the base of an adapter must be a full checkpoint, not another adapter`, 'BAD_CHECKPOINT');
    const adapter = await readAdapter(dir, await readCheckpointConfig(base));
    const outer = opts.merge;
    const merge: MergeHook = (name, data) => {
      if (adapterTouches(adapter, name)) data.set(mergeAdapterTensor(adapter, name, data));
      outer?.(name, data);
    };
    return loadInferenceModel(base, { ...opts, base: null, merge });
  }
  const precision = opts.precision ?? 'f32';
  if (!isPrecision(precision)) throw new UserError(`precision must be one of ${PRECISIONS.join(', ')}, got ${String(precision)}`, 'BAD_ARGS');
  threadCount(opts.threads); // a bad value is refused before anything loads
  let model: InferenceModel;
  if (await isTorchCheckpointFile(dir)) {
    const { config, tensors } = await readTorchModelTensors(dir);
    model = new InferenceModel(config, tensors, dir, opts.batch ?? 1, { precision, maxThreads: threadsFor(config, opts), merge: opts.merge });
  } else {
    const config = await readCheckpointConfig(dir);
    model = await loadFolder(dir, config, opts.batch ?? 1, { precision, maxThreads: threadsFor(config, opts), merge: opts.merge });
  }
  await model.startThreads(model.maxThreads);
  return model;
}

/** The threads a model of `config` uses: the option, else BGPT_THREADS, else the cores (one for small models: threads.ts). */
function threadsFor(config: BGPTConfig, opts: LoadOptions): number {
  return threadCount(opts.threads, process.env, weightTraffic(config).weightsPerGeneratedByte);
}

async function loadFolder(dir: string, config: BGPTConfig, batch: number, modelOpts: ModelOptions): Promise<InferenceModel> {
  const file = path.join(dir, MODEL_FILE);
  const { tensors: index } = await readSafetensorsIndex(file);
  // checkTensors looks at names and shapes only; the data arrive later through fill().
  const shapes = new Map([...index].map(([name, e]) => [name, { shape: e.shape, data: new Float32Array(0) }]));
  checkTensors(config, shapes, file);
  const model = new InferenceModel(config, null, file, batch, modelOpts);
  const fh = await fs.open(file, 'r');
  try {
    await model.fill(async (name, into) => {
      const e = index.get(name);
      if (!e) throw new Error(`tensor ${name} missing after checkTensors`);
      if (e.dtype === 'F32' && LITTLE_ENDIAN_HOST) {
        await readFully(fh, new Uint8Array(into.buffer, into.byteOffset, into.byteLength), e.fileOffset, file);
        return;
      }
      const bytes = new Uint8Array(e.byteLength);
      await readFully(fh, bytes, e.fileOffset, file);
      into.set(decodeTensorBytes(bytes, e.dtype));
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
