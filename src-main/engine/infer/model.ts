// bGPT (arXiv 2402.19155 §3) for one-position-at-a-time inference on plain float32 memory: the patch-level
// and byte-level GPT-2 decoders each keep a key/value cache, so a new patch costs one patch-level position
// and a new byte one byte-level position, instead of the reference's full recompute per byte.
import { VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import { SPECIAL } from '../../shared/patches';
import { UserError } from '../../shared/errors';
import { BYTE_PREFIX, BYTE_WTE, PATCH_PREFIX, checkTensors } from '../model/weights';
import type { Tensor } from '../io/safetensors';
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

/** A GPT-2 stack's parameters and its cache of keys and values for `maxPos` positions of each sample. */
interface Stack {
  blocks: BlockWeights[];
  lnFw: number; lnFb: number;
  /** Learned positions [maxPos, d]. */
  wpe: number;
  maxPos: number;
  /** Per layer: keys and values [batch, maxPos, d]; row t of a sample is written when position t runs. */
  keys: number[];
  values: number[];
  /** Bytes between one sample's cache and the next (maxPos · d floats). */
  slotBytes: number;
  /** Positions already in the cache (the samples of a batch advance in lockstep). */
  pos: number;
}

/** Scratch buffers shared by both stacks (they never run at the same time); row r belongs to sample r. */
interface Scratch {
  x: number; h: number; qkv: number; att: number; fc: number; scores: number; out: number; logits: number;
}

/** Where one checkpoint tensor lives in the arena; the patch embedding is stored transposed. */
export interface Placement {
  ptr: number;
  floats: number;
  transposed?: { rows: number; cols: number };
}

/** Fills the arena slot of one tensor: `into` is a view of exactly that slot (already transposed when asked). */
export type TensorFill = (name: string, into: Float32Array, placement: Placement) => void | Promise<void>;

/** Checkpoint tensors the inference model reads (the LM head is tied to the byte embedding, so it is not). */
const PATCH_EMB_W = `${PATCH_PREFIX}patch_embedding.weight`;

function need(tensors: Map<string, Tensor>, name: string): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new Error(`tensor ${name} missing after checkTensors`);
  return t.data;
}

/** Models decoded in lockstep at most: each sample adds its own caches (37 MB at paper size). */
export const MAX_BATCH = 64;

/**
 * One bGPT model ready for cached inference. It holds `batch` patch-level and byte-level caches, so it
 * decodes up to `batch` sequences in lockstep (they share every weight read, see kernels.wat); one
 * model runs one such decoding at a time.
 */
export class InferenceModel {
  private readonly arena = new Arena();
  private readonly k: Kernels;
  private readonly d: number;
  private readonly headDim: number;
  private readonly places = new Map<string, Placement>();
  private readonly patchEmbW: number;
  private readonly patchEmbB: number;
  private readonly wte: number;
  private readonly patchStack: Stack;
  private readonly byteStack: Stack;
  private readonly s: Scratch;
  /** The latest patch-level outputs (ln_f applied) [batch, d]: the byte decoder's first inputs. */
  private readonly feature: number;
  private hasFeature = false;
  private busy = false;
  /** Samples in the current sequence (set by its first patch). */
  private rows = 0;
  /** Rows of `feature` the last patch step left (samples, or positions after a prefill). */
  private featureRows = 0;
  /** Rows the byte decoder is running (set by beginBytesAll from featureRows). */
  private byteRows = 0;
  /** Samples this model can decode at once. */
  readonly batch: number;

