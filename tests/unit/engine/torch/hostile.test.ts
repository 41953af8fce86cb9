// Hostile and broken PyTorch checkpoints: the restricted unpickler refuses every global outside its
// allow-list (nothing runs: a payload that would create a marker file leaves no file), and bad
// archives, out-of-range storages, absurd sizes, deep nesting and memo tricks each give one clear
// line without allocating what they declare.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { UserError } from '../../../../src-main/shared/errors';
import { readTorchCheckpoint, writeTorchCheckpoint } from '../../../../src-main/engine/torch/index';
import { writeStoredZip } from '../../../../src-main/engine/torch/write';
import { loadModel } from '../../../../src-main/engine/io/checkpoint';
import { readSafetensors } from '../../../../src-main/engine/io/safetensors';
import { tempDir } from '../../../helpers/temp';

/** Bit-exact float arrays, compared as bytes (vitest's deep equality is slow on large typed arrays). */
const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const FIXTURE = path.join(import.meta.dirname, '../../../fixtures/parity/tiny-a');
let dir: string;

beforeAll(() => {
  dir = tempDir('bgpt-hostile-');
});

// ----- a few pickle opcodes, to build hostile payloads by hand -----
const enc = new TextEncoder();
const cat = (...parts: Array<Uint8Array | number[]>): Uint8Array => Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): Uint8Array => { const b = enc.encode(s); return cat([0x58, ...u32(b.length)], b); };
const global = (m: string, n: string): Uint8Array => cat([0x63], enc.encode(`${m}\n${n}\n`));
const int = (n: number): number[] => (n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]);
const PROTO = [0x80, 2];
const STOP = [0x2e];

/** A _rebuild_tensor_v2 call: storage `key` of `numel` floats viewed at offset/size/stride. */
function tensorPickle(key: string, numel: number, offset: number, size: number[], stride: number[], storageType = 'FloatStorage'): Uint8Array {
  const tuple = (xs: number[]): Uint8Array => cat([0x28], ...xs.map(int), [0x74]);
  return cat(global('torch._utils', '_rebuild_tensor_v2'), [0x28],
    cat([0x28], str('storage'), global('torch', storageType), str(key), str('cpu'), int(numel), [0x74, 0x51]),
    int(offset), tuple(size), tuple(stride), [0x89], global('collections', 'OrderedDict'), [0x29, 0x52], [0x74, 0x52]);
}

async function archive(name: string, pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Promise<string> {
  const file = path.join(dir, name);
  await writeStoredZip(file, [['archive/data.pkl', pickle], ...Object.entries(storages).map(([k, v]) => [`archive/data/${k}`, v] as [string, Uint8Array]), ['archive/version', enc.encode('3\n')]]);
  return file;
}

async function refusal(file: string): Promise<UserError> {
  const err = await readTorchCheckpoint(file).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message.split('\n')).toHaveLength(1);
  return err as UserError;
}

