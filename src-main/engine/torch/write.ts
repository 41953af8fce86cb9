// Writes a PyTorch checkpoint the reference bGPT code loads with `torch.load(f)["model"]` and a strict
// `load_state_dict`: the dict train-gen.py / train-cls.py save ({'model', 'epoch', 'best_epoch',
// 'min_eval_loss'} [+ 'labels']), pickled at protocol 2 into torch's zip layout (STORED entries,
// data 64-byte aligned, as PyTorch's `inline_container.cc` writes them). The reference pins
// transformers 4.18, whose GPT2Attention keeps `attn.bias` (uint8 causal tril [1,1,n,n]) and
// `attn.masked_bias` (-1e4) as persistent buffers: a strict load needs them, so they are written.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { UserError } from '../../shared/errors';
import { PRIVATE_MODES, tempSibling, type WriteModes } from '../../node/atomic';
import type { Tensor } from '../io/safetensors';
import { BYTE_PREFIX, PATCH_PREFIX } from '../model/weights';

export interface TorchExtra {
  /** Classifier labels in index order; saved as train-cls.py does: {label: index}. */
  labels?: string[];
  epoch?: number;
  bestEpoch?: number;
  minEvalLoss?: number;
  /** Element type of the weights on disk (float32 unless asked: bf16 / f16 halve the file). */
  dtype?: 'f32' | 'f16' | 'bf16';
  /** File and folder modes (node/atomic): private by default, PUBLIC_MODES for a user's --out. */
  modes?: WriteModes;
}

/** torch aligns each record's data to 64 bytes (inline_container.cc kFieldAlignment). */
const ALIGN = 64;
/** The archive format version torch 1.13 writes (`<prefix>/version`). */
const ARCHIVE_VERSION = '3\n';
/** GPT2Attention.masked_bias in transformers 4.18. */
const MASKED_BIAS = -1e4;
/** Without zip64 records the format stops at 4 GiB; a 110 M model is 440 MB. */
const ZIP32_LIMIT = 0xffffffff;

// ----- pickle (protocol 2), only what this layout needs -----

type StorageDtype = 'f32' | 'f16' | 'bf16' | 'u8';
type Storage = { key: string; dtype: StorageDtype; numel: number; bytes: Uint8Array };
const STORAGE_CLASS: Record<StorageDtype, string> = { f32: 'FloatStorage', f16: 'HalfStorage', bf16: 'BFloat16Storage', u8: 'ByteStorage' };
const STORAGE_BYTES: Record<StorageDtype, number> = { f32: 4, f16: 2, bf16: 2, u8: 1 };
type TensorOut = { storage: Storage; shape: number[] };

class PickleWriter {
  private chunks: Uint8Array[] = [];
  private enc = new TextEncoder();

