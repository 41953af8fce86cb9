// A restricted unpickler for the `data.pkl` that `torch.save` writes (pickle protocol 2; the opcodes
// are those of CPython `Lib/pickletools.py`). It is a small stack machine that builds plain values:
// it never calls anything. Globals are looked up in an allow-list of the few names torch writes for
// tensors and containers; any other global (os.system, builtins.eval, an unknown class) is refused
// at the GLOBAL opcode, so no later REDUCE can ever reach it.
import { UserError } from '../../shared/errors';

/** A Python tuple (kept apart from lists so that torch's argument tuples are recognisable). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict or OrderedDict; keys are str / int / bool / None, insertion order kept. */
export class PyDict {
  readonly map = new Map<string | number | boolean | null, PyValue>();
}

/** One `torch.XStorage` stored as zip entry `data/<key>`: element type and length in elements. */
export class StorageRef {
  constructor(readonly dtype: TorchDtype, readonly key: string, readonly numel: number) {}
}

/** A tensor as `_rebuild_tensor_v2` describes it: a view into a storage; no data is read yet. */
export class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

/** An allowed global, as a value (a storage type or a callable torch and collections name). */
class PyGlobal {
  constructor(readonly name: string) {}
}

export type PyValue = string | number | bigint | boolean | null | Uint8Array | PyValue[] | PyTuple | PyDict | StorageRef | TensorRef | PyGlobal;

export type TorchDtype = 'f32' | 'f16' | 'bf16' | 'f64' | 'u8' | 'i8' | 'i16' | 'i32' | 'i64' | 'bool';

/** Bytes per element of each storage type. */
export const DTYPE_BYTES: Record<TorchDtype, number> = { f32: 4, f16: 2, bf16: 2, f64: 8, u8: 1, i8: 1, i16: 2, i32: 4, i64: 8, bool: 1 };

/** The storage classes torch names in persistent ids (torch/storage.py `_LegacyStorage` subclasses). */
const STORAGE_TYPES: Record<string, TorchDtype> = {
  'torch.FloatStorage': 'f32', 'torch.HalfStorage': 'f16', 'torch.BFloat16Storage': 'bf16', 'torch.DoubleStorage': 'f64',
  'torch.ByteStorage': 'u8', 'torch.CharStorage': 'i8', 'torch.ShortStorage': 'i16', 'torch.IntStorage': 'i32',
  'torch.LongStorage': 'i64', 'torch.BoolStorage': 'bool',
};

/** Callables the VM may "apply"; each is interpreted here, never executed. */
const CALLABLES = new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter']);

/**
 * What one unpickling may build (docs/security.md, "Pickle allocation bomb"). A real checkpoint is far
 * inside every one: the reference trainer's `data.pkl` with optimizer and scheduler state (paper size,
 * 221 state-dict entries, PyTorch 1.13) is 72 KB: 24,003 opcodes, stack 452, MARK depth 6, memo 5,633,
 * 6,555 objects, 11,369 items, longest string 58 bytes (docs/security.md says how it was measured). A 65 KB `.pth` whose deflated pickle is 64 MiB of EMPTY_DICT used to build 64 M
 * dicts (4.7 GB, then out of memory); now it stops at the first cap it reaches, in one line.
 */
export interface PickleLimits {
  /** Opcodes executed. */
  maxOpcodes: number;
  /** Values held on the stack, all MARK levels together. */
  maxStack: number;
  /** MARK nesting. */
  maxDepth: number;
  /** Memo entries. */
  maxMemo: number;
  /** Objects built: dicts, lists, tuples, storages and tensors. */
  maxContainers: number;
  /** Items put into containers (APPEND(S), SETITEM(S), TUPLE*). */
  maxElements: number;
  /** Bytes of one string or bytes value. */
  maxStringBytes: number;
}

export const PICKLE_LIMITS: PickleLimits = {
  maxOpcodes: 2_000_000,
  maxStack: 100_000,
  maxDepth: 1_000,
  maxMemo: 200_000,
  maxContainers: 200_000,
  maxElements: 1_000_000,
  maxStringBytes: 1024 * 1024,
};

/** What an unpickling used, for measuring real checkpoints against the limits. */
export interface PickleStats {
  opcodes: number;
  maxStack: number;
  maxDepth: number;
  memo: number;
  containers: number;
  elements: number;
  maxStringBytes: number;
}

const MAX_GLOBAL_LINE = 256;
/** Largest tensor rank accepted (torch's own limit is 64). */
const MAX_RANK = 64;

/** 2000000 → '2,000,000' (a limit in a message). */
const fmt = (v: number): string => v.toLocaleString('en-US');

function refuse(source: string, what: string): never {
  throw new UserError(`${source}: ${what}`, 'UNSAFE_PICKLE');
}

function bad(source: string, what: string): never {
  throw new UserError(`${source}: bad pickle (${what})`, 'BAD_CHECKPOINT');
}

