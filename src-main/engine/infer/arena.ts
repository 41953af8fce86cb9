// A private WebAssembly memory holding one model's weights, caches and scratch, with the SIMD kernels
// of kernels.wat instantiated over it. Each arena is independent: no state is shared between models.
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
  /** matvec_io for `rows` samples at once: X [rows, nin] → Y [rows, nout]; per sample bit-identical to matvec_io. */
  matmat_io(x: number, w: number, b: number, y: number, nin: number, nout: number, acc: 0 | 1, rows: number): void;
  /** matvec_oi for `rows` samples at once: X [rows, nin] → Y [rows, nout]; per sample bit-identical to matvec_oi. */
  matmat_oi(x: number, w: number, y: number, nin: number, nout: number, rows: number): void;
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
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | undefined;

/** The compiled kernel module (immutable code, compiled once per process; instances are per arena). */
function kernelModule(): WasmModule {
  compiled ??= new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/**
 * Float32 storage for one model. Allocation happens while the model is built (the memory grows as
 * needed); `seal()` then fixes the size, after which `heap` views never detach.
 */
export class Arena {
  readonly memory: WasmMemory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES });
  readonly kernels: Kernels;
  private top = ALIGN_BYTES; // offset 0 stays unused so a zero pointer never names real data
  private sealed = false;
  private heapView: Float32Array | undefined;

  constructor() {
    this.kernels = new wasm.Instance(kernelModule(), { env: { memory: this.memory } }).exports as unknown as Kernels;
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
