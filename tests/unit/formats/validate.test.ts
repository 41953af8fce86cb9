// Detection, validation and repair on real files (abc2midi MIDI, sox WAV, BMP, Debian's ABC tunes)
// and on malformed copies of them: truncated MIDI chunk, wrong RIFF size, wrong BMP size.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Midi } from '@tonejs/midi';
import { detectModality, validate, validateMidi, validateWav, validateBmp, validateAbc, validateText, encodeWav8, decodeBmp } from '../../../src-main/formats';
import { midiStructure } from '../../../src-main/formats/midi';
import { encodeProgram, randomProgram } from '../../../src-main/formats/cpu';
import { mulberry32 } from '../../../src-main/formats/prng';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/formats/${name}`, import.meta.url)));
const midi = fixture('coleraine.mid');
const wav = fixture('tone8k.wav');
const bmp = fixture('gradient40x30.bmp');
const abc = fixture('coleraine.abc');
const u32le = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('detectModality', () => {
  it('knows each real file by its bytes, whatever the extension', () => {
    expect(detectModality(midi, 'dat')).toBe('midi');
    expect(detectModality(wav, '')).toBe('wav');
    expect(detectModality(bmp, 'x')).toBe('bmp');
    expect(detectModality(abc, 'abc')).toBe('abc');
    expect(detectModality(abc, 'txt')).toBe('abc');
    expect(detectModality(utf8('héllo\nworld\n'), 'note')).toBe('text');
    expect(detectModality(encodeProgram(randomProgram(mulberry32(1), 5, 5)), 'bin')).toBe('cpu');
    expect(detectModality(fixture('gradient48x40.png'), 'png')).toBe('binary');
    expect(detectModality(Uint8Array.from([0xff, 0xfe, 0, 1]), 'txt')).toBe('binary');
  });
});

describe('MIDI', () => {
  it('accepts a real abc2midi file', () => {
    expect(validateMidi(midi)).toEqual({ verdict: 'valid' });
  });
  it('repairs a wrong track length', () => {
    const bad = midi.slice();
    new DataView(bad.buffer).setUint32(18, 5); // first MTrk's length field
    const v = validateMidi(bad);
    expect(v.verdict).toBe('repaired');
    expect(v.reason).toMatch(/track 1: length field said 5, the track has \d+ bytes/);
    expect(v.repaired).toEqual(midi);
  });
  it('repairs a truncated last track: cut at the last whole event, end of track added', () => {
    const v = validateMidi(midi.subarray(0, midi.length - 40));
    expect(v.verdict).toBe('repaired');
    expect(v.reason).toMatch(/added a missing end of track/);
    expect(v.reason).toMatch(/length field said/);
    const parsed = new Midi(v.repaired!);
    expect(parsed.tracks.length).toBe(new Midi(midi).tracks.length);
    expect(validateMidi(v.repaired!)).toEqual({ verdict: 'valid' });
  });
  it('fixes the track count in the header', () => {
    const bad = midi.slice();
    new DataView(bad.buffer).setUint16(10, 9);
    expect(validateMidi(bad).reason).toMatch(/header said 9 tracks, the file has \d+/);
  });
  it('rejects a file without MThd and a track of garbage', () => {
    expect(validateMidi(utf8('hello')).reason).toBe('not a MIDI file: no MThd header');
    const garbage = Uint8Array.from([...midi.subarray(0, 14), 0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, 4, 0x00, 0x45, 0x01, 0x02]);
    expect(validateMidi(garbage)).toEqual({ verdict: 'invalid', reason: 'track 1: no status byte at offset 23' });
  });
});

describe('WAV', () => {
  it('accepts a sox file and the paper-shaped writer output', () => {
    expect(validateWav(wav)).toEqual({ verdict: 'valid' });
    expect(validateWav(fixture('stereo11k.wav'))).toEqual({ verdict: 'valid' });
    expect(validateWav(encodeWav8(new Uint8Array(8000).fill(128)))).toEqual({ verdict: 'valid' });
  });
  it('repairs a wrong RIFF size', () => {
    const bad = wav.slice();
    new DataView(bad.buffer).setUint32(4, 99, true);
    const v = validateWav(bad);
    expect(v).toMatchObject({ verdict: 'repaired', reason: `RIFF size said 99, should be ${wav.length - 8}` });
    expect(v.repaired).toEqual(wav);
  });
  it('repairs a data size that runs past a truncated file', () => {
    const v = validateWav(wav.subarray(0, 1000));
    expect(v.verdict).toBe('repaired');
    expect(v.reason).toBe('data size said 2000, 956 bytes are present; RIFF size said 2036, should be 992');
    expect(u32le(v.repaired!, 40)).toBe(956);
  });
  it('repairs PCM block fields and rejects a file without fmt', () => {
    const bad = wav.slice();
    new DataView(bad.buffer).setUint32(28, 1, true);
    expect(validateWav(bad).reason).toBe('byte rate said 1, should be 8000');
    const noFmt = Uint8Array.from([...wav.subarray(0, 12), ...wav.subarray(36)]);
    expect(validateWav(noFmt)).toEqual({ verdict: 'invalid', reason: 'no fmt chunk' });
  });
});

describe('BMP', () => {
  it('accepts a 24-bit BMP and decodes its pixels', () => {
    expect(validateBmp(bmp)).toEqual({ verdict: 'valid' });
    const img = decodeBmp(bmp);
    if (typeof img === 'string') throw new Error(img);
    expect([img.width, img.height]).toEqual([40, 30]);
    expect(Array.from(img.data.subarray(0, 4))).toEqual([0, 0, 128, 255]);
    expect(Array.from(img.data.subarray(img.data.length - 4))).toEqual([255, 255, 128, 255]);
  });
  it('repairs a wrong file size field', () => {
    const bad = bmp.slice();
    new DataView(bad.buffer).setUint32(2, 12, true);
    const v = validateBmp(bad);
    expect(v).toMatchObject({ verdict: 'repaired', reason: `file size said 12, the file has ${bmp.length} bytes` });
    expect(v.repaired).toEqual(bmp);
  });
  it('repairs trailing bytes and a wrong image size; rejects truncated pixels', () => {
    const long = Uint8Array.from([...bmp, 1, 2, 3]);
    new DataView(long.buffer).setUint32(34, 7, true);
    expect(validateBmp(long).reason).toBe('dropped 3 bytes after the pixels; image size said 7, the pixels take 3600');
    expect(validateBmp(bmp.subarray(0, 3000))).toEqual({ verdict: 'invalid', reason: 'pixel data is 2946 bytes, 40×30 at 24 bits needs 3600' });
  });
});

describe('ABC', () => {
  it('accepts every tune book Debian ships with abcmidi (copied to fixtures)', () => {
    expect(validateAbc(abc)).toEqual({ verdict: 'valid' });
  });
  it('adds a missing X: and K:', () => {
    // L:1/4 makes each bar a full 4/4 (at the default 1/8 abc2midi would warn that bar 1 is short).
    const v = validateAbc(utf8('T:Tune\nM:4/4\nL:1/4\nCDEF|GABc|\n'));
    expect(v.verdict).toBe('repaired');
    expect(new TextDecoder().decode(v.repaired)).toBe('X:1\nT:Tune\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|\n');
  });
  it('rejects garbage that abcjs would render anyway, naming line and column', () => {
    expect(validateAbc(utf8('X:1\nK:G\nABc|@#!\n'))).toEqual({ verdict: 'invalid', reason: "line 3, column 5: '@' is not ABC music" });
    expect(validateAbc(utf8('X:1\nT:Empty\nK:D\n'))).toEqual({ verdict: 'invalid', reason: 'tune 1 (line 1) has no notes or rests' });
    expect(validateAbc(Uint8Array.from([0x58, 0x3a, 0xff]))).toEqual({ verdict: 'invalid', reason: 'ABC must be UTF-8 text' });
  });
});

describe('text and the validate entry point', () => {
  it('repairs a character cut off at the end, rejects bad bytes', () => {
    const e = utf8('naïve €');
    expect(validateText(e)).toEqual({ verdict: 'valid' });
    expect(validateText(e.subarray(0, e.length - 1))).toMatchObject({ verdict: 'repaired', reason: 'dropped 2 bytes of a character cut off at the end' });
    expect(validateText(Uint8Array.from([0x61, 0xc0, 0x61]))).toEqual({ verdict: 'invalid', reason: 'not UTF-8: bad byte 0xc0 at offset 1' });
  });
  it('dispatches on the extension, so a broken .mid is judged as MIDI', () => {
    expect(validate(utf8('hello'), 'mid')).toEqual({ verdict: 'invalid', reason: 'not a MIDI file: no MThd header' });
    expect(validate(wav, '.WAV')).toEqual({ verdict: 'valid' });
    expect(validate(new Uint8Array(0), 'txt')).toEqual({ verdict: 'invalid', reason: 'the file is empty' });
    const cpu = encodeProgram(randomProgram(mulberry32(4), 3, 3));
    expect(validate(cpu, 'bin')).toEqual({ verdict: 'valid' });
    cpu[cpu.length - 1] ^= 1;
    expect(validate(cpu, 'bin').reason).toMatch(/^state 3 J is \d+, the simulator gives \d+$/);
    expect(validate(Uint8Array.from([1, 2, 3]), 'dat')).toEqual({ verdict: 'valid' });
  });
});

describe('MIDI structure (beyond "parses")', () => {
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1, 0, 1, 0x01, 0xe0];
  const track = (events: number[]) => [0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, events.length, ...events];
  const EOT = [0x00, 0xff, 0x2f, 0x00];
  it('counts notes, and adds note-offs for notes left sounding at the end of a track', () => {
    const ok = Uint8Array.from([...header, ...track([0x00, 0x90, 0x3c, 0x40, 0x60, 0x80, 0x3c, 0x00, ...EOT])]);
    expect(midiStructure(ok)).toEqual({ verdict: { verdict: 'valid' }, tracks: 1, notes: 1 });
    const hanging = Uint8Array.from([...header, ...track([0x00, 0x90, 0x3c, 0x40, 0x00, 0x90, 0x40, 0x40, 0x60, 0x80, 0x3c, 0x00, ...EOT])]);
    const v = validateMidi(hanging);
    expect(v.verdict).toBe('repaired');
    expect(v.reason).toMatch(/track 1: 1 note left sounding; added note-offs/);
    expect(validateMidi(v.repaired!)).toEqual({ verdict: 'valid' });
    expect(midiStructure(v.repaired!).notes).toBe(2);
  });
  it('refuses a meta event of the wrong length, a delta time over four bytes, and a format or division that does not exist', () => {
    expect(validateMidi(Uint8Array.from([...header, ...track([0x00, 0xff, 0x51, 0x02, 0x07, 0xa1, ...EOT])])).reason).toMatch(/meta event 51 .* has length 2, the spec says 3/);
    expect(validateMidi(Uint8Array.from([...header, ...track([0x81, 0x81, 0x81, 0x81, 0x00, 0x90, 0x3c, 0x40, ...EOT])])).reason).toMatch(/delta time longer than 4 bytes/);
    const f3 = Uint8Array.from([...header, ...track(EOT)]);
    f3[9] = 3;
    expect(validateMidi(f3).reason).toBe('MIDI format 3 does not exist (0, 1 or 2)');
    const d0 = Uint8Array.from([...header, ...track(EOT)]);
    d0[12] = 0;
    d0[13] = 0;
    expect(validateMidi(d0).reason).toBe('the header gives 0 ticks per quarter note');
  });
  it('makes a format 0 file with two tracks format 1', () => {
    const two = Uint8Array.from([...header, ...track(EOT), ...track(EOT)]);
    two[9] = 0;
    two[11] = 2;
    const v = validateMidi(two);
    expect(v.reason).toMatch(/format 0 holds one track, the file has 2: made it format 1/);
    expect(v.repaired![9]).toBe(1);
  });
});

describe('MIDI structure: a chunk whose length holds', () => {
  it('reads "MTrk" inside a track as the data bytes it is (a delta 0x4d, a running-status note 54 72, a delta 6b)', () => {
    const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1, 0, 1, 0x01, 0xe0];
    const events = [0x00, 0x90, 0x40, 0x40, 0x4d, 0x54, 0x72, 0x6b, 0x40, 0x00, 0x00, 0x80, 0x54, 0x00, 0x00, 0xff, 0x2f, 0x00];
    const bytes = Uint8Array.from([...header, 0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, events.length, ...events]);
    expect(midiStructure(bytes)).toEqual({ verdict: { verdict: 'valid' }, tracks: 1, notes: 2 });
  });
});