function isIndex(v: PyValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function intList(v: PyValue, what: string, source: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || items.length > MAX_RANK || !items.every(isIndex)) bad(source, `${what} is not a tuple of sizes`);
  return items as number[];
}

function apply(fn: PyValue, args: PyValue, source: string): PyValue {
  if (!(fn instanceof PyGlobal) || !CALLABLES.has(fn.name)) refuse(source, `refused: the pickle applies ${fn instanceof PyGlobal ? fn.name : 'a non-callable value'} (nothing was executed)`);
  if (!(args instanceof PyTuple)) bad(source, `arguments of ${fn.name} are not a tuple`);
  const a = args.items;
  switch (fn.name) {
    case 'collections.OrderedDict':
      if (a.length !== 0) bad(source, 'OrderedDict with arguments');
      return new PyDict();
    case 'torch._utils._rebuild_parameter':
      if (!(a[0] instanceof TensorRef)) bad(source, '_rebuild_parameter of a non-tensor');
      return a[0];
    default: {
      // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.length < 4 || !(a[0] instanceof StorageRef) || !isIndex(a[1])) bad(source, '_rebuild_tensor_v2 arguments');
      const shape = intList(a[2], 'tensor size', source);
      const stride = intList(a[3], 'tensor stride', source);
      if (shape.length !== stride.length) bad(source, `tensor size [${shape.join(', ')}] and stride [${stride.join(', ')}] differ in rank`);
      return new TensorRef(a[0], a[1], shape, stride);
    }
  }
}

function persistentLoad(pid: PyValue, source: string): StorageRef {
  // ('storage', storage_type, key, location, numel) — torch/serialization.py `persistent_id`.
  if (!(pid instanceof PyTuple) || pid.items.length !== 5 || pid.items[0] !== 'storage') bad(source, 'persistent id is not a torch storage');
  const [, type, key, , numel] = pid.items;
  if (!(type instanceof PyGlobal) || !(type.name in STORAGE_TYPES)) bad(source, 'persistent id names no storage type');
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(key)) bad(source, 'storage key');
  if (!isIndex(numel)) bad(source, `storage ${key}: element count`);
  return new StorageRef(STORAGE_TYPES[type.name], key, numel);
}

function dictKey(k: PyValue, source: string): string | number | boolean | null {
  if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || k === null) return k;
  if (typeof k === 'bigint') return Number(k);
  bad(source, 'dict key of an unsupported type');
}

/**
 * Runs the pickle in `bytes` and returns the value it builds. `source` names the file in errors.
 * Tensors come back as TensorRef (storage key, offset, shape, stride): the caller reads their data.
 */
