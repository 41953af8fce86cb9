// safetensors reader/writer: the reference checkpoint, round trips, F16/BF16 widening, strict validation.
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseSafetensors, readSafetensors, readSafetensorsIndex, serializeSafetensors, writeSafetensors } from '../../../../src-main/engine/io/safetensors';
import { UserError } from '../../../../src-main/shared/errors';
import { tempDir } from '../../../helpers/temp';

const CHECKPOINT = path.join(import.meta.dirname, '../../../fixtures/parity/tiny-a/checkpoint/model.safetensors');

/** Builds a file by hand: header JSON (unpadded) and a raw byte buffer. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectUserError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try { fn(); } catch (err) { caught = err; }
  expect(caught).toBeInstanceOf(UserError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('safetensors: reference checkpoint', () => {
  it('reads the tiny-a tensors with their shapes, values and metadata', async () => {
    const file = await readSafetensors(CHECKPOINT);
    expect(file.tensors.size).toBe(47);
    expect(file.metadata).toEqual({ format: 'pt', source: 'bGPT reference implementation' });
    const emb = file.tensors.get('patch_level_decoder.patch_embedding.weight')!;
    expect(emb.shape).toEqual([64, 16 * 257]);
    expect(emb.dtype).toBe('F32');
    const head = file.tensors.get('byte_level_decoder.base.lm_head.weight')!;
    expect(head.shape).toEqual([257, 64]);
    expect(Array.from(head.data.subarray(0, 3))).toEqual([0.06322065740823746, -0.08061593025922775, -0.08646480739116669].map(Math.fround));
    const bias = file.tensors.get('patch_level_decoder.patch_embedding.bias')!;
    expect(bias.data[2]).toBe(Math.fround(-0.0085805244743824));
  });

  it('writes back bytes that read as the same tensors', async () => {
    const original = await readSafetensors(CHECKPOINT);
    const bytes = serializeSafetensors(original.tensors, original.metadata);
    const again = parseSafetensors(bytes);
    expect([...again.tensors.keys()]).toEqual([...original.tensors.keys()]);
    for (const [name, t] of original.tensors) {
      expect(again.tensors.get(name)!.shape).toEqual(t.shape);
      // Byte comparison: exact, and far faster than an element-wise toEqual on 263k floats.
      expect(Buffer.from(again.tensors.get(name)!.data.buffer, again.tensors.get(name)!.data.byteOffset, t.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
    expect(again.metadata).toEqual(original.metadata);
  });
});

describe('safetensors: writing', () => {
  it('pads the header to 8 bytes and round-trips through a file atomically', async () => {
    const dir = tempDir('bgpt-st-');
    const target = path.join(dir, 'm.safetensors');
    const tensors: [string, { shape: number[]; data: Float32Array }][] = [
      ['a', { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, -6.5]) }],
      ['scalar', { shape: [], data: new Float32Array([7]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ];
    await writeSafetensors(target, tensors, { note: 'x' });
    const bytes = await fs.readFile(target);
    expect(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)) % 8).toBe(0);
    const back = await readSafetensors(target);
    expect(back.tensors.get('a')!.data).toEqual(tensors[0][1].data);
    expect(back.tensors.get('scalar')!.data[0]).toBe(7);
    expect(back.tensors.get('empty')!.shape).toEqual([0, 4]);
    expect(back.metadata).toEqual({ note: 'x' });
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('refuses a shape that does not match the data', () => {
    expectUserError(() => serializeSafetensors([['w', { shape: [2, 2], data: new Float32Array(3) }]]), /tensor w: shape \[2, 2\] needs 4 values, got 3/);
  });
});

describe('safetensors: F16 and BF16', () => {
  it('widens half and bfloat16 values to float32', () => {
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00]).buffer); // 1, -2, 2^-24, inf
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer); // 1, -5
    const data = new Uint8Array(12);
    data.set(f16, 0);
    data.set(bf16, 8);
    const file = parseSafetensors(handMade({
      h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
    }, data));
    expect(Array.from(file.tensors.get('h')!.data)).toEqual([1, -2, 2 ** -24, Infinity]);
    expect(Array.from(file.tensors.get('b')!.data)).toEqual([1, -5]);
    expect(file.tensors.get('b')!.dtype).toBe('BF16');
  });
});

describe('safetensors: validation', () => {
  it('rejects a file shorter than the length prefix', () => {
    expectUserError(() => parseSafetensors(new Uint8Array(5), 'x.safetensors'), /^x\.safetensors: truncated/);
  });

  it('rejects a header length past the end of the file', async () => {
    const bytes = new Uint8Array(await fs.readFile(CHECKPOINT)).subarray(0, 100);
    expectUserError(() => parseSafetensors(bytes), /truncated safetensors file: header says 5320 bytes/);
  });

  it('rejects a truncated byte buffer, naming the tensor out of range', async () => {
    const full = new Uint8Array(await fs.readFile(CHECKPOINT));
    expectUserError(() => parseSafetensors(full.subarray(0, full.length - 10)), /tensor byte_level_decoder\.base\.lm_head\.weight: data_offsets \[\d+, \d+\] out of range/);
  });

  it('rejects a header that is not JSON, or not an object', () => {
    const junk = new Uint8Array(12);
    new DataView(junk.buffer).setBigUint64(0, 4n, true);
    junk.set([0x7b, 0x7b, 0x22, 0x5d], 8);
    expectUserError(() => parseSafetensors(junk), /not valid UTF-8 JSON/);
    expectUserError(() => parseSafetensors(handMade([1, 2])), /not a JSON object/);
  });

  it('rejects an absurd header length', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
    expectUserError(() => parseSafetensors(bytes), /larger than the/);
  });

  it('rejects unsupported dtypes, bad shapes and offsets that disagree with the shape', () => {
    const data = new Uint8Array(8);
    expectUserError(() => parseSafetensors(handMade({ t: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data)), /tensor t: unsupported dtype "I64"/);
    expectUserError(() => parseSafetensors(handMade({ t: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data)), /tensor t: bad shape/);
    expectUserError(() => parseSafetensors(handMade({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data)), /hold 8 bytes, shape \[3\] F32 needs 12/);
    expectUserError(() => parseSafetensors(handMade({ t: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, data)), /bad data_offsets/);
  });

  it('rejects holes, overlaps and trailing bytes in the byte buffer', () => {
    const data = new Uint8Array(12);
    expectUserError(() => parseSafetensors(handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data.subarray(0, 8))), /start at 4, expected 0/);
    expectUserError(() => parseSafetensors(handMade({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, data)), /tensor b: data_offsets start at 4, expected 8/);
    expectUserError(() => parseSafetensors(handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data)), /12 bytes but the tensors cover 8/);
  });

  it('rejects non-string metadata values', () => {
    expectUserError(() => parseSafetensors(handMade({ __metadata__: { step: 3 } })), /__metadata__\.step is not a string/);
  });

  it('names a missing file', async () => {
    await expect(readSafetensors('/nonexistent/model.safetensors')).rejects.toThrow(/\/nonexistent\/model\.safetensors: cannot read safetensors file \(ENOENT\)/);
  });
});

describe('safetensors: header-only index (streaming loader)', () => {
  async function withFile(bytes: Uint8Array, f: (file: string) => Promise<void>): Promise<void> {
    const dir = tempDir('bgpt-stindex-');
    const file = path.join(dir, 'model.safetensors');
    await fs.writeFile(file, bytes);
    await f(file);
  }

  it('gives each tensor\'s place in the file, matching the parsed values', async () => {
    const bytes = serializeSafetensors([['a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }], ['b', { shape: [1], data: Float32Array.from([7]) }]], { k: 'v' });
    await withFile(bytes, async (file) => {
      const { tensors, metadata } = await readSafetensorsIndex(file);
      expect(metadata).toEqual({ k: 'v' });
      const a = tensors.get('a')!;
      expect(a).toMatchObject({ dtype: 'F32', shape: [2, 3], byteLength: 24 });
      expect(Array.from(new Float32Array(bytes.slice(a.fileOffset, a.fileOffset + a.byteLength).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(tensors.get('b')!.fileOffset).toBe(a.fileOffset + 24);
    });
  });

  it('refuses in one line, without allocating what the header claims: huge header, short file, offsets past the end', async () => {
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    await withFile(huge, async (file) => {
      await expect(readSafetensorsIndex(file)).rejects.toThrow(/larger than the/);
    });
    const good = serializeSafetensors([['a', { shape: [4], data: new Float32Array(4) }]]);
    await withFile(good.subarray(0, good.length - 4), async (file) => {
      await expect(readSafetensorsIndex(file)).rejects.toThrow(UserError);
      await expect(readSafetensorsIndex(file)).rejects.toThrow(/out of range|truncated/);
    });
    await withFile(good.subarray(0, 5), async (file) => {
      await expect(readSafetensorsIndex(file)).rejects.toThrow(/truncated/);
    });
    await expect(readSafetensorsIndex('/nonexistent/model.safetensors')).rejects.toThrow(/cannot read/);
  });
});
