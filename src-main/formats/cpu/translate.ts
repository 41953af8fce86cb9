// Binary CPU-state file → readable trace: the program as assembly, then one line per state,
// so a person can read what the model was asked and what it answered (docs/cpu.md).
import { INSTRUCTION_BYTES, OPCODES, OP, STATE_ACC, STATE_IR, STATE_PC, STATE_REGS, type State } from './machine';
import { decodeTrace } from './file';

const REGISTER_NAMES = 'ABCDEFGHIJ';

/** 'ADD A B', 'LOADI 42', 'INC', or '??? 99 1 2 3' for bytes that are no instruction. */
export function disassemble(ins: ArrayLike<number>): string {
  const [op, a1, a2, a3] = [ins[0], ins[1], ins[2], ins[3]];
  const name = OPCODES[op];
  if (name === undefined) return `??? ${op} ${a1} ${a2} ${a3}`;
  if (op === OP.LOADI) return `LOADI ${a1}`;
  // Operands end at the first 0 (docs/cpu.md: the form is decided by which operands are non-zero).
  const used = a1 === 0 ? [] : a2 === 0 ? [a1] : a3 === 0 ? [a1, a2] : [a1, a2, a3];
  return [name, ...used.map((r) => REGISTER_NAMES[r - 1] ?? `r${r}`)].join(' ');
}

export function formatState(s: State): string {
  const regs = Array.from(s.subarray(STATE_REGS), (v, i) => `${REGISTER_NAMES[i]}=${v}`).join(' ');
  return `PC=${s[STATE_PC]} ACC=${s[STATE_ACC]} IR=[${Array.from(s.subarray(STATE_IR, STATE_IR + 4)).join(',')}] ${regs}`;
}

/** The whole file as text: program listing up to the first HLT, initial state, then each step. */
export function translate(bytes: Uint8Array): string {
  const trace = decodeTrace(bytes);
  const lines = ['program:'];
  for (let at = 0; at < trace.memory.length; at += INSTRUCTION_BYTES) {
    const ins = trace.memory.subarray(at, at + INSTRUCTION_BYTES);
    lines.push(`  ${String(at / INSTRUCTION_BYTES).padStart(3)}: ${disassemble(ins)}`);
    if (ins[0] === OP.HLT) break;
  }
  lines.push('initial:', `  ${formatState(trace.initial)}`, 'steps:');
  trace.states.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(3)}: ${disassemble(s.subarray(STATE_IR, STATE_IR + 4)).padEnd(12)} ${formatState(s)}`));
  return lines.join('\n') + '\n';
}
