// Reads a PyTorch checkpoint (`torch.save` zip format, PyTorch >= 1.6) into float32 tensors with the
// reference names: the dict the reference trainers save (train-gen.py / train-cls.py: `model`,
// `optimizer`, `lr_sched`, `epoch`, `best_epoch`, `min_eval_loss`, `labels`) or a bare state dict.
// Only the model's tensors are read, each straight from its zip entry into its Float32Array.
import type { BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { halfToFloat, type Tensor } from '../io/safetensors';
import { BYTE_WTE, LM_HEAD } from '../model/weights';
import { CLASSIFIER_BIAS, CLASSIFIER_WEIGHT, inferConfig, type ModelKind } from './infer-config';
import { DTYPE_BYTES, PICKLE_LIMITS, PyDict, PyTuple, TensorRef, unpickle, type PickleLimits, type PyValue, type TorchDtype } from './pickle';
import { TorchZip } from './zip';

export interface TorchCheckpoint {
  /** Inferred from tensor shapes; heads = hidden/64 (at least 1) as the reference. */
  config: BGPTConfig;
  /** float32 (f16/bf16 widened), reference names; attn.bias / attn.masked_bias buffers dropped. */
  tensors: Map<string, Tensor>;
  /** 'classifier' when the dict has `labels` or `classifier.*` tensors (then config.byteNumLayers = 0). */
  kind: ModelKind;
  /** Classifier labels ordered by their index (train-cls.py saves {label: index}). */
  labels?: string[];
  meta: { epoch?: number; bestEpoch?: number; minEvalLoss?: number; maxEvalAcc?: number; hasOptimizer: boolean };
}

export interface ReadOptions {
  /** Refuse when the model's float32 tensors would take more than this many bytes. */
  maxBytes?: number;
  /** What the pickle may build (pickle.ts PICKLE_LIMITS unless a test needs others). */
  pickleLimits?: PickleLimits;
}

/**
 * Largest `data.pkl` inflated (docs/security.md): the reference trainer's pickle of a paper-size model
 * with its optimizer and scheduler state is 72 KB; 32 MiB leaves a wide margin and stops a deflated
 * pickle bomb (a 65 KB .pth inflating to 64 MiB) before it is held.
 */
export const MAX_PICKLE_BYTES = 32 * 1024 * 1024;
/** GPT2Attention's buffers (transformers 4.x): a causal mask and -1e4, not parameters. */
const BUFFER_SUFFIXES = ['.attn.bias', '.attn.masked_bias'];
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(file: string, what: string): never {
  throw new UserError(`${file}: ${what}`, 'BAD_CHECKPOINT');
}

/** The archive's folder prefix (torch names it after the file, newer versions 'archive'). */
function archivePrefix(zip: TorchZip): string {
  const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) fail(zip.file, pkl.length === 0 ? 'no data.pkl in the zip archive: not a torch.save checkpoint' : 'more than one data.pkl in the zip archive');
  return pkl[0].slice(0, -'data.pkl'.length);
}

function num(v: PyValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function readLabels(v: PyValue | undefined, file: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (!(v instanceof PyDict)) fail(file, "'labels' is neither a {label: index} dict nor a list of labels");
  const out: string[] = new Array(v.map.size);
  for (const [label, index] of v.map) {
    if (typeof label !== 'string' || typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= out.length || out[index] !== undefined) {
      fail(file, "'labels' must map each label to a distinct index 0..n-1");
    }
    out[index] = label;
  }
  return out;
}

/** The state dict's tensors by name; buffers dropped and a DataParallel `module.` prefix removed. */
function stateDict(dict: PyDict, file: string): Map<string, TensorRef> {
  const out = new Map<string, TensorRef>();
  const names = [...dict.map.keys()];
  const strip = names.length > 0 && names.every((n) => typeof n === 'string' && n.startsWith('module.'));
  for (const [key, value] of dict.map) {
    if (typeof key !== 'string') fail(file, 'state dict key is not a string');
    if (!(value instanceof TensorRef)) fail(file, `state dict entry ${key} is not a tensor`);
    const name = strip ? key.slice('module.'.length) : key;
    if (BUFFER_SUFFIXES.some((s) => name.endsWith(s))) continue;
    out.set(name, value);
  }
  if (out.size === 0) fail(file, 'the state dict holds no tensors');
  return out;
}

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function widen(bytes: Uint8Array, dtype: TorchDtype, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = out.length;
  switch (dtype) {
    case 'f32': for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true); break;
    case 'f64': for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true); break;
    case 'bf16': { const bits = new Uint32Array(out.buffer, out.byteOffset, n); for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16; break; }
    case 'f16': for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
    case 'u8': case 'bool': for (let i = 0; i < n; i++) out[i] = bytes[i]; break;
    case 'i8': for (let i = 0; i < n; i++) out[i] = view.getInt8(i); break;
    case 'i16': for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true); break;
    case 'i32': for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true); break;
    case 'i64': for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
  }
}

