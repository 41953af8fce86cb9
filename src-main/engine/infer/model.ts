// bGPT (arXiv 2402.19155 §3) for one-position-at-a-time inference on plain float32 memory: the patch-level
// and byte-level GPT-2 decoders each keep a key/value cache, so a new patch costs one patch-level position
// and a new byte one byte-level position, instead of the reference's full recompute per byte. The weight
// matrices are float32, float16 or Q8_0 (pack.ts); each position's steps run on one thread or are split
// between several that share the memory (shard.ts, threads.ts), with the same bits either way.
import { VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import { SPECIAL } from '../../shared/patches';
import { UserError } from '../../shared/errors';
import { BYTE_PREFIX, BYTE_WTE, PATCH_PREFIX, checkTensors } from '../model/weights';
import type { Tensor } from '../io/safetensors';
import { Arena, kernelModule, type Kernels } from './arena';
import { conv1dRows, linearRows, packF16, packQ8, packedBytes, packedLd, type Precision, type RowSource } from './pack';
import { PHASE, Shard, type BlockSlots, type Layout, type MatrixSlot, type StackSlots, type Step, type ThreadScratch } from './shard';
import type { Worker } from 'node:worker_threads';
import { ThreadPool, MAX_THREADS } from './threads';

/** GPT-2's layer-norm epsilon (HF GPT2Config.layer_norm_epsilon). */
const LN_EPS = 1e-5;

/** How one checkpoint tensor is stored: as in the file, transposed (the patch embedding), or packed to the model's precision. */
export interface Placement {
  /** Float32 elements of the tensor. */
  floats: number;
  /** Stored as read (PyTorch layout, float32) at this byte offset. */
  ptr?: number;
  /** The patch embedding, stored [cols, rows] from torch's [rows, cols] at `ptr`. */
  transposed?: { rows: number; cols: number };
  /** A matrix packed to float16 / Q8_0: `conv1d` says its file layout is [nin, nout] (else Linear [nout, nin]). */
  packed?: { slot: MatrixSlot; conv1d: boolean };
  /** The byte embedding is also the LM head: packed here as well when the precision is not float32. */
  alsoHead?: MatrixSlot;
}

/**
 * Writes a checkpoint tensor's float32 values, in its PyTorch layout, into `into` (exactly its size). For a
 * tensor stored as read, `into` is its place in the model: a streaming loader reads the file straight into it.
 */
export type TensorFill = (name: string, into: Float32Array) => void | Promise<void>;

/**
 * Changes a tensor's float32 values (PyTorch layout) in place after they are read and before they are
 * stored or packed: the place to merge an adapter, W + s·(BA)ᵀ, so quantisation sees the merged weights.
 */
export type MergeHook = (name: string, data: Float32Array) => void;

/** How a model holds and runs its weights. */
export interface ModelOptions {
  /** Weight format of the matrices (default f32: exact). */
  precision?: Precision;
  /** Threads the model may later use (startThreads): each needs its own scratch (default 1). */
  maxThreads?: number;
  /** Applied to every tensor as it is loaded (see MergeHook). */
  merge?: MergeHook;
}

const PATCH_EMB_W = `${PATCH_PREFIX}patch_embedding.weight`;

function need(tensors: Map<string, Tensor>, name: string): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new Error(`tensor ${name} missing after checkTensors`);
  return t.data;
}

/** Models decoded in lockstep at most: each sample adds its own caches (37 MB at paper size). */
export const MAX_BATCH = 64;

/** Ends a collected model's worker threads (a safety net: dispose() is the way). */
const orphans = new FinalizationRegistry<ThreadPool>((pool) => void pool.close());

/**
 * One bGPT model ready for cached inference. It holds `batch` patch-level and byte-level caches, so it
 * decodes up to `batch` sequences in lockstep (they share every weight read, see kernels.wat); one
 * model runs one such decoding at a time.
 */
export class InferenceModel {
  private readonly arena = new Arena();
  private readonly k: Kernels;
  private readonly d: number;
  private readonly places = new Map<string, Placement>();
  private readonly patchEmbW: number;
  private readonly patchEmbB: number;
  private readonly wte: number;
  private readonly layout: Layout;
  /** Positions already in each stack's cache [patch, byte] (the samples of a batch advance in lockstep). */
  private readonly pos: [number, number] = [0, 0];
  /** The latest patch-level outputs (ln_f applied) [batch, d]: the byte decoder's first inputs. */
  private readonly feature: number;
  private readonly merge: MergeHook | undefined;
  private readonly shard: Shard;
  private pool: ThreadPool | null = null;
  private weightBytesUsed = 0;
  private hasFeature = false;
  private busy = false;
  private disposed = false;
  /** Samples in the current sequence (set by its first patch). */
  private rows = 0;
  /** Rows of `feature` the last patch step left (samples, or positions after a prefill). */
  private featureRows = 0;
  /** Rows the byte decoder is running (set by beginBytesAll from featureRows). */
  private byteRows = 0;
  /** Samples this model can decode at once. */
  readonly batch: number;
  readonly precision: Precision;
  /** Threads this model may use (startThreads up to this). */
  readonly maxThreads: number;

