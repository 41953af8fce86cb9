// The CPU-state file (.bin) byte for byte as docs/cpu.md "File format" defines it:
// 1024 bytes of memory, the initial 16-byte state, then one state per executed instruction.
import { MEMORY_BYTES, STATE_BYTES, run, type State } from './machine';
import type { Program } from './generator';

export const CPU_EXTENSION = 'bin';
/** Memory plus the initial state: what the model is given as its prompt. */
export const PROMPT_BYTES = MEMORY_BYTES + STATE_BYTES;

export interface Trace {
  memory: Uint8Array;
  initial: State;
  /** States recorded at each fetch, the HLT's included. */
  states: State[];
}

/** Simulates `program` and returns its file bytes (1024 + 16·(N+1)). */
export function encodeProgram(program: Program): Uint8Array {
  return encodeTrace({ memory: program.memory, initial: program.initial, states: run(program.memory, program.initial) });
}

export function encodeTrace(trace: Trace): Uint8Array {
  const out = new Uint8Array(PROMPT_BYTES + STATE_BYTES * trace.states.length);
  out.set(trace.memory, 0);
  out.set(trace.initial, MEMORY_BYTES);
  trace.states.forEach((s, i) => out.set(s, PROMPT_BYTES + i * STATE_BYTES));
  return out;
}

/** Why `bytes` cannot be a CPU-state file by its length alone, or null. */
export function traceLengthError(bytes: Uint8Array): string | null {
  if (bytes.length < PROMPT_BYTES + STATE_BYTES) return `${bytes.length} bytes is shorter than memory, initial state and one step (${PROMPT_BYTES + STATE_BYTES})`;
  const extra = (bytes.length - PROMPT_BYTES) % STATE_BYTES;
  if (extra !== 0) return `${bytes.length} bytes is not 1024 + 16·k (${extra} bytes left over after the last whole state)`;
  return null;
}

/** Splits file bytes into memory, initial state and states (lengths must be checked first). */
export function decodeTrace(bytes: Uint8Array): Trace {
  const lengthError = traceLengthError(bytes);
  if (lengthError) throw new Error(lengthError);
  const states: State[] = [];
  for (let at = PROMPT_BYTES; at < bytes.length; at += STATE_BYTES) states.push(bytes.slice(at, at + STATE_BYTES));
  return { memory: bytes.slice(0, MEMORY_BYTES), initial: bytes.slice(MEMORY_BYTES, PROMPT_BYTES), states };
}
