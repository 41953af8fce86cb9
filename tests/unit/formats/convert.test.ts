// Converters on real files: Debian's ABC tune book through abcjs, a sox 11 kHz stereo WAV to
// 8 kHz clips, PNG and BMP to 32×32 BMP, legacy text to UTF-8.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Midi } from '@tonejs/midi';
import { WaveFile } from 'wavefile';
import { abcToMidi, wavToClips, imageKind, imageToBmp, textToUtf8 } from '../../../src-main/formats/convert';
import { validate, decodeBmp } from '../../../src-main/formats';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/formats/${name}`, import.meta.url)));

describe('ABC → MIDI (abcjs)', () => {
  it('gives one valid MIDI per tune of a book, with the tune notes', () => {
    const book = new TextDecoder().decode(fixture('coleraine.abc')) + '\n\nX:2\nT:Scale\nL:1/4\nK:C\nCDEF|GABc|\n';
    const tunes = abcToMidi(book);
    expect(tunes.map((t) => t.title)).toEqual(['Coleraine', 'Scale']);
    for (const t of tunes) {
      expect(validate(t.midi, 'mid')).toEqual({ verdict: 'valid' });
      expect(validate(new TextEncoder().encode(t.abc), 'abc')).toEqual({ verdict: 'valid' });
    }
    const notes = new Midi(tunes[1].midi).tracks.flatMap((tr) => tr.notes.map((n) => n.midi));
    expect(notes).toEqual([60, 62, 64, 65, 67, 69, 71, 72]);
  });
});

describe('audio → 8 kHz mono 8-bit 1 s clips (wavefile)', () => {
  it('cuts 2.2 s of 11 kHz stereo into two paper-shaped clips', () => {
    const clips = wavToClips(fixture('stereo11k.wav'));
    expect(clips).toHaveLength(2);
    for (const c of clips) {
      expect(c.length).toBe(44 + 8000);
      expect(validate(c, 'wav')).toEqual({ verdict: 'valid' });
      const w = new WaveFile(c);
      expect(w.fmt).toMatchObject({ numChannels: 1, sampleRate: 8000, bitsPerSample: 8 });
      // A sine mix, not silence: the samples swing well around the 128 midpoint.
      const s = c.subarray(44);
      expect(Math.max(...s) - Math.min(...s)).toBeGreaterThan(100);
    }
  });
  it('keeps an 8 kHz 8-bit mono file as it is, and gives no clip for 0.25 s', () => {
    expect(wavToClips(fixture('tone8k.wav'))).toEqual([]);
  });
});

describe('images → 32×32 24-bit BMP', () => {
  it('converts a PNG (fast-png), a JPEG (jpeg-js) and a BMP, keeping the colours of the corners', () => {
    for (const name of ['gradient48x40.png', 'gradient48x40.jpg', 'gradient40x30.bmp']) {
      const out = imageToBmp(fixture(name));
      expect(out.length).toBe(54 + 32 * 96);
      expect(validate(out, 'bmp')).toEqual({ verdict: 'valid' });
      const img = decodeBmp(out);
      if (typeof img === 'string') throw new Error(img);
      const topLeft = Array.from(img.data.subarray(0, 4));
      const bottomRight = Array.from(img.data.subarray(img.data.length - 4));
      expect(topLeft[1]).toBeLessThan(10);
      expect(bottomRight[1]).toBeGreaterThan(245);
      expect(Math.abs(topLeft[2] - 128)).toBeLessThanOrEqual(name.endsWith('.jpg') ? 3 : 0); // JPEG is lossy
    }
  });
  it('refuses other formats', () => {
    expect(() => imageToBmp(new TextEncoder().encode('GIF89a'))).toThrow(/only PNG, JPEG and BMP/);
    expect(imageKind(fixture('gradient48x40.jpg'))).toBe('jpeg');
    expect(imageKind(new TextEncoder().encode('GIF89a'))).toBeNull();
  });
  it('refuses a truncated JPEG with an error, not a crash or a half image', () => {
    const jpg = fixture('gradient48x40.jpg');
    expect(() => imageToBmp(jpg.subarray(0, 200))).toThrow();
  });
});

describe('text → UTF-8', () => {
  it('keeps UTF-8, drops a BOM, decodes UTF-16 and Windows-1252', () => {
    const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));
    expect(Array.from(textToUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('é')])))).toEqual(utf8('é'));
    expect(Array.from(textToUtf8(Uint8Array.from([0xff, 0xfe, 0x41, 0, 0xe9, 0])))).toEqual(utf8('Aé'));
    expect(Array.from(textToUtf8(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x80])))).toEqual(utf8('café€'));
  });
});
