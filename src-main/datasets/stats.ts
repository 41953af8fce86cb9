// Dataset statistics for the import report and the UI: sizes, byte histogram, Shannon entropy, and
// how many files fit one model window (patch_size × patch_length, docs/model.md) or will be cropped.
import { sequencePatches } from '../shared/patches';

/** The paper's window: 16-byte patches, 512 patches (docs/model.md). */
export const PAPER_PATCH_SIZE = 16;
export const PAPER_PATCH_LENGTH = 512;

export interface Window { patchSize: number; patchLength: number }

export interface ImportStats {
  count: number;
  totalBytes: number;
  minSize: number;
  maxSize: number;
  meanSize: number;
  /** Count of each byte value 0..255 over all files. */
  byteHistogram: number[];
  /** Shannon entropy of the byte distribution, bits per byte (8 = uniform noise). */
  entropyBitsPerByte: number;
  window: Window;
  /** Share of files whose whole sequence (start patch, bytes, end patch) fits one window. */
  fitShare: number;
  /** Share of files longer than a window: training sees a crop of them. */
  croppedShare: number;
}

/** Accumulates statistics file by file, so an import never holds all files in memory. */
export class StatsAccumulator {
  private readonly histogram = new Array<number>(256).fill(0);
  private readonly sizes: number[] = [];
  private fitting = 0;

  constructor(private readonly window: Window = { patchSize: PAPER_PATCH_SIZE, patchLength: PAPER_PATCH_LENGTH }) {}

  add(bytes: Uint8Array): void {
    for (const b of bytes) this.histogram[b]++;
    this.sizes.push(bytes.length);
    if (sequencePatches(bytes.length, this.window.patchSize) <= this.window.patchLength) this.fitting++;
  }

  result(): ImportStats {
    const count = this.sizes.length;
    const totalBytes = this.sizes.reduce((a, b) => a + b, 0);
    return {
      count,
      totalBytes,
      // reduce, not Math.min(...sizes): spreading 100k+ arguments overflows the stack.
      minSize: count ? this.sizes.reduce((a, b) => Math.min(a, b)) : 0,
      maxSize: count ? this.sizes.reduce((a, b) => Math.max(a, b)) : 0,
      meanSize: count ? totalBytes / count : 0,
      byteHistogram: [...this.histogram],
      entropyBitsPerByte: entropy(this.histogram, totalBytes),
      window: this.window,
      fitShare: count ? this.fitting / count : 0,
      croppedShare: count ? (count - this.fitting) / count : 0,
    };
  }
}

/** Shannon entropy H = −Σ p log2 p of a histogram, bits per symbol. */
export function entropy(histogram: number[], total: number): number {
  if (total === 0) return 0;
  let h = 0;
  for (const n of histogram) if (n > 0) h -= (n / total) * Math.log2(n / total);
  return h;
}
