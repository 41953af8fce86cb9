// Random programs and initial states for the CPU-state dataset, as docs/cpu.md "Random programs"
// describes. Draw order (so a seed reproduces a file): N, then per instruction type → form →
// operands, then ACC and A..J of the initial state. PRNG: mulberry32 (see ../prng).
import { type Rng } from '../prng';
import { FORMS, INSTRUCTION_BYTES, MEMORY_BYTES, OP, REGISTER_COUNT, STATE_ACC, STATE_BYTES, STATE_REGS, type State } from './machine';

/** The paper's program lengths: 1..255 instructions, HLT included. */
export const PAPER_MIN_LENGTH = 1;
export const PAPER_MAX_LENGTH = 255;

export interface Program {
  /** The 1024 bytes of memory: instructions from address 0, then zeros. */
  memory: Uint8Array;
  /** Initial state: PC 0, IR 0, ACC and A..J random. */
  initial: State;
  /** Instruction count, HLT included. */
  length: number;
}

const randomRegister = (rng: Rng): number => rng.int(1, REGISTER_COUNT);

/** One random non-HLT instruction [op, a1, a2, a3]. */
export function randomInstruction(rng: Rng): number[] {
  const op = rng.int(OP.CLR, OP.MOV);
  if (op === OP.LOADI) return [op, rng.int(0, 255), 0, 0];
  const forms = FORMS[op];
  const registers = forms[rng.int(0, forms.length - 1)];
  const operands = Array.from({ length: registers }, () => randomRegister(rng));
  return [op, ...operands, 0, 0, 0].slice(0, INSTRUCTION_BYTES);
}

/** A random program of `minLength..maxLength` instructions (the last one HLT) and its initial state. */
export function randomProgram(rng: Rng, minLength = PAPER_MIN_LENGTH, maxLength = PAPER_MAX_LENGTH): Program {
  const length = rng.int(minLength, maxLength);
  const memory = new Uint8Array(MEMORY_BYTES);
  for (let i = 0; i < length - 1; i++) memory.set(randomInstruction(rng), i * INSTRUCTION_BYTES);
  // The HLT at index length-1 is already there: memory is zero-filled and HLT is opcode 0.
  const initial = new Uint8Array(STATE_BYTES);
  initial[STATE_ACC] = rng.int(0, 255);
  for (let r = 0; r < REGISTER_COUNT; r++) initial[STATE_REGS + r] = rng.int(0, 255);
  return { memory, initial, length };
}

/** Checks generator bounds; memory holds 256 instructions, so N is at most 256. */
export function programLengthError(minLength: number, maxLength: number): string | null {
  const max = MEMORY_BYTES / INSTRUCTION_BYTES;
  if (!Number.isInteger(minLength) || !Number.isInteger(maxLength)) return 'program lengths must be integers';
  if (minLength < 1 || maxLength > max || minLength > maxLength) return `program lengths must satisfy 1 <= min <= max <= ${max}, got ${minLength}..${maxLength}`;
  return null;
}