describe('the restricted unpickler', () => {
  it('refuses GLOBAL posix system + REDUCE, naming it, and the marker file never appears', async () => {
    const marker = path.join(dir, 'pwned-marker');
    const payload = cat(PROTO, global('posix', 'system'), str(`touch ${marker}`), [0x85, 0x52], STOP);
    // Proof the payload is real: CPython's own pickle runs it (where python3 exists), on another marker.
    const proof = path.join(dir, 'proof-marker');
    const python = spawnSync('python3', ['-c', 'import pickle,sys; pickle.loads(sys.stdin.buffer.read())'], {
      input: cat(PROTO, global('posix', 'system'), str(`touch ${proof}`), [0x85, 0x52], STOP),
    });
    if (python.status === 0) expect(existsSync(proof)).toBe(true);
    const file = await archive('evil.pth', payload);
    const err = await refusal(file);
    expect(err.message).toMatch(/refused.*posix\.system.*nothing was executed/);
    expect(err.code).toBe('UNSAFE_PICKLE');
    // And through a loader a user would call.
    await expect(loadModel(file)).rejects.toThrow(/posix\.system/);
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['builtins', 'eval'], ['os', 'system'], ['builtins', 'getattr'], ['subprocess', 'Popen'], ['torch.nn.modules.linear', 'Linear'], ['numpy.core.multiarray', '_reconstruct'],
  ])('refuses the global %s.%s', async (m, n) => {
    const file = await archive(`g-${m}-${n}.pth`, cat(PROTO, global(m, n), [0x29, 0x52], STOP));
    expect((await refusal(file)).message).toContain(`${m}.${n}`);
  });

  it('refuses STACK_GLOBAL, INST, OBJ and NEWOBJ tricks', async () => {
    const short = (s: string): number[] => [0x8c, s.length, ...enc.encode(s)];
    const stack = await archive('stack.pth', cat([0x80, 4], short('os'), short('system'), [0x93], str('id'), [0x85, 0x52], STOP));
    expect((await refusal(stack)).message).toContain('os.system');
    const inst = await archive('inst.pth', cat(PROTO, [0x28], enc.encode('ios\nsystem\n'), STOP));
    expect((await refusal(inst)).message).toMatch(/opcode 0x69/);
    const newobj = await archive('newobj.pth', cat(PROTO, global('collections', 'OrderedDict'), [0x29, 0x81], STOP));
    expect((await refusal(newobj)).message).toMatch(/opcode 0x81/);
  });

  it('refuses deep nesting, memo reads before writes and a self-referencing bomb, quickly', async () => {
    const deep = await archive('deep.pth', cat(PROTO, new Array(50_000).fill(0x28), STOP));
    expect((await refusal(deep)).message).toMatch(/nests MARKs deeper than 1,000/);
    const memo = await archive('memo.pth', cat(PROTO, [0x68, 7], STOP));
    expect((await refusal(memo)).message).toMatch(/memo 7 read before/);
    // A list appended to itself 100 000 times through the memo: references, never copies.
    const bomb = cat(PROTO, [0x7d], str('model'), [0x5d, 0x71, 0], ...new Array(100_000).fill([0x68, 0, 0x61]), [0x73], STOP);
    const t0 = Date.now();
    expect((await refusal(await archive('bomb.pth', bomb))).message).toMatch(/holds no tensors|not a tensor|state dict/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('broken archives and tensors', () => {
  it('names a file that is not a zip, a truncated checkpoint and an archive without data.pkl', async () => {
    const junk = path.join(dir, 'junk.pth');
    await fs.writeFile(junk, Buffer.alloc(4096, 7));
    expect((await refusal(junk)).message).toMatch(/not a PyTorch zip checkpoint/);
    const whole = await fs.readFile(path.join(FIXTURE, 'model.pth'));
    const cut = path.join(dir, 'cut.pth');
    await fs.writeFile(cut, whole.subarray(0, whole.length >> 1));
    await refusal(cut);
    const empty = path.join(dir, 'nopkl.pth');
    await writeStoredZip(empty, [['archive/version', enc.encode('3\n')]]);
    expect((await refusal(empty)).message).toMatch(/no data\.pkl/);
    await expect(readTorchCheckpoint(path.join(dir, 'absent.pth'))).rejects.toThrow(/no such file/);
  });

  it('refuses storages declared larger than their entry, without allocating what they declare', async () => {
    const c = await readTorchCheckpoint(path.join(FIXTURE, 'model.pth'));
    const good = path.join(dir, 'good-huge.pth');
    await writeTorchCheckpoint(good, [...c.tensors]);
    const zip = await fs.readFile(good);
    // The storage of patch_embedding.weight: 'cpu', then BININT 263168 (its element count).
    const at = zip.indexOf(Buffer.from([0x4a, ...u32(64 * 16 * 257)]));
    expect(at).toBeGreaterThan(0);
    zip.set(u32(0x7fffffff), at + 1); // 2^31 floats: 8 GiB declared in a 1 MB entry
    const huge = path.join(dir, 'huge.pth');
    await fs.writeFile(huge, zip);
    const rss = process.memoryUsage().rss;
    expect((await refusal(huge)).message).toMatch(/patch_embedding\.weight: storage 0 declares 2147483647 elements, its entry holds 263168/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    zip.set(u32(1000), at + 1); // and far fewer than the view needs
    const small = path.join(dir, 'small.pth');
    await fs.writeFile(small, zip);
    expect((await refusal(small)).message).toMatch(/reach past its storage of 1000 elements/);
  });

  it('refuses a view that reaches past its storage, on a real model', async () => {
    // The fixture's weights with one tensor's view pointing past its storage's end.
    const c = await readTorchCheckpoint(path.join(FIXTURE, 'model.pth'));
    const good = path.join(dir, 'good.pth');
    await writeTorchCheckpoint(good, [...c.tensors]);
    const zip = await fs.readFile(good);
    // Patch the pickle: the bias of ln_f (64 floats) is re-declared at storage offset 1.
    const i = zip.indexOf(Buffer.from('patch_level_decoder.base.ln_f.bias'));
    const off = zip.indexOf(Buffer.from([0x51, 0x4b, 0x00]), i); // BINPERSID, BININT1 0 (the storage offset)
    expect(off).toBeGreaterThan(i);
    zip[off + 2] = 1;
    // The zip CRC no longer matches; yauzl does not check CRCs of entries read by position, torch neither.
    const bad = path.join(dir, 'offset.pth');
    await fs.writeFile(bad, zip);
    expect((await refusal(bad)).message).toMatch(/ln_f\.bias: offset 1, size \[64\] and stride \[1\] reach past its storage of 64 elements/);
  });

  it('names a tensor whose shape does not fit the inferred config', async () => {
    const c = await readTorchCheckpoint(path.join(FIXTURE, 'model.pth'));
    const tensors = [...c.tensors].map(([n, t]) => (n === 'patch_level_decoder.base.h.1.mlp.c_fc.weight' ? [n, { shape: [64, 128], data: t.data.subarray(0, 64 * 128) }] : [n, t]) as [string, typeof t]);
    const file = path.join(dir, 'shape.pth');
    await writeTorchCheckpoint(file, tensors);
    expect((await refusal(file)).message).toMatch(/h\.1\.mlp\.c_fc\.weight has shape \[64, 128\], the inferred config expects \[64, 256\]/);
    const noLayer = path.join(dir, 'nolayer.pth');
    await writeTorchCheckpoint(noLayer, [...c.tensors].filter(([n]) => !n.startsWith('patch_level_decoder.base.h.0.ln_2')));
    expect((await refusal(noLayer)).message).toMatch(/h\.0\.ln_2\.weight is missing/);
  });
});

describe('other dict shapes the reference writes', () => {
  it('reads a classifier (labels in index order, no byte decoder) and keeps it out of generation', async () => {
    const c = await readTorchCheckpoint(path.join(FIXTURE, 'model.pth'));
    const patch = [...c.tensors].filter(([n]) => n.startsWith('patch_level_decoder.'));
    const w = { shape: [3, 64], data: Float32Array.from({ length: 192 }, (_, i) => i / 192) };
    const b = { shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) };
    const file = path.join(dir, 'cls.pth');
    await writeTorchCheckpoint(file, [...patch, ['classifier.weight', w], ['classifier.bias', b]], { labels: ['jig', 'reel', 'polka'], epoch: 4 });
    const r = await readTorchCheckpoint(file);
    expect(r.kind).toBe('classifier');
    expect(r.labels).toEqual(['jig', 'reel', 'polka']);
    expect(r.config.byteNumLayers).toBe(0);
    expect(r.config.patchNumLayers).toBe(2);
    expect(r.tensors.get('classifier.weight')!.data).toEqual(w.data);
    expect(r.meta.epoch).toBe(4);
    await expect(loadModel(file)).rejects.toThrow(/classification checkpoint \(labels: jig, reel, polka\).*bgpt classify/);
  });

  it('widens float16 and bfloat16 checkpoints to float32 within their precision', async () => {
    const { tensors } = await readSafetensors(path.join(FIXTURE, 'checkpoint/model.safetensors'));
    for (const [dtype, rel] of [['f16', 2 ** -11], ['bf16', 2 ** -8]] as const) {
      const file = path.join(dir, `${dtype}.pth`);
      await writeTorchCheckpoint(file, [...tensors], { dtype });
      expect((await fs.stat(file)).size).toBeLessThan((await fs.stat(path.join(FIXTURE, 'model.pth'))).size * 0.6);
      const r = await readTorchCheckpoint(file);
      let worst = 0;
      for (const [name, t] of tensors) {
        const got = r.tensors.get(name)!.data;
        for (let i = 0; i < t.data.length; i++) {
          const x = t.data[i];
          // f16 subnormals below 2^-14 keep an absolute precision of 2^-24.
          worst = Math.max(worst, Math.abs(got[i] - x) / Math.max(Math.abs(x), dtype === 'f16' ? 2 ** -14 : 1e-30));
        }
        expect(got.some((v, i) => v !== t.data[i])).toBe(true);
      }
      expect(worst).toBeLessThanOrEqual(rel);
    }
  });

  it('reads a bare state dict with a DataParallel module. prefix', async () => {
    const c = await readTorchCheckpoint(path.join(FIXTURE, 'model.pth'));
    const storages: Record<string, Uint8Array> = {};
    const items = [...c.tensors].map(([n, t], i) => {
      storages[String(i)] = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
      const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((x, y) => x * y, 1));
      return cat(str(`module.${n}`), tensorPickle(String(i), t.data.length, 0, t.shape, stride));
    });
    const file = await archive('bare.pth', cat(PROTO, global('collections', 'OrderedDict'), [0x29, 0x52, 0x28], ...items, [0x75], STOP), storages);
    const r = await readTorchCheckpoint(file);
    expect(r.config).toEqual(c.config);
    expect(r.meta.hasOptimizer).toBe(false);
    expect([...r.tensors.keys()]).toEqual([...c.tensors.keys()]);
    for (const [n, t] of c.tensors) expect(bytesOf(r.tensors.get(n)!.data).equals(bytesOf(t.data)), n).toBe(true);
  });
});
