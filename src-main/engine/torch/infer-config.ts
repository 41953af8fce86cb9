// The model config of a PyTorch state dict, read off its tensor shapes (the reference keeps no
// config in its checkpoints: utils.py builds GPT2Configs from config.py's PATCH_SIZE, PATCH_LENGTH,
// HIDDEN_SIZE and layer counts, with n_head = hidden_size // 64), then every shape checked against it.
import { VOCAB_SIZE, defaultNumHeads, validateConfig, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { BYTE_PREFIX, LM_HEAD, PATCH_PREFIX, trainableSpecs } from '../model/weights';

export type ModelKind = 'generative' | 'classifier';

/** bGPTForClassification's head: Linear(hidden, labels). */
export const CLASSIFIER_WEIGHT = 'classifier.weight';
export const CLASSIFIER_BIAS = 'classifier.bias';

function fail(source: string, what: string): never {
  throw new UserError(`${source}: ${what}`, 'BAD_CHECKPOINT');
}

function layerCount(shapes: Map<string, number[]>, prefix: string): number {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}(\\d+)\\.`);
  let max = -1;
  for (const name of shapes.keys()) {
    const m = re.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

function shapeOf(shapes: Map<string, number[]>, name: string, rank: number, source: string): number[] {
  const s = shapes.get(name);
  if (!s) fail(source, `tensor ${name} is missing: not a bGPT checkpoint`);
  if (s.length !== rank) fail(source, `tensor ${name} has shape [${s.join(', ')}], expected ${rank} dimensions`);
  return s;
}

function same(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Infers the config from tensor shapes and checks every tensor the model needs against it (a
 * missing tensor or a wrong shape is one line naming both shapes). A classifier has no byte-level
 * decoder (bGPTForClassification): its byteNumLayers is 0.
 */
export function inferConfig(shapes: Map<string, number[]>, kind: ModelKind, source: string): BGPTConfig {
  const [hidden, embIn] = shapeOf(shapes, `${PATCH_PREFIX}patch_embedding.weight`, 2, source);
  if (embIn % VOCAB_SIZE !== 0) fail(source, `patch_embedding.weight has ${embIn} inputs, not a multiple of ${VOCAB_SIZE} (patch_size × 257)`);
  const [patchLength] = shapeOf(shapes, `${PATCH_PREFIX}base.wpe.weight`, 2, source);
  const config: BGPTConfig = {
    patchSize: embIn / VOCAB_SIZE,
    patchLength,
    hiddenSize: hidden,
    patchNumLayers: layerCount(shapes, `${PATCH_PREFIX}base.h.`),
    byteNumLayers: kind === 'classifier' ? 0 : layerCount(shapes, `${BYTE_PREFIX}transformer.h.`),
    numHeads: defaultNumHeads(hidden),
  };
  // validateConfig wants a byte decoder; a classifier has none, so check the rest with a stand-in.
  validateConfig({ ...config, byteNumLayers: Math.max(1, config.byteNumLayers) }, source);
  const specs = trainableSpecs({ ...config, byteNumLayers: Math.max(1, config.byteNumLayers) })
    .filter((s) => kind === 'generative' || s.name.startsWith(PATCH_PREFIX))
    .map((s) => ({ name: s.name, shape: s.shape }));
  if (kind === 'generative') specs.push({ name: LM_HEAD, shape: [VOCAB_SIZE, hidden] });
  for (const spec of specs) {
    const s = shapes.get(spec.name);
    if (!s) fail(source, `tensor ${spec.name} is missing (the inferred config expects shape [${spec.shape.join(', ')}])`);
    if (!same(s, spec.shape)) fail(source, `tensor ${spec.name} has shape [${s.join(', ')}], the inferred config expects [${spec.shape.join(', ')}]`);
  }
  if (kind === 'classifier') {
    const w = shapes.get(CLASSIFIER_WEIGHT);
    if (w && (w.length !== 2 || w[1] !== hidden)) fail(source, `tensor ${CLASSIFIER_WEIGHT} has shape [${w.join(', ')}], expected [labels, ${hidden}]`);
    const b = shapes.get(CLASSIFIER_BIAS);
    if (w && b && !same(b, [w[0]])) fail(source, `tensor ${CLASSIFIER_BIAS} has shape [${b.join(', ')}], expected [${w[0]}]`);
  }
  return config;
}