  /**
   * Copies the checkpoint tensors (checked against `config`, naming any bad tensor) into wasm memory,
   * packed to `opts.precision`. With `tensors` null the weights are left zero for `fill` (streaming from
   * a file without a copy). `batch` sets how many samples it can decode in lockstep (caches for each).
   */
  constructor(readonly config: BGPTConfig, tensors: Map<string, Tensor> | null, source = 'weights', batch = 1, opts: ModelOptions = {}) {
    if (!(Number.isInteger(batch) && batch >= 1 && batch <= MAX_BATCH)) throw new UserError(`samples at once must be a whole number from 1 to ${MAX_BATCH}, got ${batch}`, 'BAD_ARGS');
    const maxThreads = opts.maxThreads ?? 1;
    if (!(Number.isInteger(maxThreads) && maxThreads >= 1 && maxThreads <= MAX_THREADS)) throw new UserError(`threads must be a whole number from 1 to ${MAX_THREADS}, got ${maxThreads}`, 'BAD_ARGS');
    if (tensors) checkTensors(config, tensors, source);
    this.batch = batch;
    this.precision = opts.precision ?? 'f32';
    this.maxThreads = maxThreads;
    this.merge = opts.merge;
    const d = config.hiddenSize;
    this.d = d;
    const a = this.arena;
    // Stored [inputs, d] (transposed from torch's [d, inputs]) so a one-hot input selects a contiguous row.
    this.patchEmbW = this.placeDirect(PATCH_EMB_W, d * config.patchSize * VOCAB_SIZE, { rows: d, cols: config.patchSize * VOCAB_SIZE });
    this.patchEmbB = this.placeDirect(`${PATCH_PREFIX}patch_embedding.bias`, d);
    // The LM head is tied to the byte embedding, as in the reference (GPT2LMHeadModel ties them): float32
    // rows for the embedding, and the same matrix packed for the head when the precision is not float32.
    this.wte = this.placeDirect(BYTE_WTE, VOCAB_SIZE * d);
    const head = this.headSlot();
    const patchStack = this.placeStack(`${PATCH_PREFIX}base.`, config.patchNumLayers, config.patchLength);
    const byteStack = this.placeStack(`${BYTE_PREFIX}transformer.`, config.byteNumLayers, config.patchSize + 1);
    const maxPos = Math.max(config.patchLength, config.patchSize + 1);
    const ldq = this.precision === 'q8' ? packedLd('q8', 4 * d) : 0;
    // Q8_0 activations are i16 (see quantize_q8), one float32 scale per 32.
    const threads: ThreadScratch[] = [];
    for (let t = 0; t < maxThreads; t++) {
      threads.push({
        h: a.alloc(batch * d), scores: a.alloc(maxPos),
        q: ldq ? a.allocBytes(batch * ldq * 2) : 0, qd: ldq ? a.alloc(batch * (ldq / 32)) : 0,
      });
    }
    this.layout = {
      precision: this.precision, d, heads: config.numHeads, headDim: d / config.numHeads, vocab: VOCAB_SIZE, eps: LN_EPS,
      stacks: [patchStack, byteStack], head,
      x: a.alloc(batch * d), qkv: a.alloc(batch * 3 * d), att: a.alloc(batch * d), fc: a.alloc(batch * 4 * d), logits: a.alloc(batch * VOCAB_SIZE),
      threads,
    };
    this.feature = a.alloc(batch * d);
    a.seal();
    this.k = a.kernels;
    this.shard = new Shard(this.layout, this.k, a.heap, 0);
    if (tensors) this.fillSync((name) => need(tensors, name));
  }

  /** Reserves a float32 tensor stored as read (or transposed). */
  private placeDirect(name: string, floats: number, transposed?: Placement['transposed']): number {
    const ptr = this.arena.alloc(floats);
    this.weightBytesUsed += floats * 4;
    this.places.set(name, { ptr, floats, transposed });
    return ptr;
  }

