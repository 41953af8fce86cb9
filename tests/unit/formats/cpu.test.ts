// Toy CPU (docs/cpu.md): hand-computed programs for every instruction form, saturation and DIV by zero,
// the file format, the generator, the translator, the validator and the evaluator.
import { describe, it, expect } from 'vitest';
import {
  OP, run, encodeProgram, encodeTrace, decodeTrace, randomProgram, translate, traceError, looksLikeTrace,
  evaluateTraces, scoreContinuation, MEMORY_BYTES, PROMPT_BYTES, STATE_BYTES, type Program,
} from '../../../src-main/formats/cpu';
import { mulberry32 } from '../../../src-main/formats/prng';

const [A, B, C, J] = [1, 2, 3, 10];

/** Memory holding `instructions` then HLT; registers A..J = 10, 20, …, 100 unless given. */
function program(instructions: number[][], acc = 5, regs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]): Program {
  const memory = new Uint8Array(MEMORY_BYTES);
  instructions.forEach((ins, i) => memory.set([...ins, 0, 0, 0].slice(0, 4), i * 4));
  const initial = new Uint8Array(16);
  initial[1] = acc;
  initial.set(regs, 6);
  return { memory, initial, length: instructions.length + 1 };
}

/** ACC and A..J after running one instruction (the state before HLT executes). */
function after(ins: number[], acc = 5, regs?: number[]): { acc: number; regs: number[] } {
  const states = run(program([ins], acc, regs).memory, program([ins], acc, regs).initial);
  const last = states[states.length - 1];
  return { acc: last[1], regs: Array.from(last.subarray(6)) };
}

const R = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const withReg = (i: number, v: number): number[] => R.map((x, k) => (k === i ? v : x));

describe('toy CPU instructions (hand-computed)', () => {
  it('HLT alone records one state and stops', () => {
    const p = program([]);
    const states = run(p.memory, p.initial);
    expect(states).toHaveLength(1);
    expect(Array.from(states[0])).toEqual([1, 5, 0, 0, 0, 0, ...R]);
  });
  it('unary operations on ACC and on a register', () => {
    expect(after([OP.CLR]).acc).toBe(0);
    expect(after([OP.CLR, B]).regs).toEqual(withReg(1, 0));
    expect(after([OP.INC], 255).acc).toBe(255);
    expect(after([OP.INC, A]).regs).toEqual(withReg(0, 11));
    expect(after([OP.DEC], 0).acc).toBe(0);
    expect(after([OP.DEC, J]).regs).toEqual(withReg(9, 99));
    expect(after([OP.SHL], 0b1100_0001).acc).toBe(0b1000_0010);
    expect(after([OP.SHL, C]).regs).toEqual(withReg(2, 60));
    expect(after([OP.SHR], 0b0000_0011).acc).toBe(0b0000_0001);
    expect(after([OP.SHR, A]).regs).toEqual(withReg(0, 5));
    expect(after([OP.ROL], 0b1000_0001).acc).toBe(0b0000_0011);
    expect(after([OP.ROL, A], 5, withReg(0, 0x80)).regs[0]).toBe(0x01);
    expect(after([OP.ROR], 0b0000_0011).acc).toBe(0b1000_0001);
    expect(after([OP.ROR, A], 5, withReg(0, 0x01)).regs[0]).toBe(0x80);
    expect(after([OP.NOT], 0x0f).acc).toBe(0xf0);
    expect(after([OP.NOT, B]).regs[1]).toBe(255 - 20);
  });
  it('PUSH, POP, LOADI, SWAP and MOV', () => {
    expect(after([OP.PUSH, C]).acc).toBe(30);
    expect(after([OP.POP, C], 7).regs).toEqual(withReg(2, 7));
    expect(after([OP.LOADI, 200]).acc).toBe(200);
    const swap1 = after([OP.SWAP, B], 7);
    expect([swap1.acc, swap1.regs[1]]).toEqual([20, 7]);
    const swap2 = after([OP.SWAP, A, J]);
    expect([swap2.acc, swap2.regs[0], swap2.regs[9]]).toEqual([5, 100, 10]);
    expect(after([OP.MOV, A, B]).regs).toEqual(withReg(0, 20));
  });
  it('arithmetic in all three forms, saturating', () => {
    expect(after([OP.ADD, A], 5).acc).toBe(15);
    expect(after([OP.ADD, A, B]).regs[0]).toBe(30);
    expect(after([OP.ADD, A, B, C]).regs).toEqual(withReg(2, 30));
    expect(after([OP.ADD, J], 200).acc).toBe(255);
    expect(after([OP.SUB, A], 5).acc).toBe(0);
    expect(after([OP.SUB, B, A]).regs[1]).toBe(10);
    expect(after([OP.SUB, A, B, C]).regs[2]).toBe(0);
    expect(after([OP.MUL, A], 5).acc).toBe(50);
    expect(after([OP.MUL, A, B]).regs[0]).toBe(200);
    expect(after([OP.MUL, B, C, A]).regs[0]).toBe(255);
  });
  it('DIV floors and gives 255 for a division by zero', () => {
    expect(after([OP.DIV, C], 100).acc).toBe(3);
    expect(after([OP.DIV, J, C]).regs[9]).toBe(3);
    expect(after([OP.DIV, A, B, C]).regs[2]).toBe(0);
    expect(after([OP.DIV, A], 9, withReg(0, 0)).acc).toBe(255);
    expect(after([OP.DIV, B, A], 5, withReg(0, 0)).regs[1]).toBe(255);
  });
  it('AND, OR, XOR in all three forms', () => {
    expect(after([OP.AND, A], 0b1110).acc).toBe(0b1010);
    expect(after([OP.OR, A, B]).regs[0]).toBe(10 | 20);
    expect(after([OP.XOR, A, B, C]).regs[2]).toBe(10 ^ 20);
    expect(after([OP.XOR, J], 100).acc).toBe(0);
  });
  it('a longer program: states record PC, IR and the values before each instruction runs', () => {
    const p = program([[OP.LOADI, 7], [OP.POP, A], [OP.ADD, A, A, B], [OP.SWAP, B]], 0);
    const file = encodeProgram(p);
    expect(file.length).toBe(1024 + 16 * 6);
    const states = decodeTrace(file).states;
    expect(Array.from(states[0].subarray(0, 7))).toEqual([1, 0, OP.LOADI, 7, 0, 0, 10]);
    expect(Array.from(states[1].subarray(0, 7))).toEqual([2, 7, OP.POP, A, 0, 0, 10]);
    expect(Array.from(states[2].subarray(0, 8))).toEqual([3, 7, OP.ADD, A, A, B, 7, 20]);
    expect(Array.from(states[3].subarray(0, 8))).toEqual([4, 7, OP.SWAP, B, 0, 0, 7, 14]);
    expect(Array.from(states[4].subarray(0, 8))).toEqual([5, 14, OP.HLT, 0, 0, 0, 7, 7]);
  });
  it('refuses malformed instructions', () => {
    const p = program([[OP.MOV, A]]);
    expect(() => run(p.memory, p.initial)).toThrow(/MOV takes 2 registers/);
    const q = program([[OP.ADD, 11]]);
    expect(() => run(q.memory, q.initial)).toThrow(/register code 11/);
    const r = program([[33]]);
    expect(() => run(r.memory, r.initial)).toThrow(/unknown opcode 33/);
  });
});

