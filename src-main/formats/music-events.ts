// Notes out of ABC and MIDI for measuring music (the report card, studio/report-card.ts): pitch (MIDI
// note number), onset and length in whole notes, and the bar each note starts in; for ABC also each
// bar's length against the meter. ABC: a small reader of one tune's first voice (ABC standard 2.1 §3
// header fields L: M: K:, §4 notes, accidentals that last to the bar line, lengths, broken rhythm,
// tuplets, chords, rests, bars and repeats; grace notes take no time; decorations, annotations and
// chord symbols are skipped). MIDI: @tonejs/midi, the studio's MIDI parser, its time signature for bars.
import * as toneMidi from '@tonejs/midi';
import { namedExport } from './interop';

const Midi = namedExport(toneMidi, 'Midi');

export interface NoteEvent {
  /** MIDI note number (60 = middle C). */
  pitch: number;
  /** Onset, whole notes from the start. */
  start: number;
  /** Length, whole notes. */
  duration: number;
  /** Bar the note starts in (0 = the first, a pickup included). */
  bar: number;
}

export interface BarLength {
  /** Length of the bar's notes and rests, whole notes. */
  length: number;
  /** What the meter says a bar holds, whole notes; null without a meter (M:none, free time). */
  expected: number | null;
  /**
   * The bar starts or ends a section (the tune's first or last bar, or one next to a repeat or double
   * bar line): it may be a part-bar, as a pickup is (abc2midi lets these be short).
   */
  edge: boolean;
}

export interface MusicEvents {
  notes: NoteEvent[];
  /** Bars in order (ABC only: MIDI has no bar lines, only a time signature). */
  bars: BarLength[];
  /** Bars counted from the notes' onsets (both formats). */
  barCount: number;
}

const NATURAL: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const LETTERS = 'CDEFGAB';
const SHARP_ORDER = 'FCGDAEB';
const MODE_FIFTHS: Record<string, number> = { '': 0, maj: 0, ion: 0, m: -3, min: -3, aeo: -3, dor: -2, phr: -4, lyd: 1, mix: -1, loc: -5 };
const FIFTHS_ORDER = 'FCGDAEB';

