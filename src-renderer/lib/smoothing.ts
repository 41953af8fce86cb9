// Curve smoothing for the training charts: the debiased exponential moving average TensorBoard uses,
// so the first points are not pulled towards zero. Gaps (null) are carried through unchanged.

/**
 * Smooths `ys` with weight `alpha` in [0, 1): 0 returns the values as they are, values near 1 smooth
 * strongly. Nulls stay null and do not reset the average.
 */
export function smoothEma(ys: readonly (number | null)[], alpha: number): (number | null)[] {
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`smoothing must be in [0, 1), got ${alpha}`);
  if (alpha === 0) return ys.slice();
  let last = 0;
  let weight = 0;
  return ys.map((y) => {
    if (y === null || !Number.isFinite(y)) return null;
    last = last * alpha + (1 - alpha) * y;
    weight = weight * alpha + (1 - alpha);
    return last / weight;
  });
}
