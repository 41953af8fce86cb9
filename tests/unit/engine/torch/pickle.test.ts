// The unpickler's caps (issue 20 item 2, docs/security.md "Pickle allocation bomb"): each cap refuses in
// one line naming it, a real checkpoint's pickle stays far below every one, and the bomb (a
// 65 KB .pth whose deflated data.pkl is 64 MiB of EMPTY_DICT) is refused quickly without building it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PICKLE_LIMITS, unpickle, type PickleLimits, type PickleStats } from '../../../../src-main/engine/torch/pickle';
import { inspectTorchCheckpoint, MAX_PICKLE_BYTES } from '../../../../src-main/engine/torch/read';
import { TorchZip } from '../../../../src-main/engine/torch/zip';
import { EMPTY_DICT, opcodeRun, pickleBomb } from '../../../helpers/pickle-bomb';
import { tempDir } from '../../../helpers/temp';

const dir = tempDir('bgpt-pickle-caps-');
const FIXTURE = path.join(__dirname, '../../../fixtures/parity/tiny-a/model.pth');

const PROTO = [0x80, 2];
const STOP = [0x2e];
const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());
const refusal = (b: Uint8Array, limits: Partial<PickleLimits>): string => {
  try {
    unpickle(b, 'x.pth', { ...PICKLE_LIMITS, ...limits });
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('pickle caps', () => {
  it('refuses past each cap in one line that names it', () => {
    const lists = (n: number) => bytes(PROTO, [0x28], new Array(n).fill(0x5d), [0x74], STOP); // MARK, n × EMPTY_LIST, TUPLE
    expect(refusal(lists(50), { maxOpcodes: 40 })).toBe("x.pth: refused: the pickle runs more than 40 opcodes (a bGPT checkpoint's stays far below; nothing was executed)");
    expect(refusal(lists(50), { maxStack: 10 })).toMatch(/^x\.pth: refused: the pickle holds more than 10 values on its stack /);
    expect(refusal(lists(50), { maxContainers: 20 })).toMatch(/builds more than 20 objects \(dicts, lists, tuples, tensors\)/);
    expect(refusal(lists(50), { maxElements: 30 })).toMatch(/puts more than 30 items into containers/);
    expect(refusal(bytes(PROTO, new Array(20).fill(0x28), STOP), { maxDepth: 8 })).toMatch(/nests MARKs deeper than 8/);
    expect(refusal(bytes(PROTO, [0x5d], new Array(20).fill(0).flatMap((_, i) => [0x71, i]), STOP), { maxMemo: 5 })).toMatch(/memoizes more than 5 values/);
    expect(refusal(bytes(PROTO, [0x58, 0x00, 0x00, 0x10, 0x00], new Array(1 << 20).fill(0x61), STOP), { maxStringBytes: 1000 })).toMatch(/holds a string or bytes value of 1,048,576 bytes, more than 1,000/);
    for (const msg of [refusal(lists(50), { maxOpcodes: 40 }), refusal(lists(50), { maxStack: 10 })]) expect(msg.split('\n')).toHaveLength(1);
  });

  it('leaves a real checkpoint far inside every cap', async () => {
    const zip = await TorchZip.open(FIXTURE);
    const pkl = await zip.readEntry([...zip.entries.keys()].find((n) => n.endsWith('data.pkl'))!, MAX_PICKLE_BYTES);
    await zip.close();
    const stats: PickleStats = { opcodes: 0, maxStack: 0, maxDepth: 0, memo: 0, containers: 0, elements: 0, maxStringBytes: 0 };
    unpickle(pkl, 'tiny-a', PICKLE_LIMITS, stats);
    // The reference trainer's paper-size pickle with optimizer state (docs/security.md) is ~11× this one.
    expect(stats.opcodes * 11 * 50).toBeLessThan(PICKLE_LIMITS.maxOpcodes);
    expect(stats.containers * 14 * 20).toBeLessThan(PICKLE_LIMITS.maxContainers);
    expect(stats.memo * 10 * 20).toBeLessThan(PICKLE_LIMITS.maxMemo);
    expect(stats.maxDepth * 100).toBeLessThan(PICKLE_LIMITS.maxDepth);
  });

  it("refuses the issue's 65 KB bomb (64 MiB of EMPTY_DICT deflated) at the zip, honest or lying about its size", async () => {
    for (const [name, lie] of [['honest.pth', false], ['liar.pth', true]] as const) {
      const bomb = pickleBomb(64, { lie });
      expect(bomb.length).toBeLessThan(70_000);
      const file = path.join(dir, name);
      writeFileSync(file, bomb);
      const t0 = performance.now();
      const err = await inspectTorchCheckpoint(file).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(lie ? /bad zip entry archive\/data\.pkl \(too many bytes/ : /zip entry archive\/data\.pkl declares 64 MiB, more than its 32 MiB limit$/);
      expect(err?.message.split('\n')).toHaveLength(1);
      expect(performance.now() - t0).toBeLessThan(5_000);
    }
  });

  it('stops a bomb under the 32 MiB pickle limit at the first cap, without building it', () => {
    const t0 = performance.now();
    const before = process.memoryUsage().heapUsed;
    expect(() => unpickle(opcodeRun(EMPTY_DICT, 30 * 1024 * 1024), 'bomb.pth')).toThrow(/^bomb\.pth: refused: the pickle holds more than 100,000 values on its stack/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
