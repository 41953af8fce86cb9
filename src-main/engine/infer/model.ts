// bGPT (arXiv 2402.19155 §3) for one-position-at-a-time inference on plain float32 memory: the patch-level
// and byte-level GPT-2 decoders each keep a key/value cache, so a new patch costs one patch-level position
// and a new byte one byte-level position, instead of the reference's full recompute per byte.
import { VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import { SPECIAL } from '../../shared/patches';
import { UserError } from '../../shared/errors';
import { BYTE_PREFIX, BYTE_WTE, PATCH_PREFIX, checkTensors } from '../weights';
import type { Tensor } from '../safetensors';
import { Arena, type Kernels } from './arena';

/** GPT-2's layer-norm epsilon (HF GPT2Config.layer_norm_epsilon). */
const LN_EPS = 1e-5;

/** Byte offsets of one GPT-2 block's parameters in the arena. */
interface BlockWeights {
  ln1w: number; ln1b: number;
  attnW: number; attnB: number; attnProjW: number; attnProjB: number;
  ln2w: number; ln2b: number;
  fcW: number; fcB: number; mlpProjW: number; mlpProjB: number;
}

/** A GPT-2 stack's parameters and its cache of keys and values for `maxPos` positions. */
interface Stack {
  blocks: BlockWeights[];
  lnFw: number; lnFb: number;
  /** Learned positions [maxPos, d]. */
  wpe: number;
  maxPos: number;
  /** Per layer: keys and values [maxPos, d], row t written when position t runs. */
  keys: number[];
  values: number[];
  /** Positions already in the cache. */
  pos: number;
}

/** Scratch buffers shared by both stacks (they never run at the same time). */
interface Scratch {
  x: number; h: number; qkv: number; att: number; fc: number; scores: number; out: number; logits: number;
}

function need(tensors: Map<string, Tensor>, name: string): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new Error(`tensor ${name} missing after checkTensors`);
  return t.data;
}

function loadBlock(arena: Arena, tensors: Map<string, Tensor>, prefix: string): BlockWeights {
  const put = (suffix: string) => arena.put(need(tensors, prefix + suffix));
  return {
    ln1w: put('ln_1.weight'), ln1b: put('ln_1.bias'),
    attnW: put('attn.c_attn.weight'), attnB: put('attn.c_attn.bias'),
    attnProjW: put('attn.c_proj.weight'), attnProjB: put('attn.c_proj.bias'),
    ln2w: put('ln_2.weight'), ln2b: put('ln_2.bias'),
    fcW: put('mlp.c_fc.weight'), fcB: put('mlp.c_fc.bias'),
    mlpProjW: put('mlp.c_proj.weight'), mlpProjB: put('mlp.c_proj.bias'),
  };
}

function loadStack(arena: Arena, tensors: Map<string, Tensor>, prefix: string, layers: number, maxPos: number, d: number): Stack {
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < layers; i++) blocks.push(loadBlock(arena, tensors, `${prefix}h.${i}.`));
  const keys: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < layers; i++) {
    keys.push(arena.alloc(maxPos * d));
    values.push(arena.alloc(maxPos * d));
  }
  return {
    blocks,
    lnFw: arena.put(need(tensors, `${prefix}ln_f.weight`)),
    lnFb: arena.put(need(tensors, `${prefix}ln_f.bias`)),
    wpe: arena.put(need(tensors, `${prefix}wpe.weight`)),
    maxPos, keys, values, pos: 0,
  };
}

/**
 * One bGPT model ready for cached inference. It holds one patch-level and one byte-level cache, so it
 * runs one sequence at a time; load a second model for a second concurrent generation.
 */
export class InferenceModel {
  private readonly arena = new Arena();
  private readonly k: Kernels;
  private readonly d: number;
  private readonly headDim: number;
  private readonly patchEmbW: number;
  private readonly patchEmbB: number;
  private readonly wte: number;
  private readonly patchStack: Stack;
  private readonly byteStack: Stack;
  private readonly s: Scratch;
  /** The latest patch-level output (ln_f applied): the byte decoder's first input. */
  private readonly feature: number;
  private hasFeature = false;
  private busy = false;