  /**
   * Copies the checkpoint tensors (checked against `config`, naming any bad tensor) into wasm memory.
   * With `tensors` null the weights are left zero for `fill` (streaming from a file without a copy).
   * `batch` sets how many samples it can decode in lockstep (caches for each).
   */
  constructor(readonly config: BGPTConfig, tensors: Map<string, Tensor> | null, source = 'weights', batch = 1) {
    if (!(Number.isInteger(batch) && batch >= 1 && batch <= MAX_BATCH)) throw new UserError(`samples at once must be a whole number from 1 to ${MAX_BATCH}, got ${batch}`, 'BAD_ARGS');
    if (tensors) checkTensors(config, tensors, source);
    this.batch = batch;
    const d = config.hiddenSize;
    this.d = d;
    this.headDim = d / config.numHeads;
    const a = this.arena;
    // Stored [inputs, d] (transposed from torch's [d, inputs]) so a one-hot input selects a contiguous row.
    this.patchEmbW = this.place(PATCH_EMB_W, d * config.patchSize * VOCAB_SIZE, { rows: d, cols: config.patchSize * VOCAB_SIZE });
    this.patchEmbB = this.place(`${PATCH_PREFIX}patch_embedding.bias`, d);
    // The LM head is tied to the byte embedding, as in the reference (GPT2LMHeadModel ties them).
    this.wte = this.place(BYTE_WTE, VOCAB_SIZE * d);
    this.patchStack = this.placeStack(`${PATCH_PREFIX}base.`, config.patchNumLayers, config.patchLength);
    this.byteStack = this.placeStack(`${BYTE_PREFIX}transformer.`, config.byteNumLayers, config.patchSize + 1);
    const maxPos = Math.max(config.patchLength, config.patchSize + 1);
    this.s = {
      x: a.alloc(batch * d), h: a.alloc(batch * d), qkv: a.alloc(batch * 3 * d), att: a.alloc(batch * d), fc: a.alloc(batch * 4 * d),
      scores: a.alloc(maxPos), out: a.alloc(batch * d), logits: a.alloc(batch * VOCAB_SIZE),
    };
    this.feature = a.alloc(batch * d);
    a.seal();
    this.k = a.kernels;
    if (tensors) this.fillSync((name) => need(tensors, name));
  }

  /** Reserves a tensor's slot in the arena. */
  private place(name: string, floats: number, transposed?: Placement['transposed']): number {
    const ptr = this.arena.alloc(floats);
    this.places.set(name, { ptr, floats, transposed });
    return ptr;
  }

  private placeBlock(prefix: string): BlockWeights {
    const d = this.d;
    const p = (suffix: string, floats: number) => this.place(prefix + suffix, floats);
    return {
      ln1w: p('ln_1.weight', d), ln1b: p('ln_1.bias', d),
      attnW: p('attn.c_attn.weight', d * 3 * d), attnB: p('attn.c_attn.bias', 3 * d),
      attnProjW: p('attn.c_proj.weight', d * d), attnProjB: p('attn.c_proj.bias', d),
      ln2w: p('ln_2.weight', d), ln2b: p('ln_2.bias', d),
      fcW: p('mlp.c_fc.weight', d * 4 * d), fcB: p('mlp.c_fc.bias', 4 * d),
      mlpProjW: p('mlp.c_proj.weight', 4 * d * d), mlpProjB: p('mlp.c_proj.bias', d),
    };
  }

