// A sample on its way to a DAW or a score editor (docs/playback-and-prompts.md, "Export"): an ABC tune
// as a Standard MIDI File (abcjs, as the built-in pairs are made), and a MIDI file as ABC where that
// can be written honestly — one melody line, no chords — with the reason when it cannot.
import { abcToMidi } from './abc-midi';
import { readTuneBook } from '../abc-book';
import { parseMidi, type MidiNote } from '../preview/midi';

export type Conversion = { ok: true; bytes: Uint8Array; note: string } | { ok: false; reason: string };

/** The first tune of an ABC sample as MIDI (a tune book gives its first tune; the note says so). */
export function abcSampleToMidi(bytes: Uint8Array): Conversion {
  const text = new TextDecoder().decode(bytes);
  // abcjs reads any letters as notes: without a header field this is not a tune at all.
  if (!/^[XK]:/m.test(text)) return { ok: false, reason: 'it holds no tune (no X: or K: line)' };
  let tunes;
  try {
    tunes = abcToMidi(text);
  } catch (err) {
    return { ok: false, reason: `abcjs could not read it as a tune (${err instanceof Error ? err.message : String(err)})` };
  }
  if (tunes.length === 0) {
    // Every tune was refused as a tune (the book reader says why: no key, no notes…): the first one's reason.
    const refused = readTuneBook(text).refused[0];
    return { ok: false, reason: refused ? `tune “${refused.title || refused.index}” cannot be played: ${refused.reason}` : 'it holds no tune (no X: line)' };
  }
  const first = tunes[0];
  // abcjs writes a file even for a tune without notes: one with no note-on is not worth exporting.
  if (parseMidi(first.midi).noteCount === 0) return { ok: false, reason: `tune “${first.title}” has no notes abcjs can play` };
  const note = tunes.length > 1 ? `the first of its ${tunes.length} tunes, “${first.title}”` : `“${first.title}”`;
  return { ok: true, bytes: first.midi, note };
}

/** ABC's grid here: sixteenth notes (L:1/16), four quarters to the bar (a MIDI file's time signature is not read). */
const UNITS_PER_QUARTER = 4;
const UNITS_PER_BAR = 16;
const BARS_PER_LINE = 4;
/** A note overlapping the next by more than this share of its own length is a second voice, not legato. */
const LEGATO_SHARE = 0.5;
const NAMES = ['C', '^C', 'D', '^D', 'E', 'F', '^F', 'G', '^G', 'A', '^A', 'B'];
/** General MIDI's percussion channel (10, zero-based 9): drum keys are not pitches. */
const DRUM_CHANNEL = 9;

/** ABC pitch of a MIDI key, with its accidental kept apart: C = middle C (60), c = 72, C, = 48, c' = 84. */
function pitch(midi: number): { accidental: string; letter: string } {
  const name = NAMES[midi % 12];
  const octave = Math.floor(midi / 12) - 5; // 0: the octave from middle C
  const base = name.replace('^', '');
  const letter = octave >= 1 ? base.toLowerCase() + "'".repeat(octave - 1) : base + ','.repeat(-octave);
  return { accidental: name.startsWith('^') ? '^' : '', letter };
}

function len(units: number): string {
  return units === 1 ? '' : String(units);
}

/**
 * A MIDI file as an ABC tune, when it is one melody line: notes on a sixteenth grid (four quarters to
 * the bar), rests between them, notes tied across bar lines, accidentals written out within a bar.
 * Chords or several voices at once are refused with the count, rather than written as something else.
 */
export function midiSampleToAbc(bytes: Uint8Array, title: string): Conversion {
  const view = parseMidi(bytes);
  if (view.tracks.length === 0) return { ok: false, reason: view.issues[0]?.message ?? 'it is not a MIDI file' };
  const notes: MidiNote[] = view.tracks.flatMap((t) => t.notes).filter((n) => n.channel !== DRUM_CHANNEL).sort((a, b) => a.ticks - b.ticks || b.midi - a.midi);
  if (notes.length === 0) return { ok: false, reason: 'it has no pitched notes (drums only, or none at all)' };
  const unit = view.ppq / UNITS_PER_QUARTER;
  type Slot = { start: number; end: number; midi: number };
  const slots: Slot[] = [];
  let voices = 0;
  for (const n of notes) {
    const start = Math.round(n.ticks / unit);
    const end = Math.max(start + 1, Math.round((n.ticks + n.durationTicks) / unit));
    const prev = slots[slots.length - 1];
    if (prev && start < prev.end) {
      // The same start, or deep into the previous note: two voices sound together.
      if (start === prev.start || prev.end - start > LEGATO_SHARE * (prev.end - prev.start)) {
        voices++;
        continue;
      }
      prev.end = start; // a legato overlap: the earlier note ends where the next begins
    }
    slots.push({ start, end, midi: n.midi });
  }
  if (voices > 0) {
    return { ok: false, reason: `${voices} of its ${notes.length} notes sound together with another (chords or several voices): ABC export writes one melody line only` };
  }
  const tokens: string[] = [];
  let at = 0;
  let accidentals = new Map<string, string>(); // letter (with octave) → accidental in force in this bar
  /** Emits `units` of a note or rest from `at`, split (and tied) at bar lines. */
  const emit = (units: number, write: (u: number) => string, tie: boolean) => {
    while (units > 0) {
      const room = UNITS_PER_BAR - (at % UNITS_PER_BAR);
      const u = Math.min(units, room);
      units -= u;
      tokens.push(write(u) + (tie && units > 0 ? '-' : ''));
      at += u;
      if (at % UNITS_PER_BAR === 0) {
        tokens.push(at % (UNITS_PER_BAR * BARS_PER_LINE) === 0 ? '|\n' : '|');
        accidentals = new Map();
      }
    }
  };
  for (const s of slots) {
    if (s.start > at) emit(s.start - at, (u) => `z${len(u)}`, false);
    const { accidental, letter } = pitch(s.midi);
    emit(s.end - s.start, (u) => {
      const inForce = accidentals.get(letter) ?? '';
      const mark = accidental === inForce ? '' : accidental || '=';
      accidentals.set(letter, accidental);
      return `${mark}${letter}${len(u)}`;
    }, true);
  }
  // The final bar line: one after an unfinished bar, or the closing one in place of the last.
  if (at % UNITS_PER_BAR === 0) tokens.pop();
  tokens.push('|]');
  const body = tokens.join(' ').replace(/ ?\n ?/g, '\n').replace(/ \|/g, ' |');
  const header = ['X:1', `T:${title.replace(/[\r\n]/g, ' ')}`, 'M:4/4', 'L:1/16', `Q:1/4=${Math.round(view.bpm)}`, 'K:C'];
  const abc = `${header.join('\n')}\n${body.trim()}\n`;
  return { ok: true, bytes: new TextEncoder().encode(abc), note: `${slots.length} notes on a sixteenth-note grid in 4/4, key C (accidentals written out)` };
}