export function unpickle(bytes: Uint8Array, source = 'pickle', limits: PickleLimits = PICKLE_LIMITS, stats?: PickleStats): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  // Counters behind the limits: `held` is every value on the stack and on the MARKed stacks.
  let opcodes = 0, held = 0, containers = 0, elements = 0;
  const use: PickleStats = stats ?? { opcodes: 0, maxStack: 0, maxDepth: 0, memo: 0, containers: 0, elements: 0, maxStringBytes: 0 };
  const cap = (what: string): never => {
    throw new UserError(`${source}: refused: the pickle ${what} (a bGPT checkpoint's stays far below; nothing was executed)`, 'PICKLE_LIMIT');
  };
  const push = (v: PyValue): void => {
    if (++held > limits.maxStack) cap(`holds more than ${fmt(limits.maxStack)} values on its stack`);
    if (held > use.maxStack) use.maxStack = held;
    stack.push(v);
  };
  const container = <T extends PyValue>(v: T, items = 0): T => {
    if (++containers > limits.maxContainers) cap(`builds more than ${fmt(limits.maxContainers)} objects (dicts, lists, tuples, tensors)`);
    added(items);
    use.containers = containers;
    return v;
  };
  const added = (n: number): void => {
    elements += n;
    if (elements > limits.maxElements) cap(`puts more than ${fmt(limits.maxElements)} items into containers`);
    use.elements = elements;
  };
  const memoize = (i: number): void => {
    memo.set(i, top());
    if (memo.size > limits.maxMemo) cap(`memoizes more than ${fmt(limits.maxMemo)} values`);
    use.memo = memo.size;
  };

  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) bad(source, `truncated at byte ${pos}`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): PyValue => {
    if (stack.length === 0) bad(source, `stack underflow at byte ${pos}`);
    held--;
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) bad(source, `stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    if (marks.length === 0) bad(source, `no MARK at byte ${pos}`);
    stack = marks.pop() as PyValue[];
    held -= items.length;
    return items;
  };
  const sized = (n: number): number => {
    if (n > limits.maxStringBytes) cap(`holds a string or bytes value of ${fmt(n)} bytes, more than ${fmt(limits.maxStringBytes)}`);
    if (n > use.maxStringBytes) use.maxStringBytes = n;
    return n;
  };
  const text = (n: number): string => {
    const at = need(sized(n));
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch {
      return bad(source, 'string not valid UTF-8');
    }
  };
  const line = (): string => {
    // Looked for in the next MAX_GLOBAL_LINE bytes only, not to the end of a large pickle.
    const found = bytes.subarray(pos, pos + MAX_GLOBAL_LINE + 1).indexOf(0x0a);
    if (found < 0) bad(source, 'GLOBAL name');
    const end = pos + found;
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const global = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!CALLABLES.has(full) && !(full in STORAGE_TYPES)) {
      refuse(source, `refused: the pickle names the global ${full}, which is not a torch tensor or container type (nothing was executed)`);
    }
    return new PyGlobal(full);
  };
  const get = (i: number): PyValue => {
    if (!memo.has(i)) bad(source, `memo ${i} read before it was written`);
    return memo.get(i) as PyValue;
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) bad(source, 'SETITEM on a non-dict');
    if (items.length % 2 !== 0) bad(source, 'odd SETITEMS');
    added(items.length / 2);
    for (let i = 0; i < items.length; i += 2) dict.map.set(dictKey(items[i], source), items[i + 1]);
  };
  const appendItems = (list: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(list)) bad(source, 'APPEND on a non-list');
    added(items.length);
    for (const v of items) list.push(v);
  };

  for (;;) {
    const op = bytes[need(1)];
    if (++opcodes > limits.maxOpcodes) cap(`runs more than ${fmt(limits.maxOpcodes)} opcodes`);
    use.opcodes = opcodes;
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME (protocol 4): framing only
      case 0x2e: { // STOP
        const v = pop();
        if (stack.length !== 0 || marks.length !== 0) bad(source, 'values left on the stack at STOP');
        return v;
      }
      case 0x28: // MARK
        if (marks.length >= limits.maxDepth) cap(`nests MARKs deeper than ${fmt(limits.maxDepth)}`);
        if (marks.length + 1 > use.maxDepth) use.maxDepth = marks.length + 1;
        marks.push(stack);
        stack = [];
        break;
      case 0x7d: push(container(new PyDict())); break; // EMPTY_DICT
      case 0x5d: push(container([])); break; // EMPTY_LIST
      case 0x29: push(container(new PyTuple([]))); break; // EMPTY_TUPLE
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(bytes[need(1)]); break; // BININT1
      case 0x4d: push(view.getUint16(need(2), true)); break; // BININT2
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x8a: { // LONG1: little-endian two's complement of n bytes
        const n = bytes[need(1)];
        const at = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
        if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x58: push(text(view.getUint32(need(4), true))); break; // BINUNICODE
      case 0x8c: push(text(bytes[need(1)])); break; // SHORT_BINUNICODE
      case 0x54: push(text(view.getInt32(need(4), true))); break; // BINSTRING (ASCII in practice)
      case 0x55: push(text(bytes[need(1)])); break; // SHORT_BINSTRING
      case 0x42: { const n = sized(view.getUint32(need(4), true)); const at = need(n); push(bytes.slice(at, at + n)); break; } // BINBYTES
      case 0x43: { const n = bytes[need(1)]; const at = need(n); push(bytes.slice(at, at + n)); break; } // SHORT_BINBYTES
      case 0x63: { const module = line(); const name = line(); push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad(source, 'STACK_GLOBAL names');
        push(global(module, name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); push(container(apply(fn, args, source))); break; } // REDUCE
      case 0x62: { // BUILD: only an OrderedDict's instance state (torch's state_dict `_metadata`) is accepted, and ignored
        const state = pop();
        if (!(top() instanceof PyDict) || !(state instanceof PyDict || state === null)) refuse(source, 'refused: BUILD on an object that is not a dict (nothing was executed)');
        break;
      }
      case 0x51: push(container(persistentLoad(pop(), source))); break; // BINPERSID
      case 0x71: memoize(bytes[need(1)]); break; // BINPUT
      case 0x72: memoize(view.getUint32(need(4), true)); break; // LONG_BINPUT
      case 0x94: memoize(memo.size); break; // MEMOIZE
      case 0x68: push(get(bytes[need(1)])); break; // BINGET
      case 0x6a: push(get(view.getUint32(need(4), true))); break; // LONG_BINGET
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x74: { const items = popMark(); push(container(new PyTuple(items), items.length)); break; } // TUPLE (popMark swaps `stack`: pop first)
      case 0x85: push(container(new PyTuple([pop()]), 1)); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(container(new PyTuple([a, b]), 2)); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(container(new PyTuple([a, b, c]), 3)); break; } // TUPLE3
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      default:
        // INST, OBJ, NEWOBJ, EXT*, PERSID (text), ... can construct arbitrary objects: never accepted.
        refuse(source, `refused: pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} is not one torch.save writes for tensors (nothing was executed)`);
    }
  }
}