describe('CPU-state files', () => {
  it('the generator is seeded, bounded and gives files of 1024 + 16·(N+1) bytes that validate', () => {
    const a = randomProgram(mulberry32(7), 1, 40);
    const b = randomProgram(mulberry32(7), 1, 40);
    expect(encodeProgram(a)).toEqual(encodeProgram(b));
    const rng = mulberry32(1);
    for (let i = 0; i < 200; i++) {
      const p = randomProgram(rng, 3, 9);
      expect(p.length).toBeGreaterThanOrEqual(3);
      expect(p.length).toBeLessThanOrEqual(9);
      const bytes = encodeProgram(p);
      expect(bytes.length).toBe(1024 + 16 * (p.length + 1));
      expect(p.memory[(p.length - 1) * 4]).toBe(OP.HLT);
      expect(p.memory.subarray(p.length * 4).every((v) => v === 0)).toBe(true);
      expect(traceError(bytes)).toBeNull();
      expect(looksLikeTrace(bytes)).toBe(true);
    }
  });
  it('decode(encode) is the identity', () => {
    const bytes = encodeProgram(randomProgram(mulberry32(3), 10, 10));
    expect(encodeTrace(decodeTrace(bytes))).toEqual(bytes);
  });
  it('the validator names the first wrong byte, a wrong length, a wrong state count', () => {
    const bytes = encodeProgram(program([[OP.INC, A], [OP.INC, A]]));
    const wrong = bytes.slice();
    wrong[PROMPT_BYTES + 16 + 6] ^= 1;
    expect(traceError(wrong)).toBe('state 2 A is 10, the simulator gives 11');
    expect(traceError(bytes.subarray(0, bytes.length - 3))).toMatch(/not 1024 \+ 16·k/);
    expect(traceError(bytes.subarray(0, bytes.length - 16))).toMatch(/2 states, but the program runs 3/);
  });
  it('the translator lists the program and each step', () => {
    const text = translate(encodeProgram(program([[OP.ADD, A, B, C], [OP.LOADI, 9]])));
    expect(text).toContain('  0: ADD A B C');
    expect(text).toContain('  1: LOADI 9');
    expect(text).toContain('  2: HLT');
    expect(text).toMatch(/3: HLT +PC=3 ACC=9 IR=\[0,0,0,0\] A=10 B=20 C=30/);
  });
});

describe('CPU evaluation', () => {
  const files = [0, 1, 2].map((i) => ({ name: `p${i}.bin`, bytes: encodeProgram(randomProgram(mulberry32(i), 2, 6)) }));
  const truthOf = (prompt: Uint8Array) => files.find((f) => f.bytes.subarray(0, PROMPT_BYTES).every((v, k) => v === prompt[k]))!.bytes.subarray(PROMPT_BYTES);
  it('a perfect continuation scores 1', async () => {
    const r = await evaluateTraces(files, async (prompt) => truthOf(prompt).slice());
    expect(r).toEqual({ stateAccuracy: 1, byteAccuracy: 1, programs: 3 });
  });
  it('one wrong byte loses one state; missing bytes count as wrong', async () => {
    const totalBytes = files.reduce((n, f) => n + f.bytes.length - PROMPT_BYTES, 0);
    const r = await evaluateTraces(files, async (prompt) => {
      const t = truthOf(prompt).slice();
      t[0] ^= 0xff;
      return t.subarray(0, t.length - STATE_BYTES / 2);
    });
    expect(r.byteAccuracy).toBeCloseTo((totalBytes - 3 - 3 * 8) / totalBytes, 12);
    expect(r.stateAccuracy).toBeCloseTo((totalBytes / 16 - 6) / (totalBytes / 16), 12);
  });
  it('scores an empty continuation as all wrong', () => {
    expect(scoreContinuation(new Uint8Array(32).fill(1), new Uint8Array(0))).toEqual({ correctBytes: 0, totalBytes: 32, correctStates: 0, totalStates: 2 });
  });
});