/** The key signature of a K: value: accidental of each letter C..B. */
export function keySignature(value: string): number[] {
  const acc = new Array(7).fill(0);
  const m = /^\s*([A-G])([#b]?)\s*([A-Za-z]*)/.exec(value);
  if (!m) return acc;
  const word = m[3].toLowerCase();
  const mode = word === 'm' ? 'm' : word.slice(0, 3);
  const fifths = FIFTHS_ORDER.indexOf(m[1]) - 1 + 7 * (m[2] === '#' ? 1 : m[2] === 'b' ? -1 : 0) + (MODE_FIFTHS[mode] ?? 0);
  for (let i = 0; i < Math.min(7, Math.abs(fifths)); i++) {
    const letter = fifths > 0 ? SHARP_ORDER[i] : SHARP_ORDER[6 - i];
    acc[LETTERS.indexOf(letter)] = fifths > 0 ? 1 : -1;
  }
  // Explicit accidentals after the key (`K:D ^g`, `K: C^f^c`) change the signature too; settings such as
  // clef=bass are set aside word by word (a split on spaces: linear).
  const words = value.slice(m[0].length).split(/\s+/).filter((w) => !(w.includes('=') && !/^[_^=]/.test(w)));
  for (const e of words.join(' ').matchAll(/(\^\^|\^|__|_|=)([A-Ga-g])/g)) {
    acc[LETTERS.indexOf(e[2].toUpperCase())] = e[1] === '=' ? 0 : (e[1][0] === '^' ? 1 : -1) * e[1].length;
  }
  return acc;
}

/** A meter's bar length in whole notes: `6/8` → 0.75, `C` → 1, `C|` → 1; null for none or free time. */
export function meterLength(value: string | null): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (v === 'C') return 1;
  if (v === 'C|') return 1;
  if (/^\d+$/.test(v)) return Number(v) / 4; // M:2, M:3: quarter beats (abc2midi reads them so)
  const m = /^(\d+(?:\+\d+)*)\s*\/\s*(\d+)$/.exec(v);
  if (!m) return null;
  const top = m[1].split('+').reduce((a, b) => a + Number(b), 0);
  const bottom = Number(m[2]);
  return bottom > 0 && top > 0 ? top / bottom : null;
}

/** A note length suffix (`3`, `/`, `3/2`, `//`) as a multiple of the unit length. */
function lengthOf(text: string): number {
  if (text === '') return 1;
  const m = /^(\d*)(\/*)(\d*)$/.exec(text);
  if (!m) return 1;
  const num = m[1] === '' ? 1 : Number(m[1]);
  if (m[2] === '') return num;
  const den = m[3] !== '' ? Number(m[3]) : 2 ** m[2].length;
  return den > 0 ? num / den : num;
}

/** Unit note length (`1/8`) in whole notes; the ABC default follows the meter (§3.1.7). */
function unitOf(value: string | null, meter: number | null): number {
  const m = value ? /^(\d+)\/(\d+)$/.exec(value.trim()) : null;
  if (m && Number(m[2]) > 0) return Number(m[1]) / Number(m[2]);
  return meter !== null && meter < 0.75 ? 1 / 16 : 1 / 8;
}

const NOTE = /^(\^\^|\^|__|_|=)?([A-Ga-g])([,']*)([0-9]*\/*[0-9]*)/;
const REST = /^([zx])([0-9]*\/*[0-9]*)/;
const BAR = /^(?::*\|+[\]:]*|:+\|*|\[\|)[0-9]*(?:[,-][0-9]+)*/;

/** The notes and bars of the first tune in an ABC text (its first voice). */
export function abcEvents(text: string): MusicEvents {
  const lines = text.split(/\r?\n/);
  let meterText: string | null = null;
  let unitText: string | null = null;
  let key = new Array(7).fill(0);
  let i = 0;
  // Header: up to and including the first K: (only the first tune: stop at a second X:).
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (i > 0 && /^X:/.test(l)) return { notes: [], bars: [], barCount: 0 };
    if (/^M:/.test(l)) meterText = l.slice(2).trim();
    else if (/^L:/.test(l)) unitText = l.slice(2).trim();
    else if (/^K:/.test(l)) { key = keySignature(l.slice(2)); i++; break; }
  }
  let meter = meterLength(meterText);
  let unit = unitOf(unitText, meter);
  const notes: NoteEvent[] = [];
  const bars: BarLength[] = [];
  let time = 0;
  let barStart = 0;
  let barAcc = new Map<number, number>();
  let voice: string | null = null;
  let broken = 1; // the next note's length factor after '>' or '<'
  let tuplet = { left: 0, factor: 1 };
  let inGrace = false;
  /** The bar line just closed began a section (after |: :: || [|): the next bar may be a part-bar. */
  let sectionStart = true;
  const closeBar = (line: string) => {
    const ends = /:\||\|\||\|\]|::|\[\|/.test(line);
    if (time > barStart + 1e-9) bars.push({ length: time - barStart, expected: meter, edge: sectionStart || ends });
    else if (ends && bars.length > 0) bars[bars.length - 1].edge = true;
    sectionStart = ends || /\|:/.test(line);
    barStart = time;
    barAcc = new Map();
  };
  const fieldChange = (name: string, value: string) => {
    if (name === 'M') { meter = meterLength(value); if (unitText === null) unit = unitOf(null, meter); }
    else if (name === 'L') { unit = unitOf(value, meter); unitText = value; }
    else if (name === 'K') key = keySignature(value);
    else if (name === 'V') voice = voice ?? value.trim().split(/\s+/)[0];
  };
  let activeVoice: string | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (/^X:/.test(line)) break;
    const field = /^([A-Za-z]):(.*)$/.exec(line);
    if (field) {
      if (field[1] === 'V') {
        const id = field[2].trim().split(/\s+/)[0];
        voice ??= id;
        activeVoice = id;
      } else fieldChange(field[1], field[2]);
      continue;
    }
    if (line.startsWith('%')) continue;
    if (voice !== null && activeVoice !== voice) continue; // other voices: not this melody
    let at = 0;
    const lastClose = line.lastIndexOf(']');
    while (at < line.length) {
      const rest = line.slice(at);
      const c = line[at];
      if (c === '%') break;
      if (c === '"' || c === '!' || (c === '+' && /^\+[^+\s]+\+/.test(rest))) {
        const end = line.indexOf(c, at + 1);
        at = end === -1 ? line.length : end + 1;
        continue;
      }
      // An inline field with no ']' after it is not one (the line's last ']' is found once).
      const inline = c === '[' && at < lastClose ? /^\[([A-Za-z]):([^\]]*)\]/.exec(rest) : null;
      if (inline) {
        if (inline[1] === 'V') activeVoice = inline[2].trim().split(/\s+/)[0];
        else fieldChange(inline[1], inline[2]);
        at += inline[0].length;
        continue;
      }
      if (c === '{') { inGrace = true; at++; continue; }
      if (c === '}') { inGrace = false; at++; continue; }
      const tup = /^\((\d)(?::(\d*))?(?::(\d*))?/.exec(rest);
      if (tup) {
        const p = Number(tup[1]);
        const q = tup[2] ? Number(tup[2]) : p === 3 || p === 6 ? 2 : p === 2 || p === 4 || p === 8 ? 3 : meter !== null && Math.round(meter * 8) % 3 === 0 ? 3 : 2;
        tuplet = { left: tup[3] ? Number(tup[3]) : p, factor: q / p };
        at += tup[0].length;
        continue;
      }
      const bar = BAR.exec(rest);
      if (bar && bar[0].length > 0 && (c === '|' || c === ':' || rest.startsWith('[|'))) {
        closeBar(bar[0]);
        at += bar[0].length;
        continue;
      }
      if (c === '[' && /^\[[\^_=]*[A-Ga-g]/.test(rest)) {
        // A chord: its notes start together; it lasts as long as its first note (§4.17).
        const end = at < lastClose ? line.indexOf(']', at) : -1;
        if (end === -1) { at = line.length; continue; }
        const suffix = /^\]([0-9]*\/*[0-9]*)/.exec(line.slice(end))![1];
        let first: number | null = null;
        for (const m of line.slice(at + 1, end).matchAll(/(\^\^|\^|__|_|=)?([A-Ga-g])([,']*)([0-9]*\/*[0-9]*)/g)) {
          const len = lengthOf(m[4]) * lengthOf(suffix);
          first ??= len;
          if (!inGrace) notes.push({ pitch: pitchOf(m[1], m[2], m[3], key, barAcc), start: time, duration: len * unit * tuplet.factor * broken, bar: bars.length });
        }
        if (!inGrace && first !== null) advance(first);
        at = end + 1 + suffix.length;
        continue;
      }
      const note = NOTE.exec(rest);
      if (note) {
        const len = lengthOf(note[4]);
        const pitch = pitchOf(note[1], note[2], note[3], key, barAcc);
        if (!inGrace) {
          notes.push({ pitch, start: time, duration: len * unit * tuplet.factor * broken, bar: bars.length });
          advance(len);
        }
        at += note[0].length;
        continue;
      }
      const multi = /^Z(\d*)/.exec(rest);
      if (multi) {
        // Z4: four whole bars of rest (§4.5).
        const n = multi[1] === '' ? 1 : Number(multi[1]);
        if (meter !== null && n > 0 && n < 1000) {
          for (let k = 0; k < n; k++) {
            time += meter;
            if (k < n - 1) closeBar('|');
          }
        }
        at += multi[0].length;
        continue;
      }
      const r = REST.exec(rest);
      if (r) {
        if (!inGrace) advance(lengthOf(r[2]));
        at += r[0].length;
        continue;
      }
      if (c === '>' || c === '<') {
        // Broken rhythm: the note before gains (or loses) half, the next one the opposite (§4.4).
        const n = /^[<>]+/.exec(rest)![0].length;
        const shift = 1 - 0.5 ** n;
        const last = notes[notes.length - 1];
        const delta = (c === '>' ? shift : -shift) * (last ? last.duration : unit);
        if (last) {
          // The notes sounding at the last onset (a chord's) are at the end: walk back, not filter every note
          // (a filter per '>' made "a>a>a>…" quadratic, docs/security.md).
          for (let k = notes.length - 1; k >= 0 && notes[k].start === last.start; k--) notes[k].duration += delta;
          time += delta;
        }
        broken = c === '>' ? 1 - shift : 1 + shift;
        at += n;
        continue;
      }
      at++;
    }
  }
  if (time > barStart + 1e-9) bars.push({ length: time - barStart, expected: meter, edge: true });
  if (bars.length > 0) bars[bars.length - 1].edge = true;
  return { notes, bars, barCount: bars.length };

  function advance(units: number): void {
    time += units * unit * tuplet.factor * broken;
    broken = 1;
    if (tuplet.left > 0 && --tuplet.left === 0) tuplet = { left: 0, factor: 1 };
  }
}

/** MIDI note number of an ABC note in its key, with the bar's accidentals (updated by an explicit one). */
function pitchOf(accText: string | undefined, letter: string, marks: string, key: number[], bar: Map<number, number>): number {
  const octave = (letter === letter.toLowerCase() ? 5 : 4) + (marks.match(/'/g)?.length ?? 0) - (marks.match(/,/g)?.length ?? 0);
  const up = letter.toUpperCase();
  const step = octave * 7 + LETTERS.indexOf(up);
  let acc: number;
  if (accText) {
    acc = accText === '=' ? 0 : (accText[0] === '^' ? 1 : -1) * accText.length;
    bar.set(step, acc);
  } else acc = bar.get(step) ?? key[LETTERS.indexOf(up)];
  return 12 * (octave + 1) + NATURAL[up] + acc;
}

/** The notes of a MIDI file (every track), its bars from its first time signature (4/4 without one). */
export function midiEvents(bytes: Uint8Array): MusicEvents {
  const midi = new Midi(bytes);
  const ppq = midi.header.ppq || 480;
  const ts = midi.header.timeSignatures[0]?.timeSignature ?? [4, 4];
  const barTicks = ppq * 4 * (ts[0] / ts[1]);
  const notes: NoteEvent[] = midi.tracks.flatMap((t) => t.notes.map((n) => ({ pitch: n.midi, start: n.ticks / (4 * ppq), duration: n.durationTicks / (4 * ppq), bar: Math.floor(n.ticks / barTicks) })));
  notes.sort((a, b) => a.start - b.start || a.pitch - b.pitch);
  const last = notes.reduce((m, n) => Math.max(m, n.bar), -1);
  return { notes, bars: [], barCount: last + 1 };
}

/** Notes of an ABC or MIDI file, or null for other files and files that do not parse. */
export function musicEvents(bytes: Uint8Array, ext: string): MusicEvents | null {
  try {
    const e = ext.toLowerCase();
    if (e === 'abc') return abcEvents(new TextDecoder().decode(bytes));
    if (e === 'mid' || e === 'midi') return midiEvents(bytes);
  } catch {
    return null;
  }
  return null;
}

/**
 * Bars whose length matches the meter: every bar but a short one at the edge of a section (a pickup,
 * the tune's last bar, the part-bars on either side of a repeat), as abc2midi lets them be. `checked`
 * counts the bars judged (none without a meter).
 */
export function barsMatchingMeter(bars: BarLength[]): { matching: number; checked: number } {
  let matching = 0;
  let checked = 0;
  bars.forEach((b) => {
    if (b.expected === null) return;
    if (b.edge && b.length < b.expected - 1e-9) return; // a part-bar where a section starts or ends
    checked++;
    if (Math.abs(b.length - b.expected) < 1e-6) matching++;
  });
  return { matching, checked };
}
