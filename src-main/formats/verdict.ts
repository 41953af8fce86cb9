// The result every validator returns: valid, repaired (with the fixed bytes), or invalid with a reason.

import type { Modality, Validity } from '../shared/vocabulary';

export type { Modality };

export interface Verdict {
  verdict: Validity;
  /** For 'invalid': why; for 'repaired': what was fixed, '; '-separated. */
  reason?: string;
  /** For 'repaired': the corrected file. */
  repaired?: Uint8Array;
}

export const valid = (): Verdict => ({ verdict: 'valid' });
export const invalid = (reason: string): Verdict => ({ verdict: 'invalid', reason });

/** 'valid' when nothing was fixed, else 'repaired' with the fixes listed. */
export function fixedOrValid(fixes: string[], bytes: Uint8Array): Verdict {
  return fixes.length === 0 ? valid() : { verdict: 'repaired', reason: fixes.join('; '), repaired: bytes };
}

/** Little/big-endian reads and writes over a byte array without copying it. */
export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}