  /** Copies the checkpoint tensors (checked against `config`, naming any bad tensor) into wasm memory. */
  constructor(readonly config: BGPTConfig, tensors: Map<string, Tensor>, source = 'weights') {
    checkTensors(config, tensors, source);
    const d = config.hiddenSize;
    this.d = d;
    this.headDim = d / config.numHeads;
    const a = this.arena;
    // Stored [inputs, d] (transposed from torch's [d, inputs]) so a one-hot input selects a contiguous row.
    this.patchEmbW = a.put(transposed(need(tensors, `${PATCH_PREFIX}patch_embedding.weight`), d, config.patchSize * VOCAB_SIZE));
    this.patchEmbB = a.put(need(tensors, `${PATCH_PREFIX}patch_embedding.bias`));
    // The LM head is tied to the byte embedding, as in the reference (GPT2LMHeadModel ties them).
    this.wte = a.put(need(tensors, BYTE_WTE));
    this.patchStack = loadStack(a, tensors, `${PATCH_PREFIX}base.`, config.patchNumLayers, config.patchLength, d);
    this.byteStack = loadStack(a, tensors, `${BYTE_PREFIX}transformer.`, config.byteNumLayers, config.patchSize + 1, d);
    const maxPos = Math.max(config.patchLength, config.patchSize + 1);
    this.s = {
      x: a.alloc(d), h: a.alloc(d), qkv: a.alloc(3 * d), att: a.alloc(d), fc: a.alloc(4 * d),
      scores: a.alloc(maxPos), out: a.alloc(d), logits: a.alloc(VOCAB_SIZE),
    };
    this.feature = a.alloc(d);
    a.seal();
    this.k = a.kernels;
  }

  /** Bytes of wasm memory this model uses (weights, both caches, scratch). */
  get memoryBytes(): number {
    return this.arena.bytes;
  }

  /**
   * Reserves the caches for one sequence (a generation or a scoring); returns the function that frees them.
   * A second claim before the release is refused: one model decodes one sequence at a time.
   */
  claim(): () => void {
    if (this.busy) throw new UserError('this model is already generating: wait for it to finish or load the checkpoint again', 'BUSY');
    this.busy = true;
    let released = false;
    return () => {
      if (!released) this.busy = false;
      released = true;
    };
  }

  /** Patches in the patch-level cache. */
  get patchCount(): number {
    return this.patchStack.pos;
  }

  /** Forgets every patch: the next `pushPatch` is patch 0 of a new sequence. */
  reset(): void {
    this.patchStack.pos = 0;
    this.byteStack.pos = 0;
    this.hasFeature = false;
  }

  /**
   * Runs the patch-level decoder on the next patch (`patchSize` values in 0..256): one-hot, patch
   * embedding, learned position, the blocks, ln_f. The output becomes the byte decoder's feature.
   */
  pushPatch(patch: ArrayLike<number>): void {
    const { patchSize, patchLength } = this.config;
    if (patch.length !== patchSize) throw new Error(`a patch holds ${patchSize} values, got ${patch.length}`);
    if (this.patchStack.pos >= patchLength) throw new Error(`the window holds ${patchLength} patches`);
    this.embedPatch(patch);
    this.runPosition(this.patchStack, this.feature);
    this.hasFeature = true;
  }

  /**
   * Starts the byte decoder on the latest patch feature (position 0) and returns the logits of the
   * next patch's first byte. The returned view is overwritten by the next call.
   */
  beginBytes(): Float32Array {
    if (!this.hasFeature) throw new Error('beginBytes needs a patch first (pushPatch)');
    const heap = this.arena.heap;
    const d = this.d;
    const x = this.s.x >>> 2;
    heap.copyWithin(x, this.feature >>> 2, (this.feature >>> 2) + d);
    this.byteStack.pos = 0;
    return this.byteStep(heap, x, d);
  }

  /** Feeds one byte (0..256) of the patch being decoded and returns the logits of the byte after it. */
  pushByte(byte: number): Float32Array {
    if (this.byteStack.pos === 0 || this.byteStack.pos >= this.byteStack.maxPos) {
      throw new Error(`pushByte needs beginBytes first and takes at most ${this.config.patchSize} bytes a patch`);
    }
    const heap = this.arena.heap;
    const d = this.d;
    const x = this.s.x >>> 2;
    const row = (this.wte >>> 2) + byte * d;
    for (let i = 0; i < d; i++) heap[x + i] = heap[row + i];
    return this.byteStep(heap, x, d);
  }

