// Judges a CPU-state file: its length (docs/cpu.md file format) and every state against the simulator.
import { instructionError, run, STATE_IR, STATE_PC } from './machine';
import { decodeTrace, traceLengthError } from './file';

const FIELD_NAMES = ['PC', 'ACC', 'IR0', 'IR1', 'IR2', 'IR3', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];

/** Why the trace disagrees with the machine, or null when every byte is what the simulator gives. */
export function traceError(bytes: Uint8Array): string | null {
  const lengthError = traceLengthError(bytes);
  if (lengthError) return lengthError;
  const trace = decodeTrace(bytes);
  if (trace.initial[STATE_PC] !== 0 || trace.initial.subarray(STATE_IR, STATE_IR + 4).some((v) => v !== 0)) {
    return 'the initial state must have PC 0 and IR 0';
  }
  let expected;
  try {
    expected = run(trace.memory, trace.initial);
  } catch (err) {
    return `the program cannot run: ${(err as Error).message}`;
  }
  for (let i = 0; i < Math.max(expected.length, trace.states.length); i++) {
    const want = expected[i], got = trace.states[i];
    if (!want) return `${trace.states.length} states, but the program halts after ${expected.length}`;
    if (!got) return `${trace.states.length} states, but the program runs ${expected.length}`;
    const b = want.findIndex((v, k) => got[k] !== v);
    if (b !== -1) return `state ${i + 1} ${FIELD_NAMES[b]} is ${got[b]}, the simulator gives ${want[b]}`;
  }
  return null;
}

/** Cheap shape test for detection: plausible length, an initial state at rest, first IR = first instruction. */
export function looksLikeTrace(bytes: Uint8Array): boolean {
  if (traceLengthError(bytes)) return false;
  const { memory, initial, states } = decodeTrace(bytes);
  if (initial[STATE_PC] !== 0 || initial.subarray(STATE_IR, STATE_IR + 4).some((v) => v !== 0)) return false;
  return states[0].subarray(STATE_IR, STATE_IR + 4).every((v, k) => v === memory[k]) && instructionError(memory) === null;
}