  /** Reserves a weight matrix [nin, nout] (Conv1D) and its bias: float32 as read, or packed. */
  private placeMatrix(name: string, bias: string, nin: number, nout: number): MatrixSlot {
    const b = this.placeDirect(bias, nout);
    if (this.precision === 'f32') return { nin, nout, layout: 'io', w: this.placeDirect(name, nin * nout), ws: 0, b, ld: nin };
    const slot = this.packedSlot(nin, nout, b);
    this.places.set(name, { floats: nin * nout, packed: { slot, conv1d: true } });
    return slot;
  }

  private packedSlot(nin: number, nout: number, b: number): MatrixSlot {
    const precision = this.precision as Exclude<Precision, 'f32'>;
    const bytes = packedBytes(precision, nin, nout);
    this.weightBytesUsed += bytes.weights + bytes.scales;
    const w = this.arena.allocBytes(bytes.weights);
    const ws = bytes.scales ? this.arena.allocBytes(bytes.scales) : 0;
    return { nin, nout, layout: 'packed', w, ws, b, ld: packedLd(precision, nin) };
  }

  /** The LM head: the byte embedding itself (float32, Linear layout), or a packed copy of it with a zero bias. */
  private headSlot(): MatrixSlot {
    const d = this.d;
    if (this.precision === 'f32') return { nin: d, nout: VOCAB_SIZE, layout: 'oi', w: this.wte, ws: 0, b: 0, ld: d };
    this.weightBytesUsed += VOCAB_SIZE * 4;
    const slot = this.packedSlot(d, VOCAB_SIZE, this.arena.alloc(VOCAB_SIZE));
    (this.places.get(BYTE_WTE) as Placement).alsoHead = slot;
    return slot;
  }

  private placeBlock(prefix: string): BlockSlots {
    const d = this.d;
    const p = (suffix: string) => this.placeDirect(prefix + suffix, d);
    const m = (name: string, nin: number, nout: number) => this.placeMatrix(`${prefix}${name}.weight`, `${prefix}${name}.bias`, nin, nout);
    return {
      ln1w: p('ln_1.weight'), ln1b: p('ln_1.bias'),
      attn: m('attn.c_attn', d, 3 * d), attnProj: m('attn.c_proj', d, d),
      ln2w: p('ln_2.weight'), ln2b: p('ln_2.bias'),
      fc: m('mlp.c_fc', d, 4 * d), mlpProj: m('mlp.c_proj', 4 * d, d),
    };
  }

