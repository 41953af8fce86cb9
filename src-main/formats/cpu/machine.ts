// The paper's toy CPU (bGPT, arXiv 2402.19155 §4.3), exactly as docs/cpu.md specifies: 1 KB memory
// of 4-byte instructions, PC, ACC, IR and registers A..J, saturating byte arithmetic.

export const MEMORY_BYTES = 1024;
export const INSTRUCTION_BYTES = 4;
export const STATE_BYTES = 16;
export const REGISTER_COUNT = 10;
/** PC is one byte, so it stops counting at 255. */
const PC_MAX = 255;

export const OPCODES = [
  'HLT', 'CLR', 'INC', 'DEC', 'SHL', 'SHR', 'ROL', 'ROR', 'NOT', 'PUSH', 'POP',
  'LOADI', 'SWAP', 'ADD', 'SUB', 'MUL', 'DIV', 'AND', 'OR', 'XOR', 'MOV',
] as const;
export type Mnemonic = (typeof OPCODES)[number];
export const OP = Object.fromEntries(OPCODES.map((name, code) => [name, code])) as Record<Mnemonic, number>;

/** Machine state in file order: [PC, ACC, IR0..IR3, A..J]. */
export type State = Uint8Array;
export const STATE_PC = 0;
export const STATE_ACC = 1;
export const STATE_IR = 2;
export const STATE_REGS = 6;

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

const UNARY: Record<number, (v: number) => number> = {
  [OP.INC]: (v) => clamp(v + 1),
  [OP.DEC]: (v) => clamp(v - 1),
  [OP.SHL]: (v) => (v << 1) & 0xff,
  [OP.SHR]: (v) => v >> 1,
  [OP.ROL]: (v) => ((v << 1) | (v >> 7)) & 0xff,
  [OP.ROR]: (v) => ((v >> 1) | ((v & 1) << 7)) & 0xff,
  [OP.NOT]: (v) => ~v & 0xff,
  [OP.CLR]: () => 0,
};

const BINARY: Record<number, (x: number, y: number) => number> = {
  [OP.ADD]: (x, y) => clamp(x + y),
  [OP.SUB]: (x, y) => clamp(x - y),
  [OP.MUL]: (x, y) => clamp(x * y),
  [OP.DIV]: (x, y) => (y === 0 ? 255 : Math.floor(x / y)),
  [OP.AND]: (x, y) => x & y,
  [OP.OR]: (x, y) => x | y,
  [OP.XOR]: (x, y) => x ^ y,
};

/** Why an instruction cannot run, or null when it is well formed. */
export function instructionError(ins: ArrayLike<number>): string | null {
  const [op, a1, a2, a3] = [ins[0], ins[1], ins[2], ins[3]];
  if (op > OP.MOV) return `unknown opcode ${op}`;
  if (op === OP.LOADI || op === OP.HLT) return null;
  const regs = [a1, a2, a3];
  const bad = regs.find((r) => r > REGISTER_COUNT);
  if (bad !== undefined) return `${OPCODES[op]}: register code ${bad} is not 0..${REGISTER_COUNT}`;
  const count = a1 === 0 ? 0 : a2 === 0 ? 1 : a3 === 0 ? 2 : 3;
  const allowed = FORMS[op];
  if (!allowed.includes(count)) return `${OPCODES[op]} takes ${allowed.join(' or ')} registers, not ${count}`;
  return null;
}

/** Register counts each opcode accepts (LOADI takes a byte instead). */
export const FORMS: Record<number, number[]> = {
  [OP.HLT]: [0], [OP.CLR]: [0, 1], [OP.INC]: [0, 1], [OP.DEC]: [0, 1], [OP.SHL]: [0, 1], [OP.SHR]: [0, 1],
  [OP.ROL]: [0, 1], [OP.ROR]: [0, 1], [OP.NOT]: [0, 1], [OP.PUSH]: [1], [OP.POP]: [1], [OP.LOADI]: [1],
  [OP.SWAP]: [1, 2], [OP.ADD]: [1, 2, 3], [OP.SUB]: [1, 2, 3], [OP.MUL]: [1, 2, 3], [OP.DIV]: [1, 2, 3],
  [OP.AND]: [1, 2, 3], [OP.OR]: [1, 2, 3], [OP.XOR]: [1, 2, 3], [OP.MOV]: [2],
};

/** Index into a state of register code r (1 = A … 10 = J); code 0 names ACC. */
const slot = (r: number): number => (r === 0 ? STATE_ACC : STATE_REGS + r - 1);

/** Executes the instruction held in s's IR, in place. Returns false on HLT. */
export function execute(s: State): boolean {
  const op = s[STATE_IR], a1 = s[STATE_IR + 1], a2 = s[STATE_IR + 2], a3 = s[STATE_IR + 3];
  const err = instructionError([op, a1, a2, a3]);
  if (err) throw new Error(err);
  if (op === OP.HLT) return false;
  if (op in UNARY) {
    s[slot(a1)] = UNARY[op](s[slot(a1)]);
  } else if (op === OP.PUSH) {
    s[STATE_ACC] = s[slot(a1)];
  } else if (op === OP.POP) {
    s[slot(a1)] = s[STATE_ACC];
  } else if (op === OP.LOADI) {
    s[STATE_ACC] = a1;
  } else if (op === OP.SWAP || op === OP.MOV) {
    // SWAP X swaps with ACC (a2 = 0 names ACC); MOV X Y copies.
    const x = slot(a1), y = slot(a2);
    const vx = s[x];
    s[x] = s[y];
    if (op === OP.SWAP) s[y] = vx;
  } else {
    const f = BINARY[op];
    if (a2 === 0) s[STATE_ACC] = f(s[STATE_ACC], s[slot(a1)]);
    else if (a3 === 0) s[slot(a1)] = f(s[slot(a1)], s[slot(a2)]);
    else s[slot(a3)] = f(s[slot(a1)], s[slot(a2)]);
  }
  return true;
}

/**
 * Runs memory from `initial` until HLT and returns every state recorded at the fetch step
 * (the HLT's included), not the initial state. Throws on a malformed instruction or a program
 * that does not halt within the 256 instructions memory can hold.
 */
export function run(memory: Uint8Array, initial: State): State[] {
  const states: State[] = [];
  const s = Uint8Array.from(initial);
  for (let step = 0; step <= PC_MAX; step++) {
    const at = s[STATE_PC] * INSTRUCTION_BYTES;
    s.set(memory.subarray(at, at + INSTRUCTION_BYTES), STATE_IR);
    s[STATE_PC] = Math.min(s[STATE_PC] + 1, PC_MAX);
    states.push(Uint8Array.from(s));
    if (!execute(s)) return states;
  }
  throw new Error(`the program does not halt within ${PC_MAX + 1} steps`);
}
