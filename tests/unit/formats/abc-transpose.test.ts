// Transposition in TypeScript (formats/abc-transpose.ts) checked by what players hear: the real
// tunes of Debian's books, moved by N semitones, sound N semitones higher to abcjs (the studio's ABC
// library) and, where installed, to abc2midi; keys, accidentals and chord symbols are spelled as a
// musician would write them.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import abcjs from 'abcjs';
import { Midi } from '@tonejs/midi';
import { readTuneBook } from '../../../src-main/formats/abc-book';
import { transposeAbc, transpositions, KEY_ORDER } from '../../../src-main/formats/abc-transpose';
import { hasAbcmidi } from '../../../src-main/datasets/tunebook';
import { tempDir } from '../../helpers/temp';

const SOURCES = new URL('../../../datasets/sources/', import.meta.url);
const books = (dir: string) => readdirSync(new URL(dir, SOURCES)).filter((n) => n.endsWith('.abc')).map((n) => readFileSync(new URL(`${dir}/${n}`, SOURCES), 'utf8'));

/** The melody (first track with notes) as MIDI note numbers in time order. */
function melody(midi: Uint8Array): number[] {
  const track = new Midi(midi).tracks.find((t) => t.notes.length > 0);
  return track ? [...track.notes].sort((a, b) => a.ticks - b.ticks || a.midi - b.midi).map((n) => n.midi) : [];
}
const abcjsMelody = (abc: string): number[] => melody((abcjs.synth.getMidiFile(abc, { midiOutputType: 'binary' }) as Uint8Array[])[0]);
const moved = (abc: string, n: number): string => {
  const r = transposeAbc(abc, n);
  if ('error' in r) throw new Error(r.error);
  return r.abc;
};

