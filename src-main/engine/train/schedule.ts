// Learning-rate schedule: linear warm-up over the first 10 % of steps, then cosine decay to zero
// (HF `get_cosine_schedule_with_warmup`, one half-cycle).

/** Share of the run spent warming up. */
export const WARMUP_FRACTION = 0.1;

export interface Schedule {
  maxLr: number;
  totalSteps: number;
}

/** Warm-up steps of a schedule (at least one, so the first update is not at lr 0 forever). */
export function warmupSteps(s: Schedule): number {
  return Math.max(1, Math.round(s.totalSteps * WARMUP_FRACTION));
}

/** The learning rate of update number `step` (0-based). */
export function getLr(step: number, s: Schedule): number {
  const warm = warmupSteps(s);
  if (step < warm) return (s.maxLr * (step + 1)) / warm;
  const progress = Math.min(1, (step - warm) / Math.max(1, s.totalSteps - warm));
  return s.maxLr * 0.5 * (1 + Math.cos(Math.PI * progress));
}
