// Reads and writes the safetensors format (https://github.com/huggingface/safetensors, "Format"):
// an 8-byte little-endian header length N, N bytes of JSON header {name: {dtype, shape, data_offsets}}
// plus an optional "__metadata__" string map, then one byte buffer the offsets index without holes.
import { promises as fs } from 'node:fs';
import { UserError } from '../../shared/errors';
import { tempSibling, writeFileAtomic } from '../../node/atomic';

/** Element types this module reads; F16 and BF16 are widened to float32 on read. Writes are F32. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** One tensor: row-major float32 values and the shape they fill. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** One tensor as read from a file, with the element type it was stored in. */
export interface StoredTensor extends Tensor {
  dtype: SafetensorsDtype;
}

/** A whole safetensors file: tensors in header order and the free-form string metadata. */
export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB: a guard against absurd lengths. */
const MAX_HEADER_BYTES = 100_000_000;
/** The reference writer pads the header with spaces so the byte buffer starts 8-aligned. */
const HEADER_ALIGN = 8;
const METADATA_KEY = '__metadata__';
const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function fail(source: string, what: string): never {
  throw new UserError(`${source}: ${what}`, 'BAD_SAFETENSORS');
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function readHeaderJson(bytes: Uint8Array, source: string): { json: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) fail(source, `truncated safetensors file (${bytes.length} bytes, the header length alone needs 8)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(source, `safetensors header length ${n} is larger than the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) fail(source, `truncated safetensors file: header says ${headerLength} bytes, file has ${bytes.length - 8} after the length`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    fail(source, 'bad safetensors header: not valid UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail(source, 'bad safetensors header: not a JSON object');
  return { json: parsed as Record<string, unknown>, dataStart: 8 + headerLength };
}

function readMetadata(value: unknown, source: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(source, 'bad safetensors header: __metadata__ is not an object');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(source, `bad safetensors header: __metadata__.${k} is not a string`);
  }
  return { ...(value as Record<string, string>) };
}

function readEntry(name: string, value: unknown, source: string): HeaderEntry {
  if (typeof value !== 'object' || value === null) fail(source, `bad safetensors header: tensor ${name} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(source, `tensor ${name}: unsupported dtype ${JSON.stringify(dtype)} (F32, F16, BF16 are read)`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) fail(source, `tensor ${name}: bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt) || offsets[0] > offsets[1]) {
    fail(source, `tensor ${name}: bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const entry: HeaderEntry = { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: offsets[0], end: offsets[1] };
  const expected = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[entry.dtype];
  if (entry.end - entry.begin !== expected) {
    fail(source, `tensor ${name}: data_offsets [${entry.begin}, ${entry.end}] hold ${entry.end - entry.begin} bytes, shape [${shape.join(', ')}] ${dtype} needs ${expected}`);
  }
  return entry;
}

/** The spec requires the offsets to tile the byte buffer exactly: no overlap, no hole, no tail. */
function checkTiling(entries: HeaderEntry[], dataLength: number, source: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.end > dataLength) fail(source, `tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] out of range (byte buffer is ${dataLength} bytes; truncated file?)`);
    if (e.begin !== at) fail(source, `tensor ${e.name}: data_offsets start at ${e.begin}, expected ${at} (overlap or hole in the byte buffer)`);
    at = e.end;
  }
  if (at !== dataLength) fail(source, `byte buffer is ${dataLength} bytes but the tensors cover ${at} (trailing bytes)`);
}

/** An IEEE 754 half-precision value (its 16 bits) as a number; the .pth reader uses it too. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const count = bytes.length / DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dtype === 'F32') {
    // Zero-copy view when the host is little-endian and the data happens to be 4-aligned.
    if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) {
    const h = view.getUint16(i * 2, true);
    if (dtype === 'BF16') bits[i] = h << 16; // bfloat16 is the top half of a float32
    else out[i] = halfToFloat(h);
  }
  return out;
}

/**
 * Parses safetensors bytes. `source` names the file in error messages. F32 tensors may be views
 * into `bytes` (no copy), so do not reuse the buffer for something else while the tensors live.
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const { json, dataStart } = readHeaderJson(bytes, source);
  const metadata = readMetadata(json[METADATA_KEY], source);
  const entries = Object.entries(json).filter(([k]) => k !== METADATA_KEY).map(([k, v]) => readEntry(k, v, source));
  checkTiling(entries, bytes.length - dataStart, source);
  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype) });
  }
  return { tensors, metadata };
}

function checkTensor(name: string, t: Tensor): void {
  if (name === METADATA_KEY || name.length === 0) throw new UserError(`cannot write a tensor named '${name}'`);
  if (!t.shape.every((d) => isNonNegativeInt(d))) throw new UserError(`tensor ${name}: bad shape [${t.shape.join(', ')}]`);
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) throw new UserError(`tensor ${name}: shape [${t.shape.join(', ')}] needs ${size} values, got ${t.data.length}`);
}

/** Serializes float32 tensors (in the iteration order given) and string metadata to safetensors bytes. */
export function serializeSafetensors(tensors: Iterable<[string, Tensor]>, metadata: Record<string, string> = {}): Uint8Array {
  const list = [...tensors];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, t] of list) {
    checkTensor(name, t);
    if (name in header) throw new UserError(`tensor ${name} appears twice`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / HEADER_ALIGN) * HEADER_ALIGN;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of list) {
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    else for (let i = 0; i < t.data.length; i++) view.setFloat32(at + i * 4, t.data[i], true);
    at += t.data.byteLength;
  }
  return out;
}

/** Reads a safetensors file; a missing or unreadable file is a UserError naming it. */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read safetensors file (${code ?? 'error'})`, code === 'ENOENT' ? 'ENOENT' : 'BAD_SAFETENSORS');
  }
  return parseSafetensors(bytes, file);
}

