// The steps of a decoder position, cut into chunks that any thread may run (model.ts drives the steps;
// threads.ts lets worker threads over the same wasm memory claim chunks too). Every matrix product is
// split by output: a chunk is one attention head (its q, k, v columns, cache columns and attention), a
// range of columns of the residual stream or of the MLP, or a range of rows of the LM head. A column's
// arithmetic does not depend on who computes it, so any number of threads gives exactly the bits of one.
// Before its first chunk of a step, each thread computes the layer norm (and the Q8_0 activations) of
// the whole input into its own scratch: a few thousand operations, and no barrier per norm.
import type { Kernels } from './arena';
import type { Precision } from './pack';

/** A weight matrix in the arena: float32 in its PyTorch layout (`io`: Conv1D [nin, nout]; `oi`: Linear [nout, nin]), or packed [nout, ld]. */
export interface MatrixSlot {
  nin: number;
  nout: number;
  layout: 'io' | 'oi' | 'packed';
  /** Byte offsets: weights, Q8_0 scales (0 when none), bias (a zero vector for the LM head when packed). */
  w: number;
  ws: number;
  b: number;
  /** Packed row length (inputs rounded up to the format's block); nin for float32. */
  ld: number;
}

/** Byte offsets of one GPT-2 block's parameters. */
export interface BlockSlots {
  ln1w: number; ln1b: number;
  attn: MatrixSlot; attnProj: MatrixSlot;
  ln2w: number; ln2b: number;
  fc: MatrixSlot; mlpProj: MatrixSlot;
}

/** A GPT-2 stack's parameters and key/value caches ([batch, maxPos, d] per layer). */
export interface StackSlots {
  blocks: BlockSlots[];
  lnFw: number; lnFb: number;
  /** Learned positions [maxPos, d]. */
  wpe: number;
  maxPos: number;
  keys: number[];
  values: number[];
  /** Bytes between one sample's cache and the next (maxPos · d floats). */
  slotBytes: number;
}

/** A thread's own scratch: layer-norm outputs [batch, d], attention scores [maxPos], Q8_0 activations [batch, ld] (i16) and their scales. */
export interface ThreadScratch {
  h: number;
  scores: number;
  q: number;
  qd: number;
}

/** Everything a thread needs to run its share: plain numbers, so it crosses to a worker as is. */
export interface Layout {
  precision: Precision;
  d: number;
  heads: number;
  headDim: number;
  vocab: number;
  eps: number;
  /** [patch-level, byte-level]. */
  stacks: [StackSlots, StackSlots];
  /** The LM head (tied to the byte embedding). */
  head: MatrixSlot;
  /** Shared scratch, row r = sample (or prefilled position) r: residual [batch, d], qkv [batch, 3d], attention [batch, d], MLP [batch, 4d], logits [batch, vocab]. */
  x: number; qkv: number; att: number; fc: number; logits: number;
  /** One per thread the model can use (thread 0 is the caller's). */
  threads: ThreadScratch[];
}

/** The steps of a position between which every thread waits for the others (each needs a whole vector the others helped make). */
export const PHASE = { attention: 1, attnProj: 2, mlpUp: 3, mlpDown: 4, head: 5, stop: 6 } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];

/** One step for every thread: which phase of which layer of which stack, on how many rows. */
export interface Step {
  phase: Phase;
  /** 0: patch-level, 1: byte-level. */
  stack: 0 | 1;
  layer: number;
  rows: number;
  /** Rows are consecutive positions of one sequence (cache 0), not samples. */
  prefill: boolean;
  /** The stack's position before this step. */
  pos: number;
}

/** Output columns (or rows) a chunk of a product takes at least: wide enough to stream memory well. */
const MIN_CHUNK = 64;
/** Chunks a product is cut into at most: enough for threads to share the work evenly, and to take over a late one's. */
const MAX_CHUNKS = 12;

/** n outputs cut into at most MAX_CHUNKS ranges of at least MIN_CHUNK, boundaries at multiples of 16. */
export function chunkRanges(n: number): Array<[number, number]> {
  const count = Math.max(1, Math.min(MAX_CHUNKS, Math.floor(n / MIN_CHUNK)));
  const at = (i: number) => (i === count ? n : Math.round((n * i) / count / 16) * 16);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) out.push([at(i), at(i + 1)]);
  return out;
}

