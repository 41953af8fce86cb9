// A WebAssembly memory holding one model's weights, caches and scratch, with the SIMD kernels of
// kernels.wat instantiated over it. Each arena is independent: no state is shared between models. The
// memory is shared (SharedArrayBuffer) so a model's worker threads (threads.ts) can run the kernels
// over the same weights; with one thread nothing else ever sees it.
import { KERNELS_WASM_BASE64 } from './kernels-wasm';

const WASM_PAGE_BYTES = 65536;
/** 16-byte alignment lets v128 loads of every buffer start on a vector boundary. */
const ALIGN_BYTES = 16;
/** wasm32 addresses 4 GiB; V8 allows 65536 pages of 64 KiB. */
const MAX_PAGES = 65536;

/** The exported kernels; pointers are byte offsets into the arena's memory, counts are float32 elements. */
export interface Kernels {
  /** GPT-2 Conv1D: y = x·W + b (acc 0) or y += x·W + b (acc 1); W stored [nin, nout]. */
  matvec_io(x: number, w: number, b: number, y: number, nin: number, nout: number, acc: 0 | 1): void;
  /** Linear without bias: y[o] = W[o,:]·x; W stored [nout, nin]. */
  matvec_oi(x: number, w: number, y: number, nin: number, nout: number): void;
  /**
   * matvec_io for `rows` samples at once, columns 0..ncols of W (w, b, y offset to the first one): X [rows, nin] →
   * Y [rows, nout]; per sample and column bit-identical to matvec_io.
   */
  matmat_io(x: number, w: number, b: number, y: number, nin: number, nout: number, acc: 0 | 1, rows: number, ncols: number): void;
  /** matvec_oi for `rows` samples at once: X [rows, nin] → Y [rows, ldy]; per sample bit-identical to matvec_oi. */
  matmat_oi(x: number, w: number, y: number, nin: number, nout: number, rows: number, ldy: number): void;
  /** Y = X·Wᵀ + b (Y += … when acc) with W float16 [nout, ldk] (pack.ts): X [rows, nin], Y [rows, ldy]. */
  matmat_f16(x: number, w: number, b: number, y: number, nin: number, ldk: number, acc: 0 | 1, rows: number, nout: number, ldy: number): void;
  /** Q8_0 activations: X [rows, nin] float32 → Q [rows, ldq] int8 and per-32 scales D [rows, ldq / 32]. */
  quantize_q8(x: number, q: number, d: number, nin: number, rows: number, ldq: number): void;
  /** Y = X·Wᵀ + b (Y += … when acc) with Q8_0 weights W [nout, ldq], scales WS [nout, ldq / 32], X as quantize_q8 left it. */
  matmat_q8(q: number, d: number, w: number, ws: number, b: number, y: number, ldq: number, acc: 0 | 1, rows: number, nout: number, ldy: number): void;
  /** s[t] = scale · q·k_t for t < npos; k_t starts `stride` bytes after k_{t-1}. */
  attn_scores(q: number, k: number, s: number, npos: number, hd: number, stride: number, scale: number): void;
  /** out = Σ_t p[t] · v_t for t < npos; v_t starts `stride` bytes after v_{t-1}. */
  attn_mix(p: number, v: number, out: number, npos: number, hd: number, stride: number): void;
  /** GPT-2 GELU (tanh approximation) in place over n elements, n a multiple of 4. */
  gelu(x: number, n: number): void;
  /** LayerNorm of d elements: out = (x - mean) / sqrt(var + eps) · w + b. */
  layer_norm(x: number, w: number, b: number, out: number, d: number, eps: number): void;
}

/** The slice of the WebAssembly JS API used here (the Node tsconfig has no DOM lib to type it). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | undefined;

/** The compiled kernel module (immutable code, compiled once per process; instances are per arena and thread). */
export function kernelModule(): WasmModule {
  compiled ??= new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/** The kernels of `module` over `memory` (a worker thread instantiates its own over the model's memory). */
export function instantiateKernels(module: WasmModule, memory: WasmMemory): Kernels {
  return new wasm.Instance(module, { env: { memory } }).exports as unknown as Kernels;
}

/**
 * Float32 storage for one model. Allocation happens while the model is built (the memory grows as
 * needed); `seal()` then fixes the size, after which `heap` views never detach.
 */
export class Arena {
  readonly memory: WasmMemory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  readonly kernels: Kernels;
  private top = ALIGN_BYTES; // offset 0 stays unused so a zero pointer never names real data
  private sealed = false;
  private heapView: Float32Array | undefined;

  constructor() {
    this.kernels = instantiateKernels(kernelModule(), this.memory);
  }

  /** Reserves `floats` float32 elements (zeroed) and returns their byte offset. */
  alloc(floats: number): number {
    if (this.sealed) throw new Error('arena is sealed: allocate everything while building the model');
    const ptr = this.top;
    this.top += Math.ceil((floats * 4) / ALIGN_BYTES) * ALIGN_BYTES;
    const pages = Math.ceil(this.top / WASM_PAGE_BYTES);
    const have = this.memory.buffer.byteLength / WASM_PAGE_BYTES;
    if (pages > MAX_PAGES) throw new RangeError(`model needs ${this.top} bytes, more than WebAssembly's 4 GiB`);
    if (pages > have) this.memory.grow(pages - have);
    return ptr;
  }

  /** Reserves `bytes` bytes (zeroed, 16-byte aligned) and returns their byte offset. */
  allocBytes(bytes: number): number {
    return this.alloc(Math.ceil(bytes / 4));
  }

  /** Reserves room for `data` and copies it in; returns the byte offset. */
  put(data: Float32Array): number {
    const ptr = this.alloc(data.length);
    new Float32Array(this.memory.buffer, ptr, data.length).set(data);
    return ptr;
  }

  /** Ends allocation; from now on `heap` is a stable view of the whole memory. */
  seal(): void {
    this.sealed = true;
    this.heapView = new Float32Array(this.memory.buffer);
  }

  /** Whether allocation has ended. */
  get isSealed(): boolean {
    return this.sealed;
  }

  /** The whole memory as float32 (index = byte offset >>> 2: unsigned, offsets may pass 2 GiB). Only after `seal()`. */
  get heap(): Float32Array {
    if (!this.heapView) throw new Error('arena is not sealed yet');
    return this.heapView;
  }

  /** Bytes in use (weights, caches and scratch). */
  get bytes(): number {
    return this.top;
  }
}
