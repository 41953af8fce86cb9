// Export conversions on real bytes (formats/convert/export.ts): an ABC sample to MIDI through abcjs,
// read back by @tonejs/midi; a one-line MIDI melody to ABC and back with the same notes; chords refused.
import { readFileSync } from 'node:fs';
import { Midi } from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { abcToMidi } from '../../../../src-main/formats/convert';
import { abcSampleToMidi, midiSampleToAbc } from '../../../../src-main/formats/convert/export';
import { validate } from '../../../../src-main/formats';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
/** Pitches and onsets in quarters of a MIDI file, as @tonejs/midi reads them. */
function melody(bytes: Uint8Array): Array<[number, number, number]> {
  const midi = new Midi(bytes);
  return midi.tracks.flatMap((t) => t.notes).sort((a, b) => a.ticks - b.ticks)
    .map((n) => [n.midi, n.ticks / midi.header.ppq, n.durationTicks / midi.header.ppq]);
}

describe('ABC sample → MIDI', () => {
  it('writes a real tune as a MIDI file with its notes', () => {
    const tune = readFileSync('datasets/tunes/train/trumpet-hornpipe.abc');
    const r = abcSampleToMidi(tune);
    if (!r.ok) throw new Error(r.reason);
    expect(validate(r.bytes, 'mid')).toEqual({ verdict: 'valid' });
    expect(melody(r.bytes).length).toBeGreaterThan(20);
    expect(r.note).toMatch(/^“.+”$/);
  });

  it('says why when there is no tune, or no notes', () => {
    expect(abcSampleToMidi(enc('just some text\n'))).toMatchObject({ ok: false, reason: expect.stringMatching(/no tune/) });
    expect(abcSampleToMidi(enc('X:1\nT:Empty\nK:C\n'))).toMatchObject({ ok: false, reason: expect.stringMatching(/no notes/) });
  });
});

describe('MIDI sample → ABC', () => {
  it('writes a one-line melody as ABC that plays the same notes, accidentals and ties included', () => {
    const source = 'X:1\nT:Line\nM:4/4\nL:1/8\nQ:1/4=100\nK:C\nC2 ^F2 =F2 G2- | G2 z2 c4 | B,4 _B4 | e8 |]\n';
    const midi = abcToMidi(source)[0].midi;
    const r = midiSampleToAbc(midi, 'Line');
    if (!r.ok) throw new Error(r.reason);
    const abc = dec(r.bytes);
    expect(abc).toMatch(/^X:1\nT:Line\nM:4\/4\nL:1\/16\nQ:1\/4=100\nK:C\n/);
    expect(validate(r.bytes, 'abc')).toEqual({ verdict: 'valid' });
    // F sharp then F natural in one bar: the natural is written out.
    expect(abc).toContain('^F4 =F4');
    expect(melody(abcToMidi(abc)[0].midi).map(([m, at]) => [m, at])).toEqual(melody(midi).map(([m, at]) => [m, at]));
  });

  it('refuses chords and several voices, saying how many notes sound together', () => {
    const chords = abcToMidi('X:1\nT:Chords\nL:1/4\nK:C\n[CEG] [DFA] | [EGc]4 |]\n')[0].midi;
    expect(midiSampleToAbc(chords, 'Chords')).toMatchObject({ ok: false, reason: expect.stringMatching(/^6 of its 9 notes sound together .*one melody line/) });
    const band = new Uint8Array(readFileSync('datasets/tunes/train/coleraine.mid'));
    expect(midiSampleToAbc(band, 'Coleraine')).toMatchObject({ ok: false, reason: expect.stringMatching(/sound together/) });
    expect(midiSampleToAbc(enc('not midi'), 'x')).toMatchObject({ ok: false });
  });
});