/** One tensor's entry in a file's header: where its bytes lie in the file. */
export interface SafetensorsIndexEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offset of the tensor's data in the file, and its length in bytes. */
  fileOffset: number;
  byteLength: number;
}

/**
 * Reads and checks only the header of a safetensors file (as strictly as `parseSafetensors`: dtypes,
 * shapes, offsets that tile the data to the file's end), so a loader can stream each tensor's bytes
 * straight to where they belong instead of holding the whole file in memory (the paper-size model is
 * 440 MB). A missing, short or corrupt file is a UserError naming it.
 */
export async function readSafetensorsIndex(file: string): Promise<{ tensors: Map<string, SafetensorsIndexEntry>; metadata: Record<string, string> }> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read safetensors file (${code ?? 'error'})`, code === 'ENOENT' ? 'ENOENT' : 'BAD_SAFETENSORS');
  }
  try {
    const size = (await fh.stat()).size;
    const head = new Uint8Array(Math.min(size, 8));
    await fh.read(head, 0, head.length, 0);
    if (head.length < 8) fail(file, `truncated safetensors file (${size} bytes, the header length alone needs 8)`);
    const n = new DataView(head.buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_BYTES)) fail(file, `safetensors header length ${n} is larger than the ${MAX_HEADER_BYTES}-byte limit`);
    if (8 + Number(n) > size) fail(file, `truncated safetensors file: header says ${n} bytes, file has ${size - 8} after the length`);
    const bytes = new Uint8Array(8 + Number(n));
    await fh.read(bytes, 0, bytes.length, 0);
    const { json, dataStart } = readHeaderJson(bytes, file);
    const metadata = readMetadata(json[METADATA_KEY], file);
    const entries = Object.entries(json).filter(([k]) => k !== METADATA_KEY).map(([k, v]) => readEntry(k, v, file));
    checkTiling(entries, size - dataStart, file);
    const tensors = new Map<string, SafetensorsIndexEntry>();
    for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, fileOffset: dataStart + e.begin, byteLength: e.end - e.begin });
    return { tensors, metadata };
  } finally {
    await fh.close();
  }
}

/** Decodes one tensor's stored bytes (little-endian F32, F16 or BF16) to float32 values. */
export function decodeTensorBytes(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  return decode(bytes, dtype);
}

/** Writes float32 tensors to a safetensors file atomically (never half-written). */
export async function writeSafetensors(file: string, tensors: Iterable<[string, Tensor]>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}

/** The header bytes (length prefix included) of a file holding `shapes` as F32, in that order. */
function f32Header(shapes: [string, number[]][], metadata: Record<string, string>): { header: Uint8Array; dataBytes: number } {
  const json: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) json[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, shape] of shapes) {
    if (name === METADATA_KEY || name.length === 0 || name in json) throw new UserError(`cannot write a tensor named '${name}' (empty, reserved or twice)`);
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    json[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.length / HEADER_ALIGN) * HEADER_ALIGN;
  const header = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return { header, dataBytes: offset };
}

/**
 * Writes float32 tensors whose names and shapes are known up front, taking their values one at a
 * time from `tensors` (which must yield them in the order of `shapes`), so only one tensor is ever in
 * memory. Atomic like writeSafetensors; the bytes are those serializeSafetensors would give.
 */
export async function writeSafetensorsStreamed(file: string, shapes: [string, number[]][], tensors: Iterable<[string, Float32Array]>, metadata: Record<string, string> = {}): Promise<void> {
  const { header } = f32Header(shapes, metadata);
  const tmp = tempSibling(file);
  const h = await fs.open(tmp, 'w');
  try {
    await h.write(header);
    let i = 0;
    for (const [name, data] of tensors) {
      const want = shapes[i];
      if (!want || want[0] !== name) throw new Error(`streamed tensor ${name} arrived where ${want?.[0] ?? 'nothing'} was declared`);
      const size = want[1].reduce((a, b) => a * b, 1);
      if (data.length !== size) throw new UserError(`tensor ${name}: shape [${want[1].join(', ')}] needs ${size} values, got ${data.length}`);
      if (!LITTLE_ENDIAN_HOST) throw new Error('streamed safetensors writing needs a little-endian host');
      await h.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      i++;
    }
    if (i !== shapes.length) throw new Error(`${shapes.length - i} declared tensors were never streamed`);
    await h.sync();
    await h.close();
    await fs.rename(tmp, file);
  } catch (err) {
    await h.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