  private byteStep(heap: Float32Array, x: number, d: number): Float32Array {
    const wpe = (this.byteStack.wpe >>> 2) + this.byteStack.pos * d;
    for (let i = 0; i < d; i++) heap[x + i] += heap[wpe + i];
    this.runPosition(this.byteStack, this.s.out);
    this.k.matvec_oi(this.s.out, this.wte, this.s.logits, d, VOCAB_SIZE);
    return heap.subarray(this.s.logits >>> 2, (this.s.logits >>> 2) + VOCAB_SIZE);
  }

  /** x = patch_embedding(one_hot(patch)) + wpe[pos]: the one-hot product is a sum of weight rows. */
  private embedPatch(patch: ArrayLike<number>): void {
    const heap = this.arena.heap;
    const d = this.d;
    const w = this.patchEmbW >>> 2;
    const x = this.s.x >>> 2;
    const wpe = (this.patchStack.wpe >>> 2) + this.patchStack.pos * d;
    const bias = this.patchEmbB >>> 2;
    for (let j = 0; j < d; j++) heap[x + j] = heap[bias + j] + heap[wpe + j];
    for (let k = 0; k < patch.length; k++) {
      const v = patch[k];
      if (!Number.isInteger(v) || v < 0 || v > SPECIAL) throw new Error(`patch value ${v} is outside 0..${SPECIAL}`);
      const row = w + (k * VOCAB_SIZE + v) * d;
      for (let j = 0; j < d; j++) heap[x + j] += heap[row + j];
    }
  }

  /** Runs every block of `stack` on the input in scratch x at the stack's next position; ln_f → out. */
  private runPosition(stack: Stack, out: number): void {
    const heap = this.arena.heap;
    const d = this.d;
    const s = this.s;
    for (let l = 0; l < stack.blocks.length; l++) {
      const b = stack.blocks[l];
      this.k.layer_norm(s.x, b.ln1w, b.ln1b, s.h, d, LN_EPS);
      this.k.matvec_io(s.h, b.attnW, b.attnB, s.qkv, d, 3 * d, 0);
      this.attend(heap, stack, l);
      this.k.matvec_io(s.att, b.attnProjW, b.attnProjB, s.x, d, d, 1);
      this.k.layer_norm(s.x, b.ln2w, b.ln2b, s.h, d, LN_EPS);
      this.k.matvec_io(s.h, b.fcW, b.fcB, s.fc, d, 4 * d, 0);
      this.k.gelu(s.fc, 4 * d);
      this.k.matvec_io(s.fc, b.mlpProjW, b.mlpProjB, s.x, 4 * d, d, 1);
    }
    this.k.layer_norm(s.x, stack.lnFw, stack.lnFb, out, d, LN_EPS);
    stack.pos++;
  }

  /** Causal self-attention of the new position over the cache (which now gains its key and value). */
  private attend(heap: Float32Array, stack: Stack, layer: number): void {
    const d = this.d;
    const hd = this.headDim;
    const s = this.s;
    const pos = stack.pos;
    const row = pos * d;
    const kRow = (stack.keys[layer] >>> 2) + row;
    const vRow = (stack.values[layer] >>> 2) + row;
    const qkv = s.qkv >>> 2;
    heap.copyWithin(kRow, qkv + d, qkv + 2 * d);
    heap.copyWithin(vRow, qkv + 2 * d, qkv + 3 * d);
    const npos = pos + 1;
    const scale = 1 / Math.sqrt(hd);
    const scores = s.scores >>> 2;
    for (let h = 0; h < this.config.numHeads; h++) {
      const off = h * hd * 4;
      this.k.attn_scores(s.qkv + off, stack.keys[layer] + off, s.scores, npos, hd, d * 4, scale);
      softmaxInPlace(heap, scores, npos);
      this.k.attn_mix(s.scores, stack.values[layer] + off, s.att + off, npos, hd, d * 4);
    }
  }
}

/** The [cols, rows] transpose of a row-major [rows, cols] matrix. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

function softmaxInPlace(heap: Float32Array, at: number, n: number): void {
  let max = -Infinity;
  for (let i = at; i < at + n; i++) if (heap[i] > max) max = heap[i];
  let sum = 0;
  for (let i = at; i < at + n; i++) {
    const e = Math.exp(heap[i] - max);
    heap[i] = e;
    sum += e;
  }
  for (let i = at; i < at + n; i++) heap[i] /= sum;
}
