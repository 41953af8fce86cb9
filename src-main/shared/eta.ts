// Time promises for a training run (docs/walkthrough.md, "Time"): one computation of "time left" for
// the run monitor, the Train form's estimate and `bgpt train`. The pace is measured in running time —
// seconds the run spent training and evaluating, pauses excluded — over the recent steps, so a pause
// never moves the ETA and a slower phase shows after a few steps.

/** Steps the pace is measured over: enough to average out step-to-step noise, recent enough to follow changes. */
export const PACE_STEPS = 20;

/** A finished step and the running seconds of its run when it finished (pauses excluded). */
export interface PacePoint {
  step: number;
  seconds: number;
}

/**
 * Running seconds per step over the last `window` steps of `points` (in step order), or null with
 * fewer than two steps. A point whose seconds went back (a clock restarted) starts a new stretch:
 * the pace is only measured within the last one.
 */
export function secondsPerStep(points: readonly PacePoint[], window = PACE_STEPS): number | null {
  if (points.length < 2) return null;
  const last = points[points.length - 1];
  let first = points.length - 1;
  while (first > 0 && points.length - 1 - first < window && points[first - 1].seconds <= points[first].seconds && points[first - 1].step < points[first].step) first--;
  const from = points[first];
  if (last.step <= from.step || last.seconds <= from.seconds) return null;
  return (last.seconds - from.seconds) / (last.step - from.step);
}

/**
 * Seconds left for `totalSteps` from the recent pace; `sinceLast` is running time already spent on
 * the step under way (so the ETA counts down between slow steps). Null before two steps or at the end.
 */
export function secondsLeft(points: readonly PacePoint[], totalSteps: number, sinceLast = 0): number | null {
  const pace = secondsPerStep(points);
  const last = points[points.length - 1];
  if (pace === null || !last || last.step >= totalSteps) return null;
  return Math.max(0, (totalSteps - last.step) * pace - Math.max(0, sinceLast));
}

/** Seconds a run of `steps` steps takes at `pace` running seconds per step; null when unmeasured. */
export function runSeconds(steps: number, pace: number | null): number | null {
  return pace === null || !Number.isFinite(pace) || pace <= 0 ? null : steps * pace;
}

/**
 * A run's running clock: wall time since the leg began, less the time it stood paused, plus the running
 * seconds earlier legs had recorded (a resumed run counts on). Paused from the moment the engine held,
 * not from the pause request: the update under way still runs.
 */
export class RunClock {
  #start: number;
  #pausedMs = 0;
  #heldAt: number | null = null;

  constructor(nowMs: number, readonly offsetSeconds = 0) {
    this.#start = nowMs;
  }

  get held(): boolean {
    return this.#heldAt !== null;
  }

  /** The engine stopped stepping for a pause. */
  hold(nowMs: number): void {
    this.#heldAt ??= nowMs;
  }

  /** The run goes on after a pause. */
  resume(nowMs: number): void {
    if (this.#heldAt === null) return;
    this.#pausedMs += Math.max(0, nowMs - this.#heldAt);
    this.#heldAt = null;
  }

  /** Running seconds at `nowMs` (frozen while held). */
  seconds(nowMs: number): number {
    const end = this.#heldAt ?? nowMs;
    return this.offsetSeconds + Math.max(0, end - this.#start - this.#pausedMs) / 1000;
  }
}
