// The one ETA computation (shared/eta.ts): pace in running time over the recent steps, a clock that
// stops while the engine holds for a pause, and an ETA a pause does not move (issue 24 item 3).
import { describe, expect, it } from 'vitest';
import { PACE_STEPS, RunClock, runSeconds, secondsLeft, secondsPerStep, type PacePoint } from '../../../src-main/shared/eta';

describe('secondsPerStep', () => {
  it('measures the last PACE_STEPS steps, not the whole run', () => {
    const pts: PacePoint[] = [];
    let t = 0;
    for (let s = 1; s <= 10; s++) pts.push({ step: s, seconds: (t += 10) });
    for (let s = 11; s <= 50; s++) pts.push({ step: s, seconds: (t += 1) });
    expect(secondsPerStep(pts)).toBeCloseTo(1, 9);
    expect(secondsPerStep(pts, pts.length)).toBeCloseTo((t - 10) / 49, 9);
    expect(PACE_STEPS).toBe(20);
  });

  it('has no pace before two steps, and measures only after a clock restart', () => {
    expect(secondsPerStep([])).toBeNull();
    expect(secondsPerStep([{ step: 1, seconds: 2 }])).toBeNull();
    // The clock went back at step 4 (an old run resumed before running time was counted on).
    const pts = [{ step: 1, seconds: 100 }, { step: 2, seconds: 200 }, { step: 3, seconds: 300 }, { step: 4, seconds: 1 }, { step: 5, seconds: 3 }, { step: 6, seconds: 5 }];
    expect(secondsPerStep(pts)).toBeCloseTo(2, 9);
  });
});

describe('RunClock and the ETA across a pause', () => {
  it('stops while held (from the hold, not the pause request) and counts on from an offset', () => {
    const clock = new RunClock(1_000, 60);
    expect(clock.seconds(3_000)).toBe(62);
    clock.hold(5_000);
    expect(clock.held).toBe(true);
    expect(clock.seconds(35_000)).toBe(64);
    clock.resume(35_000);
    expect(clock.seconds(36_000)).toBe(65);
    // A resume without a hold (the engine went on before it stopped) changes nothing.
    clock.resume(40_000);
    expect(clock.seconds(40_000)).toBe(69);
  });

  it('keeps the ETA where it was after a 30 s pause, where wall time would more than double it', () => {
    const clock = new RunClock(0);
    const running: PacePoint[] = [];
    const wall: PacePoint[] = [];
    let now = 0;
    const step = (s: number) => {
      now += 1000; // one second a step
      running.push({ step: s, seconds: clock.seconds(now) });
      wall.push({ step: s, seconds: now / 1000 });
    };
    for (let s = 1; s <= 40; s++) step(s);
    const before = secondsLeft(running, 400)!;
    expect(before).toBeCloseTo(360, 6);
    clock.hold(now);
    now += 30_000;
    clock.resume(now);
    for (let s = 41; s <= 45; s++) step(s);
    const after = secondsLeft(running, 400)!;
    expect(after).toBeCloseTo(355, 6);
    expect(secondsLeft(wall, 400)!).toBeGreaterThan(2 * before);
  });

  it('counts the step under way down, never below zero, and is null at the end', () => {
    const pts = [{ step: 1, seconds: 2 }, { step: 2, seconds: 4 }];
    expect(secondsLeft(pts, 4)).toBe(4);
    expect(secondsLeft(pts, 4, 1.5)).toBe(2.5);
    expect(secondsLeft(pts, 4, 100)).toBe(0);
    expect(secondsLeft(pts, 2)).toBeNull();
    expect(runSeconds(10, 0.5)).toBe(5);
    expect(runSeconds(10, null)).toBeNull();
  });
});
