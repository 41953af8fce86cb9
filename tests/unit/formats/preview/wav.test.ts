import { describe, it, expect } from 'vitest';
import { parseWav, wavPeaks } from '../../../../src-main/formats/preview/wav';
import { fixture } from './fixtures';

describe('parseWav', () => {
  it('reads the paper format (8 kHz mono 8-bit) made by sox', () => {
    const view = parseWav(fixture('tone.wav'));
    expect(view.issues).toEqual([]);
    expect([view.formatTag, view.channels, view.sampleRate, view.bitsPerSample]).toEqual([1, 1, 8000, 8]);
    expect(view.frames).toBe(8000);
    expect(view.durationSeconds).toBeCloseTo(1, 6);
    const loud = Math.max(...view.samples.subarray(0, 2000).map(Math.abs));
    expect(loud).toBeGreaterThan(0.6); // sox synth peaks near 0.7 of full scale
  });

  it('reads 16-bit stereo, keeping the first channel', () => {
    const view = parseWav(fixture('stereo16.wav'));
    expect([view.channels, view.sampleRate, view.bitsPerSample, view.frames]).toEqual([2, 22050, 16, 4410]);
    expect(view.data.end - view.data.start).toBe(4410 * 4);
  });

  it('computes peaks per column with the bytes each column covers', () => {
    const view = parseWav(fixture('tone.wav'));
    const cols = wavPeaks(view, 100, 0, 1000);
    expect(cols.length).toBe(80);
    expect(cols[0].span).toEqual({ start: view.data.start, end: view.data.start + 100 });
    expect(cols[0].min).toBeLessThan(-0.6);
    expect(cols[0].max).toBeGreaterThan(0.6);
    expect(cols[79].max).toBeLessThan(cols[0].max); // faded out
    expect(wavPeaks(view, 100, 79, 5).length).toBe(1);
    const fitted = wavPeaks(view, 8000 / 1100, 0, 1100); // fractional: exactly fills 1100 columns
    expect(fitted.length).toBe(1100);
    expect(fitted[1099].span.end).toBe(view.data.end);
  });

  it('keeps the samples of a truncated file and says so', () => {
    const bytes = fixture('tone.wav');
    const view = parseWav(bytes.subarray(0, 1001));
    expect(view.frames).toBe(1001 - view.data.start);
    expect(view.issues[0].message).toMatch(/data chunk claims 8000 bytes but only \d+ remain/);
  });

  it('explains unsupported formats and non-WAV bytes', () => {
    const bytes = fixture('tone.wav').slice();
    bytes[34] = 12; // 12-bit samples
    expect(parseWav(bytes).issues.at(-1)?.message).toMatch(/12-bit samples is not supported/);
    expect(parseWav(new Uint8Array(4)).issues[0].message).toMatch(/not a WAV file/);
  });
});
