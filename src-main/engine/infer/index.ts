// Public API of the fast inference path (issue 3 §5, §9): cached bGPT decoding on WebAssembly SIMD
// kernels, no TF.js ops per byte. Generation, conversion, scoring, sampling steps and the bench.
import path from 'node:path';
import { MODEL_FILE, isTorchCheckpointFile, readCheckpointConfig, readTorchModelTensors } from '../checkpoint';
import { readSafetensors } from '../safetensors';
import { InferenceModel } from './model';

export { InferenceModel } from './model';
export { generate, convert } from './generate';
export type { GenerateOptions, ConvertOptions, SampleRunOptions, GenerateResult, PatchEvent, StopReason } from './generate';
export { scoreSequence, crossEntropy } from './score';
export type { SequenceScore } from './score';
export { Sampler, samplingSteps, sampleLogits, topK, topP, temperature, excludeTokens } from './sampling';
export type { LogitsProcessor, SamplingOptions } from './sampling';
export { benchGenerate, BENCH_BYTES, BENCH_EXT } from './bench';
export type { GenerateBenchResult } from './bench';

/**
 * Loads a checkpoint folder (DESIGN §2: config.json + model.safetensors) or a PyTorch `.pth`/`.pt`
 * file for fast inference. A missing or corrupt file, or a tensor that does not fit the config, is a
 * UserError naming it.
 */
export async function loadInferenceModel(dir: string): Promise<InferenceModel> {
  if (await isTorchCheckpointFile(dir)) {
    const { config, tensors } = await readTorchModelTensors(dir);
    return new InferenceModel(config, tensors, dir);
  }
  const config = await readCheckpointConfig(dir);
  const file = path.join(dir, MODEL_FILE);
  const { tensors } = await readSafetensors(file);
  return new InferenceModel(config, tensors, file);
}
