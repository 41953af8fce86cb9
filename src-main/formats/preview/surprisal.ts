// Per-byte surprisal (bits = -log2 p(byte) under a bGPT checkpoint, docs/model.md) turned into colours:
// one scale shared by the hex, text and decoded views and by the legend that explains it.
import type { ByteSpan } from './types';

/** Top of the colour scale. A uniform guess over 257 values costs log2(257) ≈ 8.006 bits, so 8 bits
 *  means "the model knew nothing"; anything above is clamped to the same colour. */
export const MAX_BITS = 8;
/** Ticks of the legend. */
export const LEGEND_BITS = [0, 2, 4, 6, 8];

/** Mean bits over a byte span (bytes past the end of `bits` are ignored); NaN when none are covered. */
export function meanBits(bits: Float32Array, span: ByteSpan): number {
  const end = Math.min(span.end, bits.length);
  if (end <= span.start) return NaN;
  let sum = 0;
  for (let i = span.start; i < end; i++) sum += bits[i];
  return sum / (end - span.start);
}

/** Colour of a surprisal: green (expected) through yellow to red (surprising). HSL keeps the scale
 *  perceptually ordered and readable on both light and dark backgrounds. */
export function bitsHue(bits: number): number {
  const t = Math.min(1, Math.max(0, bits / MAX_BITS));
  return 120 * (1 - t);
}

export function bitsColor(bits: number, alpha = 1): string {
  if (Number.isNaN(bits)) return 'transparent';
  return `hsla(${bitsHue(bits).toFixed(0)}, 85%, 50%, ${alpha})`;
}

/** RGB 0..255 of the same scale, for canvas pixel buffers. */
export function bitsRgb(bits: number): [number, number, number] {
  const h = bitsHue(bits) / 60; // HSL→RGB with s=0.85, l=0.5
  const c = 0.85;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const [r, g] = h < 1 ? [c, x] : [x, c];
  const m = 0.5 - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round(m * 255)];
}