/** Thread t's view of every step, over the arena `heap` with its own instance `k` of the kernels. */
export class Shard {
  private readonly my: ThreadScratch;
  /** The chunks of the residual-stream products, the MLP's first product and the LM head. */
  private readonly cols: Array<[number, number]>;
  private readonly mlp: Array<[number, number]>;
  private readonly vocab: Array<[number, number]>;

  constructor(private readonly L: Layout, private readonly k: Kernels, private readonly heap: Float32Array, readonly t: number) {
    this.my = L.threads[t];
    this.cols = chunkRanges(L.d);
    this.mlp = chunkRanges(4 * L.d);
    this.vocab = chunkRanges(L.vocab);
  }

  /** Chunks of a step (the same in every thread). */
  chunks(phase: Phase): number {
    switch (phase) {
      case PHASE.attention: return this.L.heads;
      case PHASE.attnProj: case PHASE.mlpDown: return this.cols.length;
      case PHASE.mlpUp: return this.mlp.length;
      case PHASE.head: return this.vocab.length;
      default: return 0;
    }
  }

  /** The whole step on this thread alone: its chunks merged into one range, fewer kernel calls, the same bits. */
  run(step: Step): void {
    this.prelude(step);
    this.span(step, 0, this.chunks(step.phase));
  }

  /** What this thread computes for itself before its first chunk of a step: the norm and quantised input. */
  prelude(step: Step): void {
    const { L } = this;
    const b = L.stacks[step.stack].blocks[step.layer];
    const rows = step.rows;
    switch (step.phase) {
      case PHASE.attention:
        this.norm(b.ln1w, b.ln1b, rows);
        return this.prepare(this.my.h, L.d, rows, b.attn);
      case PHASE.attnProj:
        return this.prepare(L.att, L.d, rows, b.attnProj);
      case PHASE.mlpUp:
        this.norm(b.ln2w, b.ln2b, rows);
        return this.prepare(this.my.h, L.d, rows, b.fc);
      case PHASE.mlpDown:
        return this.prepare(L.fc, 4 * L.d, rows, b.mlpProj);
      case PHASE.head: {
        const s = L.stacks[step.stack];
        this.norm(s.lnFw, s.lnFb, rows);
        return this.prepare(this.my.h, L.d, rows, L.head);
      }
      default:
        throw new Error(`unknown inference step ${step.phase}`);
    }
  }

  /** Chunk i of a step (after this thread's prelude of that step). */
  chunk(step: Step, i: number): void {
    this.span(step, i, i + 1);
  }

  /** Chunks [i0, i1) of a step: products over the union of their outputs (a column's bits do not depend on the range it is computed in). */
  private span(step: Step, i0: number, i1: number): void {
    const { L } = this;
    const d = L.d;
    const b = L.stacks[step.stack].blocks[step.layer];
    const rows = step.rows;
    const range = (r: Array<[number, number]>): [number, number] => [r[i0][0], r[i1 - 1][1]];
    switch (step.phase) {
      case PHASE.attention: {
        const hd = L.headDim;
        // Heads i0..i1's q, k and v: three column ranges of c_attn.
        for (let p = 0; p < 3; p++) this.product(b.attn, this.my.h, rows, L.qkv, 3 * d, p * d + i0 * hd, p * d + i1 * hd, 0);
        // Prefill writes every row's key and value first: row r then attends over positions ≤ pos + r only.
        for (let h = i0; h < i1; h++) {
          for (let r = 0; r < rows; r++) this.storeKeyValue(step, r, h);
          for (let r = 0; r < rows; r++) this.attend(step, r, h);
        }
        return;
      }
      case PHASE.attnProj: {
        const [c0, c1] = range(this.cols);
        return this.product(b.attnProj, L.att, rows, L.x, d, c0, c1, 1);
      }
      case PHASE.mlpUp: {
        const [f0, f1] = range(this.mlp);
        this.product(b.fc, this.my.h, rows, L.fc, 4 * d, f0, f1, 0);
        for (let r = 0; r < rows; r++) this.k.gelu(L.fc + (r * 4 * d + f0) * 4, f1 - f0);
        return;
      }
      case PHASE.mlpDown: {
        const [c0, c1] = range(this.cols);
        return this.product(b.mlpProj, L.fc, rows, L.x, d, c0, c1, 1);
      }
      case PHASE.head: {
        const [v0, v1] = range(this.vocab);
        return this.product(L.head, this.my.h, rows, L.logits, L.vocab, v0, v1, 0);
      }
      default:
        throw new Error(`unknown inference step ${step.phase}`);
    }
  }

