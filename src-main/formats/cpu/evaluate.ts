// CPU-state evaluation (docs/cpu.md "Evaluation"): the model gets memory + initial state and writes the
// rest; byte accuracy and state accuracy (all 16 bytes right) against the simulator's trace.
import { STATE_BYTES } from './machine';
import { PROMPT_BYTES, traceLengthError } from './file';

/** Produces the model's continuation of `prompt`, at most `maxBytes` bytes long. */
export type Continue = (prompt: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

export interface Score {
  correctBytes: number;
  totalBytes: number;
  correctStates: number;
  totalStates: number;
}

/** Compares a continuation with the true one; missing bytes count as wrong, extra bytes are ignored. */
export function scoreContinuation(truth: Uint8Array, generated: Uint8Array): Score {
  let correctBytes = 0;
  let correctStates = 0;
  const totalStates = truth.length / STATE_BYTES;
  for (let s = 0; s < totalStates; s++) {
    let right = 0;
    for (let b = s * STATE_BYTES; b < (s + 1) * STATE_BYTES; b++) if (b < generated.length && generated[b] === truth[b]) right++;
    correctBytes += right;
    if (right === STATE_BYTES) correctStates++;
  }
  return { correctBytes, totalBytes: truth.length, correctStates, totalStates };
}

export interface Evaluation {
  /** Share of states with all 16 bytes right, over every state of every program. */
  stateAccuracy: number;
  /** Share of continuation bytes right. */
  byteAccuracy: number;
  programs: number;
}

/** Evaluates `continueFn` on each CPU-state file; throws on a file that is not one. */
export async function evaluateTraces(files: { name: string; bytes: Uint8Array }[], continueFn: Continue): Promise<Evaluation> {
  const total: Score = { correctBytes: 0, totalBytes: 0, correctStates: 0, totalStates: 0 };
  for (const { name, bytes } of files) {
    const lengthError = traceLengthError(bytes);
    if (lengthError) throw new Error(`${name}: ${lengthError}`);
    const truth = bytes.subarray(PROMPT_BYTES);
    const generated = await continueFn(bytes.slice(0, PROMPT_BYTES), truth.length);
    const score = scoreContinuation(truth, generated);
    total.correctBytes += score.correctBytes;
    total.totalBytes += score.totalBytes;
    total.correctStates += score.correctStates;
    total.totalStates += score.totalStates;
  }
  return {
    stateAccuracy: total.totalStates ? total.correctStates / total.totalStates : 0,
    byteAccuracy: total.totalBytes ? total.correctBytes / total.totalBytes : 0,
    programs: files.length,
  };
}