  private placeStack(prefix: string, layers: number, maxPos: number): Stack {
    const d = this.d;
    const blocks: BlockWeights[] = [];
    for (let i = 0; i < layers; i++) blocks.push(this.placeBlock(`${prefix}h.${i}.`));
    const keys: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < layers; i++) {
      keys.push(this.arena.alloc(this.batch * maxPos * d));
      values.push(this.arena.alloc(this.batch * maxPos * d));
    }
    return {
      blocks,
      lnFw: this.place(`${prefix}ln_f.weight`, d),
      lnFb: this.place(`${prefix}ln_f.bias`, d),
      wpe: this.place(`${prefix}wpe.weight`, maxPos * d),
      maxPos, keys, values, slotBytes: maxPos * d * 4, pos: 0,
    };
  }

  /** The tensor names the model reads, with their arena slots (for streaming loaders). */
  get placements(): ReadonlyMap<string, Placement> {
    return this.places;
  }

  /** Copies each tensor from `get(name)` (PyTorch layout) into its slot; sync, for in-memory tensors. */
  private fillSync(get: (name: string) => Float32Array): void {
    for (const [name, p] of this.places) {
      const data = get(name);
      const into = this.arena.heap.subarray(p.ptr >>> 2, (p.ptr >>> 2) + p.floats);
      if (p.transposed) transposeInto(data, p.transposed.rows, p.transposed.cols, into);
      else into.set(data);
    }
  }

  /**
   * Fills every weight slot through `fill`, which writes a tensor's values (in the arena's layout: use
   * `placement.transposed` to know when to transpose) straight into the view it gets. Streaming loaders
   * use this to avoid holding the file and the arena at once.
   */
  async fill(fill: TensorFill): Promise<void> {
    for (const [name, p] of this.places) {
      await fill(name, this.arena.heap.subarray(p.ptr >>> 2, (p.ptr >>> 2) + p.floats), p);
    }
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
    this.rows = 0;
    this.featureRows = 0;
    this.byteRows = 0;
  }

  /**
   * Runs the patch-level decoder on the next patch (`patchSize` values in 0..256): one-hot, patch
   * embedding, learned position, the blocks, ln_f. The output becomes the byte decoder's feature.
   */
  pushPatch(patch: ArrayLike<number>): void {
    if (patch.length !== this.config.patchSize) throw new Error(`a patch holds ${this.config.patchSize} values, got ${patch.length}`);
    this.pushPatches(patch);
  }

  /**
   * `pushPatch` for several samples in lockstep: `patches` holds one patch per sample ([rows, patchSize]).
   * The first patch of a sequence fixes its number of samples.
   */
  pushPatches(patches: ArrayLike<number>): void {
    const { patchSize, patchLength } = this.config;
    const rows = patches.length / patchSize;
    if (!Number.isInteger(rows) || rows < 1 || rows > this.batch) throw new Error(`pushPatches takes 1 to ${this.batch} patches of ${patchSize}, got ${patches.length} values`);
    if (this.patchStack.pos === 0) this.rows = rows;
    else if (rows !== this.rows) throw new Error(`this sequence decodes ${this.rows} samples, got ${rows} patches`);
    if (this.patchStack.pos >= patchLength) throw new Error(`the window holds ${patchLength} patches`);
    for (let r = 0; r < rows; r++) this.embedPatch(patches, r, 0);
    this.runPosition(this.patchStack, this.feature, rows, false);
    this.featureRows = rows;
    this.hasFeature = true;
  }

  /**
   * Reads `patches` ([n, patchSize], n ≤ batch) as the next n positions of one sequence in a single
   * pass (as a prompt or a scored file is read: every weight read once for n positions). Leaves n
   * features, so a following `beginBytesAll` decodes the bytes after each of the n patches at once.
   * Each position's arithmetic is exactly that of n `pushPatch` calls.
   */
  prefillPatches(patches: ArrayLike<number>): void {
    const { patchSize, patchLength } = this.config;
    const n = patches.length / patchSize;
    if (!Number.isInteger(n) || n < 1 || n > this.batch) throw new Error(`prefillPatches takes 1 to ${this.batch} patches of ${patchSize}, got ${patches.length} values`);
    if (this.patchStack.pos === 0) this.rows = 1;
    else if (this.rows !== 1) throw new Error(`prefill reads one sequence; this one decodes ${this.rows} samples`);
    if (this.patchStack.pos + n > patchLength) throw new Error(`the window holds ${patchLength} patches`);
    for (let r = 0; r < n; r++) this.embedPatch(patches, r, r);
    this.runPosition(this.patchStack, this.feature, n, true);
    this.featureRows = n;
    this.hasFeature = true;
  }

  /**
   * Starts the byte decoder on the latest patch feature (position 0) and returns the logits of the
   * next patch's first byte (of sample 0). The returned view is overwritten by the next call.
   */
  beginBytes(): Float32Array {
    return this.beginBytesAll().subarray(0, VOCAB_SIZE);
  }

  /**
   * `beginBytes` for every row the last patch step left (each sample, or each prefilled position):
   * logits [rows, 257], overwritten by the next call.
   */
  beginBytesAll(): Float32Array {
    if (!this.hasFeature) throw new Error('beginBytes needs a patch first (pushPatch)');
    const heap = this.arena.heap;
    const x = this.s.x >>> 2;
    this.byteRows = this.featureRows;
    heap.copyWithin(x, this.feature >>> 2, (this.feature >>> 2) + this.byteRows * this.d);
    this.byteStack.pos = 0;
    return this.byteStep(heap);
  }

  /** Feeds one byte (0..256) of the patch being decoded and returns the logits of the byte after it. */
  pushByte(byte: number): Float32Array {
    if (this.byteRows !== 1) throw new Error(`pushByte decodes one row; the byte decoder runs ${this.byteRows} (use pushBytes)`);
    return this.pushBytes([byte]);
  }

  /** `pushByte` for every sample: one byte each (a finished sample may be fed anything); logits [rows, 257]. */
  pushBytes(bytes: ArrayLike<number>): Float32Array {
    if (this.byteStack.pos === 0 || this.byteStack.pos >= this.byteStack.maxPos) {
      throw new Error(`pushByte needs beginBytes first and takes at most ${this.config.patchSize} bytes a patch`);
    }
    if (bytes.length !== this.byteRows) throw new Error(`the byte decoder runs ${this.byteRows} rows, got ${bytes.length} bytes`);
    const heap = this.arena.heap;
    const d = this.d;
    for (let r = 0; r < this.byteRows; r++) {
      const x = (this.s.x >>> 2) + r * d;
      const row = (this.wte >>> 2) + bytes[r] * d;
      for (let i = 0; i < d; i++) heap[x + i] = heap[row + i];
    }
    return this.byteStep(heap);
  }

  private byteStep(heap: Float32Array): Float32Array {
    const d = this.d;
    const wpe = (this.byteStack.wpe >>> 2) + this.byteStack.pos * d;
    const rows = this.byteRows;
    for (let r = 0; r < rows; r++) {
      const x = (this.s.x >>> 2) + r * d;
      for (let i = 0; i < d; i++) heap[x + i] += heap[wpe + i];
    }
    this.runPosition(this.byteStack, this.s.out, rows, false);
    this.k.matmat_oi(this.s.out, this.wte, this.s.logits, d, VOCAB_SIZE, rows);
    return heap.subarray(this.s.logits >>> 2, (this.s.logits >>> 2) + rows * VOCAB_SIZE);
  }

  /** x[r] = patch_embedding(one_hot(patch r)) + wpe[pos + ahead]: the one-hot product is a sum of weight rows. */
  private embedPatch(patches: ArrayLike<number>, r: number, ahead: number): void {
    const heap = this.arena.heap;
    const d = this.d;
    const size = this.config.patchSize;
    const w = this.patchEmbW >>> 2;
    const x = (this.s.x >>> 2) + r * d;
    const wpe = (this.patchStack.wpe >>> 2) + (this.patchStack.pos + ahead) * d;
    const bias = this.patchEmbB >>> 2;
    for (let j = 0; j < d; j++) heap[x + j] = heap[bias + j] + heap[wpe + j];
    for (let k = 0; k < size; k++) {
      const v = patches[r * size + k];
      if (!Number.isInteger(v) || v < 0 || v > SPECIAL) throw new Error(`patch value ${v} is outside 0..${SPECIAL}`);
      const row = w + (k * VOCAB_SIZE + v) * d;
      for (let j = 0; j < d; j++) heap[x + j] += heap[row + j];
    }
  }

  /**
   * Runs every block of `stack` on the `rows` inputs in scratch x; ln_f → out. Rows are samples (each
   * with its own cache, all at the stack's next position) or, with `prefill`, consecutive positions of
   * one sequence (cache 0). The matrix products take all rows at once (one weight read for all).
   */
  private runPosition(stack: Stack, out: number, rows: number, prefill: boolean): void {
    const d = this.d;
    const s = this.s;
    const rowBytes = d * 4;
    for (let l = 0; l < stack.blocks.length; l++) {
      const b = stack.blocks[l];
      for (let r = 0; r < rows; r++) this.k.layer_norm(s.x + r * rowBytes, b.ln1w, b.ln1b, s.h + r * rowBytes, d, LN_EPS);
      this.k.matmat_io(s.h, b.attnW, b.attnB, s.qkv, d, 3 * d, 0, rows);
      // Prefill writes every row's key and value first: row r then attends over positions ≤ pos + r only.
      for (let r = 0; r < rows; r++) this.storeKeyValue(stack, l, r, prefill);
      for (let r = 0; r < rows; r++) this.attend(stack, l, r, prefill);
      this.k.matmat_io(s.att, b.attnProjW, b.attnProjB, s.x, d, d, 1, rows);
      for (let r = 0; r < rows; r++) this.k.layer_norm(s.x + r * rowBytes, b.ln2w, b.ln2b, s.h + r * rowBytes, d, LN_EPS);
      this.k.matmat_io(s.h, b.fcW, b.fcB, s.fc, d, 4 * d, 0, rows);
      this.k.gelu(s.fc, rows * 4 * d);
      this.k.matmat_io(s.fc, b.mlpProjW, b.mlpProjB, s.x, 4 * d, d, 1, rows);
    }
    for (let r = 0; r < rows; r++) this.k.layer_norm(s.x + r * rowBytes, stack.lnFw, stack.lnFb, out + r * rowBytes, d, LN_EPS);
    stack.pos += prefill ? rows : 1;
  }

  /** Copies row r's new key and value into its cache (sample r's, or position pos + r of cache 0). */
  private storeKeyValue(stack: Stack, layer: number, r: number, prefill: boolean): void {
    const heap = this.arena.heap;
    const d = this.d;
    const slot = prefill ? 0 : r * stack.slotBytes;
    const pos = prefill ? stack.pos + r : stack.pos;
    const qkv = (this.s.qkv >>> 2) + r * 3 * d;
    heap.copyWithin(((stack.keys[layer] + slot) >>> 2) + pos * d, qkv + d, qkv + 2 * d);
    heap.copyWithin(((stack.values[layer] + slot) >>> 2) + pos * d, qkv + 2 * d, qkv + 3 * d);
  }

  /** Causal self-attention of row r's position over its cache, its own key and value included. */
  private attend(stack: Stack, layer: number, r: number, prefill: boolean): void {
    const heap = this.arena.heap;
    const d = this.d;
    const hd = this.headDim;
    const s = this.s;
    const slot = prefill ? 0 : r * stack.slotBytes;
    const pos = prefill ? stack.pos + r : stack.pos;
    const keys = stack.keys[layer] + slot;
    const values = stack.values[layer] + slot;
    const qkvPtr = s.qkv + r * 3 * d * 4;
    const attPtr = s.att + r * d * 4;
    const npos = pos + 1;
    const scale = 1 / Math.sqrt(hd);
    const scores = s.scores >>> 2;
    for (let h = 0; h < this.config.numHeads; h++) {
      const off = h * hd * 4;
      this.k.attn_scores(qkvPtr + off, keys + off, s.scores, npos, hd, d * 4, scale);
      softmaxInPlace(heap, scores, npos);
      this.k.attn_mix(s.scores, values + off, attPtr + off, npos, hd, d * 4);
    }
  }
}

/** Writes the [cols, rows] transpose of the row-major [rows, cols] matrix `data` into `out`. */
export function transposeInto(data: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
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