  private placeStack(prefix: string, layers: number, maxPos: number): StackSlots {
    const d = this.d;
    const blocks: BlockSlots[] = [];
    for (let i = 0; i < layers; i++) blocks.push(this.placeBlock(`${prefix}h.${i}.`));
    const keys: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < layers; i++) {
      keys.push(this.arena.alloc(this.batch * maxPos * d));
      values.push(this.arena.alloc(this.batch * maxPos * d));
    }
    return {
      blocks,
      lnFw: this.placeDirect(`${prefix}ln_f.weight`, d),
      lnFb: this.placeDirect(`${prefix}ln_f.bias`, d),
      wpe: this.placeDirect(`${prefix}wpe.weight`, maxPos * d),
      maxPos, keys, values, slotBytes: maxPos * d * 4,
    };
  }

  /** The tensor names the model reads, with how each is stored (for streaming loaders). */
  get placements(): ReadonlyMap<string, Placement> {
    return this.places;
  }

  /** Copies each tensor from `get(name)` (PyTorch layout) into its place; sync, for in-memory tensors. */
  private fillSync(get: (name: string) => Float32Array): void {
    for (const [name, p] of this.places) {
      const into = this.target(p);
      into.set(get(name));
      this.store(name, p, into);
    }
    this.loaded();
  }

  /**
   * Fills every weight through `fill`, which writes a tensor's float32 values in its PyTorch layout into
   * the view it gets: the tensor's place itself when it is stored as read, so a streaming loader never
   * holds the file and the model at once. Then the merge hook, then transposing or packing.
   */
  async fill(fill: TensorFill): Promise<void> {
    for (const [name, p] of this.places) {
      const into = this.target(p);
      await fill(name, into);
      this.store(name, p, into);
    }
    this.loaded();
  }

  /** The loading buffers are garbage once every tensor is in place. */
  private loaded(): void {
    this.scratch = undefined;
    this.transposed = undefined;
  }

  private scratch: Float32Array | undefined;

  /** Where a tensor's float32 values go first: its place, or (transposed or packed) a reused buffer. */
  private target(p: Placement): Float32Array {
    if (p.ptr !== undefined && !p.transposed) return this.arena.heap.subarray(p.ptr >>> 2, (p.ptr >>> 2) + p.floats);
    if (!this.scratch || this.scratch.length < p.floats) this.scratch = new Float32Array(p.floats);
    return this.scratch.subarray(0, p.floats);
  }

  /** Merges, then transposes or packs a tensor whose float32 values are in `data`. */
  private store(name: string, p: Placement, data: Float32Array): void {
    this.merge?.(name, data);
    const heap = this.arena.heap;
    if (p.transposed) transposeInto(data, p.transposed.rows, p.transposed.cols, heap.subarray(p.ptr as number >>> 2, (p.ptr as number >>> 2) + p.floats));
    if (p.packed) {
      const { slot, conv1d } = p.packed;
      this.transposed ??= new Float32Array(this.largestMatrix());
      this.pack(slot, conv1d ? conv1dRows(data, slot.nin, slot.nout, this.transposed) : linearRows(data, slot.nin, slot.nout));
    }
    if (p.alsoHead) this.pack(p.alsoHead, linearRows(data, p.alsoHead.nin, p.alsoHead.nout));
  }

  /** Reused by every Conv1D matrix while packing (one matrix's worth; dropped once loaded). */
  private transposed: Float32Array | undefined;

  private largestMatrix(): number {
    let n = 0;
    for (const p of this.places.values()) if (p.packed) n = Math.max(n, p.floats);
    return n;
  }

  private pack(slot: MatrixSlot, rows: RowSource): void {
    const buf = this.arena.heap.buffer;
    const n = slot.nout * slot.ld;
    if (this.precision === 'f16') packF16(rows, new Uint16Array(buf, slot.w, n));
    else packQ8(rows, new Int8Array(buf, slot.w, n), new Float32Array(buf, slot.ws, packedBytes('q8', slot.nin, slot.nout).scales / 4));
  }

  /** Bytes of wasm memory this model reserves (weights, both caches for every sample, scratch). */
  get memoryBytes(): number {
    return this.arena.bytes;
  }

  /** Bytes of the weights in memory (what stays resident however little the model is used). */
  get weightBytes(): number {
    return this.weightBytesUsed;
  }

  /** Bytes of one sample's key/value caches (touched only by the samples a run uses). */
  get cacheBytesPerSample(): number {
    const [p, b] = this.layout.stacks;
    return (p.keys.length * p.slotBytes + b.keys.length * b.slotBytes) * 2;
  }

  /** Threads running each step (1 until startThreads). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** The worker threads helping this model (none with one thread); each ends when the model is disposed. */
  get workerThreads(): readonly Worker[] {
    return this.pool?.workerThreads ?? [];
  }

  /**
   * Splits every step between `threads` threads from now on (worker threads sharing this model's memory;
   * at most maxThreads). Results are bit-identical to one thread's. Resolves when the workers are ready.
   */
  async startThreads(threads: number): Promise<void> {
    if (this.disposed) throw new Error('the model was disposed');
    if (!(Number.isInteger(threads) && threads >= 1 && threads <= this.maxThreads)) throw new UserError(`this model was loaded for 1 to ${this.maxThreads} threads, asked for ${threads}`, 'BAD_ARGS');
    if (this.busy) throw new UserError('this model is busy: change its threads between runs', 'BUSY');
    await this.stopThreads();
    if (threads === 1) return;
    this.pool = await ThreadPool.start(kernelModule(), this.arena.memory, this.layout, this.shard, threads);
    orphans.register(this, this.pool, this);
  }

  private async stopThreads(): Promise<void> {
    if (!this.pool) return;
    orphans.unregister(this);
    const pool = this.pool;
    this.pool = null;
    await pool.close();
  }

  /** Ends the model's worker threads; the model keeps working on one thread (its memory is freed once unreferenced). */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopThreads();
  }

  /** Runs one step on every thread. */
  private exec(step: Step): void {
    if (this.pool) this.pool.run(step);
    else this.shard.run(step);
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
    return this.pos[0];
  }

  /** Forgets every patch: the next `pushPatch` is patch 0 of a new sequence. */
  reset(): void {
    this.pos[0] = 0;
    this.pos[1] = 0;
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
    if (this.pos[0] === 0) this.rows = rows;
    else if (rows !== this.rows) throw new Error(`this sequence decodes ${this.rows} samples, got ${rows} patches`);
    if (this.pos[0] >= patchLength) throw new Error(`the window holds ${patchLength} patches`);
    for (let r = 0; r < rows; r++) this.embedPatch(patches, r, 0);
    this.runPosition(0, rows, false);
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
    if (this.pos[0] === 0) this.rows = 1;
    else if (this.rows !== 1) throw new Error(`prefill reads one sequence; this one decodes ${this.rows} samples`);
    if (this.pos[0] + n > patchLength) throw new Error(`the window holds ${patchLength} patches`);
    for (let r = 0; r < n; r++) this.embedPatch(patches, r, r);
    this.runPosition(0, n, true);
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
    const x = this.layout.x >>> 2;
    this.byteRows = this.featureRows;
    heap.copyWithin(x, this.feature >>> 2, (this.feature >>> 2) + this.byteRows * this.d);
    this.pos[1] = 0;
    return this.byteStep(heap);
  }

  /** Feeds one byte (0..256) of the patch being decoded and returns the logits of the byte after it. */
  pushByte(byte: number): Float32Array {
    if (this.byteRows !== 1) throw new Error(`pushByte decodes one row; the byte decoder runs ${this.byteRows} (use pushBytes)`);
    return this.pushBytes([byte]);
  }

  /** `pushByte` for every sample: one byte each (a finished sample may be fed anything); logits [rows, 257]. */
  pushBytes(bytes: ArrayLike<number>): Float32Array {
    if (this.pos[1] === 0 || this.pos[1] >= this.layout.stacks[1].maxPos) {
      throw new Error(`pushByte needs beginBytes first and takes at most ${this.config.patchSize} bytes a patch`);
    }
    if (bytes.length !== this.byteRows) throw new Error(`the byte decoder runs ${this.byteRows} rows, got ${bytes.length} bytes`);
    const heap = this.arena.heap;
    const d = this.d;
    for (let r = 0; r < this.byteRows; r++) {
      const x = (this.layout.x >>> 2) + r * d;
      const row = (this.wte >>> 2) + bytes[r] * d;
      for (let i = 0; i < d; i++) heap[x + i] = heap[row + i];
    }
    return this.byteStep(heap);
  }

  private byteStep(heap: Float32Array): Float32Array {
    const d = this.d;
    const wpe = (this.layout.stacks[1].wpe >>> 2) + this.pos[1] * d;
    const rows = this.byteRows;
    for (let r = 0; r < rows; r++) {
      const x = (this.layout.x >>> 2) + r * d;
      for (let i = 0; i < d; i++) heap[x + i] += heap[wpe + i];
    }
    this.runPosition(1, rows, false);
    const logits = this.layout.logits >>> 2;
    return heap.subarray(logits, logits + rows * VOCAB_SIZE);
  }

  /** x[r] = patch_embedding(one_hot(patch r)) + wpe[pos + ahead]: the one-hot product is a sum of weight rows. */
  private embedPatch(patches: ArrayLike<number>, r: number, ahead: number): void {
    const heap = this.arena.heap;
    const d = this.d;
    const size = this.config.patchSize;
    const w = this.patchEmbW >>> 2;
    const x = (this.layout.x >>> 2) + r * d;
    const wpe = (this.layout.stacks[0].wpe >>> 2) + (this.pos[0] + ahead) * d;
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
   * Runs every block of a stack (0: patch-level, 1: byte-level) on the `rows` inputs in scratch x, then
   * ln_f: into the patch feature, or (byte level) through the LM head into the logits. Rows are samples
   * (each with its own cache, all at the stack's next position) or, with `prefill`, consecutive positions
   * of one sequence (cache 0). The matrix products take all rows at once (one weight read for all).
   */
  private runPosition(stack: 0 | 1, rows: number, prefill: boolean): void {
    const s = this.layout.stacks[stack];
    const pos = this.pos[stack];
    for (let layer = 0; layer < s.blocks.length; layer++) {
      for (const phase of BLOCK_PHASES) this.exec({ phase, stack, layer, rows, prefill, pos });
    }
    if (stack === 1) this.exec({ phase: PHASE.head, stack, layer: 0, rows, prefill, pos });
    else {
      const bytes = this.d * 4;
      for (let r = 0; r < rows; r++) this.k.layer_norm(this.layout.x + r * bytes, s.lnFw, s.lnFb, this.feature + r * bytes, this.d, LN_EPS);
    }
    this.pos[stack] += prefill ? rows : 1;
  }
}

/** A block's four steps; each needs whole vectors that every thread helped make. */
const BLOCK_PHASES = [PHASE.attention, PHASE.attnProj, PHASE.mlpUp, PHASE.mlpDown] as const;

/** Writes the [cols, rows] transpose of the row-major [rows, cols] matrix `data` into `out`. */
export function transposeInto(data: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
}