describe('transposeAbc', () => {
  it('moves every tune of the abcmidi books by N semitones, note for note, as abcjs plays them', () => {
    const tunes = books('abcmidi').flatMap((b) => readTuneBook(b).tunes);
    expect(tunes.length).toBeGreaterThanOrEqual(12); // the tunes the checker accepts, as abc2midi would
    let checked = 0;
    for (const t of tunes) {
      const base = abcjsMelody(t.abc);
      for (const n of [-5, -3, -1, 1, 2, 4, 6]) {
        const r = transposeAbc(t.abc, n);
        if ('error' in r) continue;
        expect(abcjsMelody(r.abc), `${t.title} ${n}`).toEqual(base.map((p) => p + n));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10 * 7);
  });

  it('agrees with abcjs on at least 95 % of the abcm2ps demos too (the rest are chord-only and score-layout demos)', () => {
    let ok = 0;
    let all = 0;
    for (const t of books('abcm2ps').flatMap((b) => readTuneBook(b).tunes)) {
      const base = abcjsMelody(t.abc);
      for (const n of [-5, 2, 6]) {
        const r = transposeAbc(t.abc, n);
        if ('error' in r) continue;
        all++;
        const got = abcjsMelody(r.abc);
        if (got.length === base.length && got.every((p, i) => p === base[i] + n)) ok++;
      }
    }
    expect(all).toBeGreaterThan(40); // the demos the checker accepts, as abc2midi would
    expect(ok / all).toBeGreaterThanOrEqual(0.95);
  });

  it.skipIf(!hasAbcmidi())('sounds N semitones higher to abc2midi as well (Debian abcmidi)', () => {
    const dir = tempDir('bgpt-transpose-');
    const notesOf = (abc: string): number[] => {
      writeFileSync(path.join(dir, 't.abc'), abc);
      execFileSync('abc2midi', [path.join(dir, 't.abc'), '-o', path.join(dir, 't.mid')], { stdio: 'ignore' });
      return melody(new Uint8Array(readFileSync(path.join(dir, 't.mid'))));
    };
    const tunes = books('abcmidi').flatMap((b) => readTuneBook(b).tunes).filter((t) => !('error' in transposeAbc(t.abc, 1)));
    for (const t of tunes.slice(0, 8)) {
      const base = notesOf(t.abc);
      for (const n of [-5, 3, 6]) expect(notesOf(moved(t.abc, n)), `${t.title} ${n}`).toEqual(base.map((p) => p + n));
    }
  }, 60_000);

  it('spells the new key with the fewest accidentals and keeps its mode and clef words', () => {
    const key = (k: string, n: number) => moved(`X:1\nK:${k}\nC|\n`, n).split('\n')[1];
    expect(key('D', 2)).toBe('K:E');
    expect(key('G', -1)).toBe('K:F#');
    expect(key('F', 6)).toBe('K:B');
    expect(key('Em', 5)).toBe('K:Am');
    expect(key('A dorian', 1)).toBe('K:Bb dorian');
    expect(key('Ador', 3)).toBe('K:Cdor');
    expect(key('Bb mix', 2)).toBe('K:C mix');
    expect(key('D clef=bass', -2)).toBe('K:C clef=bass');
    expect(key('none', 2)).toBe('K:none');
  });

  it('writes accidentals the new key and the bar need, keeps lengths, chords, decorations and annotations', () => {
    // G major: F is sharp; ^c raises C in the bar only; a new bar forgets it.
    expect(moved('X:1\nL:1/8\nK:G\n"G"GAB ^c2c|c F=F f|"D7/F#"!trill!d3 "^Fine"z|[GB]2 {g}a2|\n', 2).split('\n').slice(2))
      .toEqual(['K:A', '"A"ABc ^d2d|d G=G g|"E7/G#"!trill!e3 "^Fine"z|[Ac]2 {a}b2|', '']);
    // Down a fourth from F to C: Bb becomes F, B natural F sharp (and stays so in the bar).
    expect(moved('X:1\nK:F\nB=B B|b,c\'|\n', -5).split('\n').slice(1, 3)).toEqual(['K:C', 'F^F F|Fg|']);
    // Octaves move with the letter: B up a tone is C# (in D major's signature), one octave mark fewer.
    expect(moved('X:1\nK:C\nB,B b|\n', 2).split('\n').slice(1, 3)).toEqual(['K:D', 'Cc c\'|']);
  });

  it('follows key changes (body K: and inline [K:]) and voices, respelling a key too far away', () => {
    const out = moved('X:1\nK:D\nDEF|[K:Bb]B,DF|\nK:E\nEGB|\n', 6);
    // D up a tritone is Ab (4 flats) and Bb is E, but E up a tritone is A# (10 sharps): written Bb.
    expect(out).toBe('X:1\nK:Ab\nABc|[K:E]EGB|\nK:Bb\nBdf|\n');
    expect(abcjsMelody(out)).toEqual(abcjsMelody('X:1\nK:D\nDEF|[K:Bb]B,DF|\nK:E\nEGB|\n').map((p) => p + 6));
    const voices = moved('X:1\nK:G\nV:1\nF|\nV:2\nK:C\nF|\nV:1\nF|\n', 2);
    expect(voices).toBe('X:1\nK:A\nV:1\nG|\nV:2\nK:D\nG|\nV:1\nG|\n');
  });

  it('refuses what it cannot move faithfully, in words', () => {
    const err = (abc: string) => (transposeAbc(abc, 2) as { error: string }).error;
    expect(err('X:1\nK:HP\nABc|\n')).toMatch(/bagpipe/);
    expect(err('X:1\nK:D exp ^f ^c\nABc|\n')).toMatch(/explicit accidentals/);
    expect(err('X:1\nm: ~n2 = (3o/n/m/ n\nK:D\nABc|\n')).toMatch(/macros/);
    expect(err('X:1\nK:C clef=perc\nABc|\n')).toMatch(/percussion/);
    expect(err('X:1\nK:C\n^/c _3/4d|\n')).toMatch(/microtonal/);
    expect(transposeAbc('X:1\nK:C\nC|\n', 0.5)).toEqual({ error: 'cannot transpose by 0.5 semitones' });
  });

  it('lists N keys nearest first', () => {
    expect(transpositions(1)).toEqual([0]);
    expect(transpositions(3)).toEqual([0, 2, -2]);
    expect(transpositions(12)).toEqual([...KEY_ORDER]);
    expect(new Set(transpositions(12).map((n) => (n + 12) % 12)).size).toBe(12);
    expect(transpositions(40)).toHaveLength(12);
    expect(transpositions(0)).toEqual([0]);
  });
});