/** Reads one tensor's values; its view must lie inside its storage, and the storage inside its entry. */
async function readTensor(zip: TorchZip, prefix: string, name: string, ref: TensorRef): Promise<Tensor> {
  const { storage, offset, shape, stride } = ref;
  const entryName = `${prefix}data/${storage.key}`;
  const info = zip.entries.get(entryName);
  if (!info) fail(zip.file, `tensor ${name}: storage ${storage.key} is missing from the archive`);
  const elem = DTYPE_BYTES[storage.dtype];
  if (storage.numel * elem > info.size) fail(zip.file, `tensor ${name}: storage ${storage.key} declares ${storage.numel} elements, its entry holds ${Math.floor(info.size / elem)}`);
  const n = numel(shape);
  if (!Number.isSafeInteger(n)) fail(zip.file, `tensor ${name}: size [${shape.join(', ')}] is absurd`);
  const out = new Float32Array(n);
  if (n === 0) return { shape, data: out };
  // Elements the view touches: [offset, offset + Σ(size-1)·stride]; all inside the storage.
  const last = offset + shape.reduce((acc, s, i) => acc + (s - 1) * stride[i], 0);
  if (last >= storage.numel) fail(zip.file, `tensor ${name}: offset ${offset}, size [${shape.join(', ')}] and stride [${stride.join(', ')}] reach past its storage of ${storage.numel} elements`);
  const start = (await zip.dataStart(info)) + offset * elem;
  let contiguous = true;
  for (let i = shape.length - 1, expect = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  if (contiguous) {
    if (storage.dtype === 'f32' && LITTLE_ENDIAN_HOST) {
      await zip.read(new Uint8Array(out.buffer), start, `tensor ${name}`);
    } else {
      const raw = new Uint8Array(n * elem);
      await zip.read(raw, start, `tensor ${name}`);
      widen(raw, storage.dtype, out);
    }
    return { shape, data: out };
  }
  // A strided view (torch.save keeps views as they are): read its span once, then gather.
  const span = new Uint8Array((last - offset + 1) * elem);
  await zip.read(span, start, `tensor ${name}`);
  const all = new Float32Array(last - offset + 1);
  widen(span, storage.dtype, all);
  const idx = new Array(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += idx[d] * stride[d];
    out[k] = all[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, data: out };
}

/** What a checkpoint holds, read from its pickle alone: no tensor data is touched. */
export interface TorchCheckpointInfo extends Omit<TorchCheckpoint, 'tensors'> {
  /** Tensor shapes in state-dict order (buffers dropped). */
  shapes: Map<string, number[]>;
  /** Values of the model's parameters (tied LM head and unused patch wte counted once, as torch does). */
  parameters: number;
}

interface Opened extends TorchCheckpointInfo {
  zip: TorchZip;
  prefix: string;
  refs: Map<string, TensorRef>;
}

async function openCheckpoint(file: string, limits: PickleLimits = PICKLE_LIMITS): Promise<Opened> {
  const zip = await TorchZip.open(file);
  try {
    const prefix = archivePrefix(zip);
    const order = zip.entries.get(`${prefix}byteorder`);
    if (order && (await zip.readEntry(order.name, 16)).toString('latin1').trim() !== 'little') fail(file, 'big-endian checkpoints are not read');
    const root = unpickle(await zip.readEntry(`${prefix}data.pkl`, MAX_PICKLE_BYTES), file, limits);
    if (!(root instanceof PyDict)) fail(file, root instanceof PyTuple || Array.isArray(root) ? 'holds a sequence, not a checkpoint dict' : 'holds no checkpoint dict');
    const model = root.map.get('model') ?? root.map.get('state_dict');
    const wrapped = model instanceof PyDict;
    const refs = stateDict(wrapped ? model : root, file);
    const top = wrapped ? root.map : new Map<string | number | boolean | null, PyValue>();
    const labels = readLabels(top.get('labels'), file);
    const kind: ModelKind = labels !== undefined || [...refs.keys()].some((n) => n.startsWith('classifier.')) ? 'classifier' : 'generative';
    // The reference always saves the tied LM head; a hand-made state dict may leave it out.
    if (kind === 'generative' && !refs.has(LM_HEAD) && refs.has(BYTE_WTE)) refs.set(LM_HEAD, refs.get(BYTE_WTE) as TensorRef);
    const shapes = new Map([...refs].map(([n, r]) => [n, r.shape]));
    const config = inferConfig(shapes, kind, file);
    if (labels && refs.has(CLASSIFIER_WEIGHT) && refs.get(CLASSIFIER_WEIGHT)!.shape[0] !== labels.length) {
      fail(file, `${labels.length} labels but ${CLASSIFIER_WEIGHT} has ${refs.get(CLASSIFIER_WEIGHT)!.shape[0]} rows`);
    }
    if (refs.has(CLASSIFIER_BIAS) && !refs.has(CLASSIFIER_WEIGHT)) fail(file, `${CLASSIFIER_BIAS} without ${CLASSIFIER_WEIGHT}`);
    let parameters = 0;
    for (const [name, r] of refs) if (name !== LM_HEAD) parameters += numel(r.shape);
    return {
      zip, prefix, refs, shapes, parameters, config, kind,
      ...(labels ? { labels } : {}),
      meta: {
        epoch: num(top.get('epoch')),
        bestEpoch: num(top.get('best_epoch')),
        minEvalLoss: num(top.get('min_eval_loss')),
        maxEvalAcc: num(top.get('max_eval_acc')),
        hasOptimizer: top.get('optimizer') instanceof PyDict,
      },
    };
  } catch (err) {
    await zip.close();
    throw err;
  }
}

/** Config, kind, labels, shapes and training meta of a checkpoint, without reading its tensors. */
export async function inspectTorchCheckpoint(file: string, opts: Pick<ReadOptions, 'pickleLimits'> = {}): Promise<TorchCheckpointInfo> {
  const { zip, prefix: _p, refs: _r, ...info } = await openCheckpoint(file, opts.pickleLimits);
  await zip.close();
  return info;
}

/**
 * Reads a `.pth`/`.pt` file. Untrusted input is safe: the pickle runs in a restricted VM that
 * executes nothing, and every size and offset is checked before anything is allocated or read.
 */
export async function readTorchCheckpoint(file: string, opts: ReadOptions = {}): Promise<TorchCheckpoint> {
  const { zip, prefix, refs, shapes: _s, parameters: _n, ...info } = await openCheckpoint(file, opts.pickleLimits);
  try {
    // Many views of one big storage could otherwise ask for far more memory than the file holds.
    let bytes = 0;
    for (const r of refs.values()) bytes += numel(r.shape) * 4;
    const limit = Math.min(opts.maxBytes ?? Infinity, zip.fileSize * 4 + 1024 * 1024);
    if (bytes > limit) fail(file, `the model's tensors would take ${bytes} bytes as float32, more than the ${limit}-byte limit`);
    // Read in storage order: one forward pass over the archive.
    const list = [...refs].sort((a, b) => a[1].storage.key.localeCompare(b[1].storage.key, 'en', { numeric: true }));
    const tensors = new Map<string, Tensor>();
    const done = new Map<TensorRef, Tensor>();
    for (const [name, ref] of list) {
      const t = done.get(ref) ?? (await readTensor(zip, prefix, name, ref));
      done.set(ref, t);
      tensors.set(name, t);
    }
    // Keep the state dict's own order (the reference order) in the result.
    const ordered = new Map<string, Tensor>();
    for (const name of refs.keys()) ordered.set(name, tensors.get(name) as Tensor);
    return { ...info, tensors: ordered };
  } finally {
    await zip.close();
  }
}
