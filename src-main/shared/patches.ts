// File bytes → the byte sequence bGPT reads (arXiv 2402.19155 §3.1; the reference's `read_bytes`):
// an extension start patch, the data with its last patch padded with 256, one end patch of 256s;
// windows of `patchLength` patches (head / body / tail crops) and conversion-mode pairs (docs/model.md).
import type { BGPTConfig } from './config';

/** The special value: padding, the start patch's filler and the end patch. */
export const SPECIAL = 256;

export type CropMode = 'head' | 'body' | 'tail';
export const CROP_MODES: readonly CropMode[] = ['head', 'body', 'tail'];

/** The reference takes `filename.split('.')[-1]`: the text after the last dot, or the whole name. */
export function extOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  return dot < 0 ? base : base.slice(dot + 1);
}

/** The start patch: the extension's UTF-8 bytes cut to `patchSize`, padded with 256. */
export function startPatch(ext: string, patchSize: number): Int32Array {
  const patch = new Int32Array(patchSize).fill(SPECIAL);
  patch.set(new TextEncoder().encode(ext).subarray(0, patchSize));
  return patch;
}

/** Patches needed for a file of `byteLength` bytes: start patch, data patches, end patch. */
export function sequencePatches(byteLength: number, patchSize: number): number {
  return Math.ceil(byteLength / patchSize) + 2;
}

/** The whole (uncropped) reference sequence of a file: start patch, data padded to a patch, end patch. */
export function fileSequence(bytes: Uint8Array, ext: string, patchSize: number): Int32Array {
  const seq = new Int32Array(sequencePatches(bytes.length, patchSize) * patchSize).fill(SPECIAL);
  seq.set(startPatch(ext, patchSize));
  seq.set(bytes, patchSize);
  return seq;
}

/**
 * The patch index a crop starts at. `random` returns numbers in [0, 1) (seeded by the caller).
 * Only a head crop starts at 0, so only a window that really starts at the file's start holds the
 * start (extension) patch: a body crop starts at patch 1 or later, as the reference's
 * `random.randint(1, len // PATCH_SIZE - PATCH_LENGTH)` (train-gen.py `read_bytes`). Body and tail
 * windows begin with data bytes, never with an extension patch followed by the middle of a file.
 */
export function cropStart(totalPatches: number, patchLength: number, mode: CropMode, random: () => number): number {
  const last = Math.max(0, totalPatches - patchLength);
  if (mode === 'head' || last === 0) return 0;
  if (mode === 'tail') return last;
  return 1 + Math.floor(random() * last);
}

/** Cuts a sequence to at most `patchLength` patches starting at patch `startPatchIndex`. */
export function cropSequence(seq: Int32Array, patchSize: number, patchLength: number, startPatchIndex = 0): Int32Array {
  const begin = startPatchIndex * patchSize;
  return seq.slice(begin, Math.min(seq.length, begin + patchLength * patchSize));
}

/** True when the file's whole sequence fits one window of the config (else it will be cropped). */
export function fitsWindow(byteLength: number, config: Pick<BGPTConfig, 'patchSize' | 'patchLength'>): boolean {
  return sequencePatches(byteLength, config.patchSize) <= config.patchLength;
}

/** One conversion direction: files with extension `from` are paired with same-named files of `to`. */
export interface ConversionDirection {
  from: string;
  to: string;
}

/**
 * Parses a conversion mode as the reference spells it: `a->b` (one direction) or `a&b` (both).
 * Returns null for a string of another shape (the caller names the flag in its error).
 */
export function parseConversionMode(mode: string): ConversionDirection[] | null {
  const sep = mode.includes('->') ? '->' : '&';
  const parts = mode.split(sep);
  if (parts.length !== 2 || parts.some((p) => p.length === 0 || p.includes('&') || p.includes('->'))) return null;
  const [a, b] = parts;
  return sep === '->' ? [{ from: a, to: b }] : [{ from: a, to: b }, { from: b, to: a }];
}

/**
 * A conversion pair as the reference builds it: the input file's sequence without its end patch,
 * then the target file's whole sequence (whose start patch carries the target extension).
 */
export function conversionSequence(input: Uint8Array, inputExt: string, target: Uint8Array, targetExt: string, patchSize: number): Int32Array {
  const a = fileSequence(input, inputExt, patchSize);
  const b = fileSequence(target, targetExt, patchSize);
  const seq = new Int32Array(a.length - patchSize + b.length);
  seq.set(a.subarray(0, a.length - patchSize));
  seq.set(b, a.length - patchSize);
  return seq;
}