  op(...b: number[]): void { this.chunks.push(Uint8Array.from(b)); }
  str(s: string): void {
    const b = this.enc.encode(s);
    const h = new Uint8Array(5);
    h[0] = 0x58; // BINUNICODE
    new DataView(h.buffer).setUint32(1, b.length, true);
    this.chunks.push(h, b);
  }
  global(module: string, name: string): void {
    this.op(0x63); // GLOBAL
    this.chunks.push(this.enc.encode(`${module}\n${name}\n`));
  }
  int(v: number): void {
    if (!Number.isSafeInteger(v)) throw new Error(`pickle: ${v} is not an integer`);
    if (v >= 0 && v < 0x100) this.op(0x4b, v); // BININT1
    else if (v >= 0 && v < 0x10000) this.op(0x4d, v & 0xff, v >> 8); // BININT2
    else if (v >= -0x80000000 && v <= 0x7fffffff) { const h = new Uint8Array(5); h[0] = 0x4a; new DataView(h.buffer).setInt32(1, v, true); this.chunks.push(h); }
    else { // LONG1, 8 bytes two's complement
      const h = new Uint8Array(10); h[0] = 0x8a; h[1] = 8; new DataView(h.buffer).setBigInt64(2, BigInt(v), true); this.chunks.push(h);
    }
  }
  float(v: number): void { const h = new Uint8Array(9); h[0] = 0x47; new DataView(h.buffer).setFloat64(1, v, false); this.chunks.push(h); }
  tuple(items: number[]): void {
    if (items.length === 0) { this.op(0x29); return; }
    if (items.length > 3) this.op(0x28);
    for (const v of items) this.int(v);
    this.op(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
  }
  emptyOrderedDict(): void { this.global('collections', 'OrderedDict'); this.op(0x29, 0x52); } // () REDUCE
  tensor(t: TensorOut): void {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.op(0x28); // MARK of the argument tuple
    this.op(0x28); // persistent id ('storage', type, key, location, numel)
    this.str('storage');
    this.global('torch', STORAGE_CLASS[t.storage.dtype]);
    this.str(t.storage.key);
    this.str('cpu');
    this.int(t.storage.numel);
    this.op(0x74, 0x51); // TUPLE BINPERSID
    this.int(0); // storage offset
    this.tuple(t.shape);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    this.tuple(stride);
    this.op(0x89); // requires_grad False
    this.emptyOrderedDict(); // backward hooks
    this.op(0x74, 0x52); // TUPLE REDUCE
  }
  bytes(): Uint8Array { return Buffer.concat(this.chunks); }
}

function float32Bytes(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** float32 → IEEE half, round to nearest even (subnormals kept, overflow to ±inf). */
function floatToHalf(f: number, scratch: Float32Array, bits: Uint32Array): number {
  scratch[0] = f;
  const x = bits[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** The weights as stored on disk in `dtype` (bfloat16: the top half of a float32, rounded to nearest even). */
function encode(data: Float32Array, dtype: 'f32' | 'f16' | 'bf16'): Uint8Array {
  if (dtype === 'f32') return float32Bytes(data);
  const out = new Uint16Array(data.length);
  const scratch = new Float32Array(1);
  const bits = new Uint32Array(scratch.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'f16') { out[i] = floatToHalf(data[i], scratch, bits); continue; }
    scratch[0] = data[i];
    const x = bits[0];
    out[i] = Number.isNaN(data[i]) ? 0x7fc0 : (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return new Uint8Array(out.buffer);
}

/** attn.bias / attn.masked_bias of every GPT-2 block, inserted where the reference state dict has them. */
function withBuffers(tensors: Array<[string, Tensor]>, dtype: 'f32' | 'f16' | 'bf16', newStorage: (dtype: StorageDtype, bytes: Uint8Array) => Storage): Array<[string, TensorOut]> {
  const shapeOf = (name: string): number[] | undefined => tensors.find(([n]) => n === name)?.[1].shape;
  const masks = new Map<string, Storage>();
  const mask = (n: number): TensorOut => {
    let s = masks.get(String(n));
    if (!s) {
      const b = new Uint8Array(n * n);
      for (let i = 0; i < n; i++) b.fill(1, i * n, i * n + i + 1);
      s = newStorage('u8', b);
      masks.set(String(n), s); // one storage per size, shared as tied tensors share theirs
    }
    return { storage: s, shape: [1, 1, n, n] };
  };
  const minus = new Float32Array([MASKED_BIAS]);
  const positions = (name: string): number | undefined => {
    if (name.startsWith(`${PATCH_PREFIX}base.h.`)) return shapeOf(`${PATCH_PREFIX}base.wpe.weight`)?.[0];
    if (name.startsWith(`${BYTE_PREFIX}transformer.h.`)) return shapeOf(`${BYTE_PREFIX}transformer.wpe.weight`)?.[0];
    return undefined;
  };
  const seen = new Map<Float32Array, Storage>();
  const out: Array<[string, TensorOut]> = [];
  for (const [name, t] of tensors) {
    let s = seen.get(t.data);
    if (!s) { s = newStorage(dtype, encode(t.data, dtype)); seen.set(t.data, s); }
    out.push([name, { storage: s, shape: t.shape }]);
    const n = name.endsWith('.ln_1.bias') ? positions(name) : undefined;
    if (n !== undefined) {
      const block = name.slice(0, -'ln_1.bias'.length);
      out.push([`${block}attn.bias`, mask(n)]);
      out.push([`${block}attn.masked_bias`, { storage: newStorage('f32', float32Bytes(new Float32Array(minus))), shape: [] }]);
    }
  }
  return out;
}

function checkTensors(tensors: Array<[string, Tensor]>): void {
  const names = new Set<string>();
  for (const [name, t] of tensors) {
    if (!name || names.has(name)) throw new UserError(`cannot write tensor '${name}' ${name ? 'twice' : '(empty name)'}`);
    names.add(name);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== t.data.length) {
      throw new UserError(`tensor ${name}: shape [${t.shape.join(', ')}] does not fit its ${t.data.length} values`);
    }
  }
}

// ----- zip (STORED, 64-byte aligned) -----

interface ZipRecord { name: string; data: Uint8Array[]; size: number; crc: number; offset: number }

function crcOf(parts: Uint8Array[]): number {
  let crc = 0;
  for (const p of parts) crc = zlib.crc32(p, crc);
  return crc >>> 0;
}

function localHeader(name: Buffer, r: ZipRecord, at: number): Buffer {
  // Pad with a private extra field ('FB', as torch does) so the data starts 64-aligned.
  const base = at + 30 + name.length + 4;
  const pad = (ALIGN - (base % ALIGN)) % ALIGN;
  const h = Buffer.alloc(30 + name.length + 4 + pad);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4); // version needed: 2.0
  h.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
  h.writeUInt16LE(0, 8); // STORED
  h.writeUInt32LE(0, 10); // DOS time/date 0, as torch
  h.writeUInt32LE(r.crc, 14);
  h.writeUInt32LE(r.size, 18);
  h.writeUInt32LE(r.size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(4 + pad, 28);
  name.copy(h, 30);
  h.writeUInt16LE(0x4246, 30 + name.length); // 'FB'
  h.writeUInt16LE(pad, 32 + name.length);
  h.fill(0x5a, 34 + name.length); // 'Z'
  return h;
}

function centralEntry(name: Buffer, r: ZipRecord): Buffer {
  const h = Buffer.alloc(46 + name.length);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(0x0800, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(r.crc, 16);
  h.writeUInt32LE(r.size, 20);
  h.writeUInt32LE(r.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE(r.offset, 42);
  name.copy(h, 46);
  return h;
}

async function writeZip(file: string, records: ZipRecord[], mode = PRIVATE_MODES.file): Promise<void> {
  // 'wx': never follow or reuse something already at the (temporary) name.
  const h = await fs.open(file, 'wx', mode);
  try {
    let at = 0;
    const put = async (b: Uint8Array): Promise<void> => {
      let done = 0;
      while (done < b.length) done += (await h.write(b, done, b.length - done, at + done)).bytesWritten;
      at += b.length;
    };
    for (const r of records) {
      const name = Buffer.from(r.name, 'utf8');
      r.offset = at;
      if (at + r.size > ZIP32_LIMIT) throw new UserError(`${file}: checkpoints above 4 GiB are not written (no zip64 support)`);
      await put(localHeader(name, r, at));
      for (const part of r.data) await put(part);
    }
    const cdStart = at;
    for (const r of records) await put(centralEntry(Buffer.from(r.name, 'utf8'), r));
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(records.length, 8);
    end.writeUInt16LE(records.length, 10);
    end.writeUInt32LE(at - cdStart, 12);
    end.writeUInt32LE(cdStart, 16);
    if (records.length > 0xffff) throw new UserError(`${file}: too many tensors for a zip without zip64`);
    await put(end);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes a zip of STORED entries, 64-byte aligned as torch writes them (also used to build test archives). */
export async function writeStoredZip(file: string, entries: Array<[string, Uint8Array]>): Promise<void> {
  await writeZip(file, entries.map(([name, data]) => ({ name, data: [data], size: data.length, crc: crcOf([data]), offset: 0 })));
}

/**
 * Writes `tensors` (reference names and layouts, in state-dict order) as a reference-format
 * checkpoint, atomically: the file is either wholly there or not at all. Tensors that share one
 * Float32Array (the tied LM head) share one storage, as torch.save would write them.
 */
export async function writeTorchCheckpoint(file: string, tensors: Array<[string, Tensor]>, extra: TorchExtra = {}): Promise<void> {
  checkTensors(tensors);
  const storages: Storage[] = [];
  const newStorage = (dtype: StorageDtype, bytes: Uint8Array): Storage => {
    const s: Storage = { key: String(storages.length), dtype, numel: bytes.length / STORAGE_BYTES[dtype], bytes };
    storages.push(s);
    return s;
  };
  const out = withBuffers(tensors, extra.dtype ?? 'f32', newStorage);
  const p = new PickleWriter();
  p.op(0x80, 2, 0x7d, 0x28); // PROTO 2, EMPTY_DICT, MARK
  p.str('model');
  p.emptyOrderedDict();
  p.op(0x28);
  for (const [name, t] of out) { p.str(name); p.tensor(t); }
  p.op(0x75); // SETITEMS
  p.str('epoch'); p.int(extra.epoch ?? 0);
  p.str('best_epoch'); p.int(extra.bestEpoch ?? extra.epoch ?? 0);
  p.str('min_eval_loss'); p.float(extra.minEvalLoss ?? Infinity);
  if (extra.labels) {
    p.str('labels');
    p.op(0x7d, 0x28);
    extra.labels.forEach((label, i) => { p.str(label); p.int(i); });
    p.op(0x75);
  }
  p.op(0x75, 0x2e); // SETITEMS STOP
  // torch names the archive folder after the file; any single folder name loads.
  const prefix = (path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_') || 'archive') + '/';
  const rec = (name: string, data: Uint8Array[]): ZipRecord => ({ name: prefix + name, data, size: data.reduce((a, b) => a + b.length, 0), crc: crcOf(data), offset: 0 });
  const records: ZipRecord[] = [rec('data.pkl', [p.bytes()])];
  for (const s of storages) records.push(rec(`data/${s.key}`, [s.bytes]));
  records.push(rec('version', [Buffer.from(ARCHIVE_VERSION)]), rec('byteorder', [Buffer.from('little')]));
  const modes = extra.modes ?? PRIVATE_MODES;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: modes.dir });
  const tmp = tempSibling(file);
  try {
    await writeZip(tmp, records, modes.file);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