  /** LayerNorm of every row of the residual stream into this thread's h. */
  private norm(w: number, b: number, rows: number): void {
    const bytes = this.L.d * 4;
    for (let r = 0; r < rows; r++) this.k.layer_norm(this.L.x + r * bytes, w, b, this.my.h + r * bytes, this.L.d, this.L.eps);
  }

  /** Q8_0 weights multiply Q8_0 activations: quantise the product's input (whole rows) into this thread's scratch. */
  private prepare(x: number, nin: number, rows: number, m: MatrixSlot): void {
    if (this.L.precision === 'q8') this.k.quantize_q8(x, this.my.q, this.my.qd, nin, rows, m.ld);
  }

  /** Outputs [o0, o1) of `m` for `rows` rows of x into y (row stride ldy); acc adds them to y. */
  private product(m: MatrixSlot, x: number, rows: number, y: number, ldy: number, o0: number, o1: number, acc: 0 | 1): void {
    if (o1 <= o0) return;
    const n = o1 - o0;
    const k = this.k;
    if (m.layout === 'io') {
      if (ldy !== m.nout) throw new Error(`Conv1D output stride ${ldy} is not its width ${m.nout}`);
      k.matmat_io(x, m.w + o0 * 4, m.b + o0 * 4, y + o0 * 4, m.nin, m.nout, acc, rows, n);
    } else if (m.layout === 'oi') {
      k.matmat_oi(x, m.w + o0 * m.nin * 4, y + o0 * 4, m.nin, n, rows, ldy);
    } else if (this.L.precision === 'f16') {
      k.matmat_f16(x, m.w + o0 * m.ld * 2, m.b + o0 * 4, y + o0 * 4, m.nin, m.ld, acc, rows, n, ldy);
    } else {
      // Q8_0 scales come in groups of four rows (pack.ts q8ScaleIndex): rows before the first multiple of
      // four go one at a time (the kernel's single-row path, the same arithmetic as a group's).
      const nb = m.ld / 32;
      let o = o0;
      for (; o < o1 && (o & 3) !== 0; o++) {
        k.matmat_q8(this.my.q, this.my.qd, m.w + o * m.ld, m.ws + ((o >> 2) * nb * 4 + (o & 3)) * 4, m.b + o * 4, y + o * 4, m.ld, acc, rows, 1, ldy);
      }
      if (o < o1) k.matmat_q8(this.my.q, this.my.qd, m.w + o * m.ld, m.ws + (o >> 2) * nb * 16, m.b + o * 4, y + o * 4, m.ld, acc, rows, o1 - o, ldy);
    }
  }

  /** Copies row r's new key and value (head h's columns) into its cache (sample r's, or position pos + r of cache 0). */
  private storeKeyValue(step: Step, r: number, h: number): void {
    const { L, heap } = this;
    const d = L.d;
    const s = L.stacks[step.stack];
    const slot = step.prefill ? 0 : r * s.slotBytes;
    const pos = step.prefill ? step.pos + r : step.pos;
    const c0 = h * L.headDim;
    const c1 = c0 + L.headDim;
    const qkv = (L.qkv >>> 2) + r * 3 * d;
    heap.copyWithin(((s.keys[step.layer] + slot) >>> 2) + pos * d + c0, qkv + d + c0, qkv + d + c1);
    heap.copyWithin(((s.values[step.layer] + slot) >>> 2) + pos * d + c0, qkv + 2 * d + c0, qkv + 2 * d + c1);
  }

  /** Causal self-attention of row r's position over its cache, its own key and value included, for head h. */
  private attend(step: Step, r: number, h: number): void {
    const { L, heap, k } = this;
    const d = L.d;
    const hd = L.headDim;
    const s = L.stacks[step.stack];
    const slot = step.prefill ? 0 : r * s.slotBytes;
    const pos = step.prefill ? step.pos + r : step.pos;
    const keys = s.keys[step.layer] + slot;
    const values = s.values[step.layer] + slot;
    const qkvPtr = L.qkv + r * 3 * d * 4;
    const attPtr = L.att + r * d * 4;
    const npos = pos + 1;
    const scale = 1 / Math.sqrt(hd);
    const scores = this.my.scores;
    const off = h * hd * 4;
    k.attn_scores(qkvPtr + off, keys + off, scores, npos, hd, d * 4, scale);
    softmaxInPlace(heap, scores >>> 2, npos);
    k.attn_mix(scores, values + off, attPtr + off, npos, hd, d * 4);
  }
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
