// The ABC and MIDI note readers (formats/music-events.ts) against the tools that play them: abcjs's MIDI
// of real tunes, abc2midi's bar warnings on the built-in tunes, @tonejs/midi on a real file; and the ABC
// rules one by one (key signature, bar accidentals, lengths, broken rhythm, tuplets, chords, grace notes).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import abcjs from 'abcjs';
import { Midi } from '@tonejs/midi';
import { abcEvents, barsMatchingMeter, keySignature, meterLength, midiEvents, musicEvents } from '../../../src-main/formats/music-events';
import { readTuneBook } from '../../../src-main/formats/abc-book';
import { abc2midiReport, hasAbcmidi } from '../../../src-main/datasets/tunebook';

const DATASETS = path.resolve(__dirname, '../../../datasets');
const melody = (midi: Uint8Array) => {
  const t = new Midi(midi).tracks.find((x) => x.notes.length > 0);
  return t ? [...t.notes].sort((a, b) => a.ticks - b.ticks || a.midi - b.midi).map((n) => n.midi) : [];
};
const pitches = (abc: string) => [...abcEvents(abc).notes].sort((a, b) => a.start - b.start || a.pitch - b.pitch).map((n) => n.pitch);

describe('abcEvents', () => {
  it('reads the pitches abcjs plays for the single-voice tunes of the abcmidi books (up to the first repeat, which abcjs plays twice)', () => {
    const books = readdirSync(path.join(DATASETS, 'sources', 'abcmidi')).filter((n) => n.endsWith('.abc'));
    // abcjs plays grace notes and trills as notes of their own; the reader keeps the written notes.
    const music = (abc: string) => abc.split('\n').filter((l) => !/^[A-Za-z]:/.test(l)).join('\n').replace(/"[^"]*"/g, '');
    const tunes = books.flatMap((b) => readTuneBook(readFileSync(path.join(DATASETS, 'sources', 'abcmidi', b), 'utf8')).tunes)
      .filter((t) => !/^V:/m.test(t.abc) && !/[{T~!]/.test(music(t.abc)));
    let same = 0;
    for (const t of tunes) {
      const ref = melody((abcjs.synth.getMidiFile(t.abc, { midiOutputType: 'binary' }) as Uint8Array[])[0]);
      const mine = pitches(t.abc);
      const n = Math.min(24, mine.length);
      if (n > 0 && JSON.stringify(ref.slice(0, n)) === JSON.stringify(mine.slice(0, n))) same++;
    }
    expect(tunes.length).toBeGreaterThanOrEqual(5);
    expect(same / tunes.length).toBeGreaterThanOrEqual(0.8);
  });

  it('follows the key, accidentals to the bar line, octaves, lengths, broken rhythm, tuplets, chords and grace notes', () => {
    const e = abcEvents('X:1\nM:4/4\nL:1/8\nK:D\nF ^c c =F|F c\' C, z|A>B c<d (3efg a2|[CEG]2 {ab}c4 z2|\n');
    expect(e.notes.slice(0, 4).map((n) => n.pitch)).toEqual([66, 73, 73, 65]); // F# (key), C#, still C#, F natural
    expect(e.notes.slice(4, 7).map((n) => n.pitch)).toEqual([66, 85, 49]); // a new bar: F# again; c' and C, octaves
    const bar3 = e.notes.filter((n) => n.bar === 2);
    expect(bar3.map((n) => Number(n.duration.toFixed(9)))).toEqual([3 / 16, 1 / 16, 1 / 16, 3 / 16, 1 / 12, 1 / 12, 1 / 12, 1 / 4].map((x) => Number(x.toFixed(9))));
    expect(e.bars.map((b) => Number(b.length.toFixed(9)))).toEqual([0.5, 0.5, 1, 1]);
    const chord = e.notes.filter((n) => n.bar === 3);
    // C is sharp in D major; the grace notes {ab} take no time.
    expect(chord.map((n) => [n.pitch, Number(n.start.toFixed(9)), n.duration])).toEqual([[61, 2, 0.25], [64, 2, 0.25], [67, 2, 0.25], [73, 2.25, 0.5]]);
  });

  it('lets a pickup, the last bar and the part-bars around a repeat be short, and counts the others', () => {
    const e = abcEvents('X:1\nM:6/8\nL:1/8\nK:G\nD|GAB c2d|e3 d2:|\n|:B|GAB c2d|e3 d3|G3|\n');
    expect(barsMatchingMeter(e.bars)).toEqual({ matching: 3, checked: 3 });
    const bad = abcEvents('X:1\nM:4/4\nL:1/4\nK:C\nCDEF|CDE|CDEFG|C4|\n');
    expect(barsMatchingMeter(bad.bars)).toEqual({ matching: 2, checked: 4 });
    expect(barsMatchingMeter(abcEvents('X:1\nM:none\nK:C\nCDE|C|\n').bars)).toEqual({ matching: 0, checked: 0 });
  });

  it.skipIf(!hasAbcmidi())('agrees with abc2midi on which built-in tunes have every bar full (nine in ten at least)', () => {
    const dir = path.join(DATASETS, 'abc-tunes', 'train');
    const names = readdirSync(dir).filter((n) => !n.includes('~'));
    let agree = 0;
    for (const n of names) {
      const text = readFileSync(path.join(dir, n), 'utf8');
      const b = barsMatchingMeter(abcEvents(text).bars);
      if ((b.matching === b.checked) === (abc2midiReport(text).badBars === 0)) agree++;
    }
    expect(agree / names.length).toBeGreaterThanOrEqual(0.85);
  }, 60_000);

  it('reads keys and meters as abc2midi does', () => {
    expect(keySignature('Bb')).toEqual([0, 0, -1, 0, 0, 0, -1]);
    expect(keySignature('Ador')).toEqual([0, 0, 0, 1, 0, 0, 0]); // A dorian: G major's F sharp
    expect(keySignature('E minor')).toEqual([0, 0, 0, 1, 0, 0, 0]);
    expect(keySignature(' C^f^c')).toEqual([1, 0, 0, 1, 0, 0, 0]);
    expect([meterLength('6/8'), meterLength('C'), meterLength('C|'), meterLength('3'), meterLength('2+3/8'), meterLength('none'), meterLength(null)]).toEqual([0.75, 1, 1, 0.75, 0.625, null, null]);
  });
});

describe('midiEvents', () => {
  it('gives the notes @tonejs/midi reads from a real file, in whole notes, and its bars from the time signature', () => {
    const bytes = new Uint8Array(readFileSync(path.join(DATASETS, 'midi-tunes', 'train', readdirSync(path.join(DATASETS, 'midi-tunes', 'train'))[0])));
    const e = midiEvents(bytes);
    const ref = new Midi(bytes).tracks.flatMap((t) => t.notes);
    expect(e.notes).toHaveLength(ref.length);
    expect(e.notes.every((n) => n.duration > 0 && n.start >= 0)).toBe(true);
    expect(e.barCount).toBeGreaterThan(1);
    expect(musicEvents(new TextEncoder().encode('not midi'), 'mid')).toBeNull();
    expect(musicEvents(bytes, 'wav')).toBeNull();
  });
});
