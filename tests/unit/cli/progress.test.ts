// The shared CLI progress reporter: a redrawn bar in a terminal, throttled plain lines otherwise,
// and an ETA from the recent pace (not the whole run's).
import { describe, expect, it } from 'vitest';
import { createProgress, formatAmount, formatDuration, recentEta } from '../../../src-main/cli/progress';

function sink(isTTY: boolean) {
  const s = { text: '', isTTY, columns: 80, write: (t: string) => void (s.text += t) };
  return s;
}

describe('cli progress', () => {
  it('writes plain lines, throttled, when stderr is not a terminal', () => {
    const out = sink(false);
    let t = 0;
    const p = createProgress({ label: 'training', total: 100, unit: 'steps', sink: out, now: () => t, lineEveryMs: 1000 });
    for (let i = 1; i <= 100; i++) {
      t += 100; // 10 steps a second
      p.update(i, `loss ${(3 - i / 100).toFixed(2)}`);
    }
    p.finish();
    const lines = out.text.trim().split('\n');
    expect(out.text).not.toContain('\r');
    expect(lines[0]).toBe('training: 1/100 steps 1%, loss 2.99');
    // one line a second of a 10 s run, plus the first and the final one
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(13);
    expect(lines.at(-1)).toBe('training: 100/100 steps 100%, loss 2.00');
    expect(lines[5]).toMatch(/s left/);
  });

  it('redraws one bar in a terminal and prints logged messages above it', () => {
    const out = sink(true);
    let t = 0;
    const p = createProgress({ label: 'importing', total: 4, unit: 'files', sink: out, now: () => t });
    p.update(1);
    t += 500;
    p.log('skipped a.exe: not a supported file');
    t += 500;
    p.update(4);
    p.finish();
    expect(out.text).toContain('\r\x1b[2Kimporting [');
    expect(out.text).toContain('skipped a.exe: not a supported file\n');
    expect(out.text.endsWith('importing: 4/4 files 100%\n')).toBe(true);
    for (const line of out.text.split(/\r|\n/)) expect(line.replace('\x1b[2K', '').length).toBeLessThan(80);
  });

  it('estimates time left from the recent pace', () => {
    // 10 steps in the first 100 s, then 10 steps a second: the ETA follows the recent pace.
    const samples: Array<[number, number]> = [];
    for (let i = 0; i < 20; i++) samples.push([100_000 + i * 100, 10 + i]);
    expect(recentEta(samples, 1029)).toBeCloseTo(100, 5);
    expect(recentEta(samples.slice(0, 1), 100)).toBeUndefined();
  });

  it('formats sizes and durations for people', () => {
    expect(formatAmount(3 * 1024 * 1024, 'bytes')).toBe('3.0 MB');
    expect(formatAmount(12, 'files')).toBe('12 files');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
  });
});
