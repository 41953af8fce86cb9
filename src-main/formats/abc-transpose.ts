// Transposition of an ABC tune by N semitones (ABC standard 2.1 §3.1.14 keys, §4.2 accidentals, §4.18
// chord symbols), as `abc2abc -t N` (Debian abcmidi) does it but in TypeScript, so an import works in the
// browser and without abcmidi: the key signature moves to the key N semitones away spelled with the
// fewest accidentals, every note moves by the same interval (letter steps and semitones, so F# in D
// becomes G# in E, not Ab), accidentals are written where the new key and the bar's earlier
// accidentals need them, and chord symbols ("Am7", "D/F#") move with the notes. Everything else —
// lengths, bars, decorations, annotations, comments, layout — is copied byte for byte.

/** Semitones above C of the natural notes C D E F G A B. */
const NATURAL = [0, 2, 4, 5, 7, 9, 11];
const LETTERS = 'CDEFGAB';
/** Natural notes in the order of the circle of fifths, from F (−1) to B (+5). */
const FIFTHS_ORDER = 'FCGDAEB';
/** Mode → fifths below its major key (A minor has the signature of C major: −3). */
const MODE_FIFTHS: Record<string, number> = { '': 0, maj: 0, ion: 0, m: -3, min: -3, aeo: -3, dor: -2, phr: -4, lyd: 1, mix: -1, loc: -5 };
/** Order in which sharps enter a key signature (flats enter in the reverse order). */
const SHARP_ORDER = 'FCGDAEB';

export type TransposeResult = { abc: string } | { error: string };

interface Key {
  /** Fifths of the key signature: +2 = two sharps. */
  fifths: number;
  /** Where the tonic and its accidental lie in the field value, to rewrite it; null for K:none/HP. */
  tonic: { start: number; end: number } | null;
  modeFifths: number;
}

/** The signature's accidental of each letter C..B (+1 sharp, −1 flat). */
function signature(fifths: number): number[] {
  const acc = new Array(7).fill(0);
  const n = Math.abs(fifths);
  for (let i = 0; i < Math.min(7, n); i++) {
    const letter = fifths > 0 ? SHARP_ORDER[i] : SHARP_ORDER[6 - i];
    acc[LETTERS.indexOf(letter)] = fifths > 0 ? 1 : -1;
  }
  return acc;
}

/** The fifths of a major key's tonic (C 0, G 1, F −1, F# 6, Bb −2). */
function tonicFifths(letter: string, acc: number): number {
  return FIFTHS_ORDER.indexOf(letter) - 1 + 7 * acc;
}

/** The tonic whose major key has `fifths`, or null when it would need a double accidental. */
function tonicOf(fifths: number): string | null {
  const acc = Math.floor((fifths + 1) / 7);
  if (Math.abs(acc) > 1) return null;
  return FIFTHS_ORDER[fifths + 1 - 7 * acc] + (acc > 0 ? '#' : acc < 0 ? 'b' : '');
}

/**
 * Does the rest of a K: value name explicit accidentals (`K:D ^g`, `K: C^f^c`)? Settings such as
 * `clef=bass` are set aside word by word (a split on spaces: linear, where `[A-Za-z-]+=` is not).
 */
export function explicitAccidentals(rest: string): boolean {
  return rest.split(/\s+/).some((w) => (w.includes('=') && !/^[_^=]/.test(w) ? false : /[_^=]{1,2}[A-Ga-g]/.test(w)));
}

/** Parses a K: value; `{error}` for what this transposer does not rewrite (explicit accidentals). */
function parseKey(value: string): Key | { error: string } {
  // Percussion: the letters name instruments, not pitches.
  if (/\bclef=perc|\bperc(ussion)?\b/.test(value)) return { error: 'a percussion part (clef=perc) is not transposed' };
  const m = /^(\s*)([A-G])([#b]?)\s*([A-Za-z]*)/.exec(value);
  if (!m) {
    // K:none, K:HP, K:Hp, a clef alone: no signature to move (bagpipe keys are not transposable music).
    if (/^\s*(HP|Hp)\b/.test(value)) return { error: 'a bagpipe key (K:HP) is not transposed' };
    return { fifths: 0, tonic: null, modeFifths: 0 };
  }
  const word = m[4].toLowerCase();
  const mode = word === 'm' ? 'm' : word.slice(0, 3);
  if (word !== '' && !(mode in MODE_FIFTHS) && !/^(clef|middle|transpose|octave|stafflines|treble|bass|alto|tenor|none)/.test(word)) {
    if (mode === 'exp') return { error: 'a key with explicit accidentals (K:… exp) is not transposed' };
    return { error: `unknown mode '${m[4]}' in K:${value.trim()}` };
  }
  // Explicit accidentals (`K:D ^g`, `K: C^f^c`), once `clef=bass`-like settings are set aside.
  if (explicitAccidentals(value.slice(m[1].length + 1 + m[3].length))) return { error: 'a key with explicit accidentals is not transposed' };
  const modeFifths = mode in MODE_FIFTHS ? MODE_FIFTHS[mode] : 0;
  const acc = m[3] === '#' ? 1 : m[3] === 'b' ? -1 : 0;
  const start = m[1].length;
  return { fifths: tonicFifths(m[2], acc) + modeFifths, tonic: { start, end: start + 1 + m[3].length }, modeFifths };
}

/** The interval of a transposition: semitones and the letter steps that spell it. */
interface Interval {
  semitones: number;
  steps: number;
  /** Fifths added to every key signature. */
  fifths: number;
}

/** Fifths ≡ 7·N (mod 12) in the three spellings that can matter, nearest the key's own first. */
function fifthsOptions(semitones: number, key: Key): number[] {
  const f0 = (((7 * semitones) % 12) + 12) % 12;
  // Ties (six sharps or six flats) go to the spelling whose letters move the way the pitch does
  // (G down a semitone is F#, not Gb), then to flats.
  const drift = (f: number) => Math.abs(interval(semitones, f).steps - (semitones * 7) / 12);
  return [f0 - 12, f0, f0 + 12].sort((a, b) => Math.abs(key.fifths + a) - Math.abs(key.fifths + b) || drift(a) - drift(b) || a - b);
}

/** May the key move by `fifths`? A K: field names at most seven sharps or flats and a tonic with one accidental. */
const nameable = (key: Key, fifths: number): boolean =>
  Math.abs(key.fifths + fifths) <= 7 && (key.tonic === null || tonicOf(key.fifths + fifths - key.modeFifths) !== null);

/** The interval of N semitones that moves key signatures by `fifths` (4 letter steps per fifth). */
function interval(semitones: number, fifths: number): Interval {
  let steps = (((4 * fifths) % 7) + 7) % 7;
  const target = (semitones * 7) / 12;
  while (steps - target > 3.5) steps -= 7;
  while (target - steps > 3.5) steps += 7;
  return { semitones, steps, fifths };
}

/**
 * The interval for N semitones from the tune's first key: the new signature is the one of the keys N
 * semitones away with the fewest accidentals (and a tonic a K: field can name).
 */
function intervalFor(semitones: number, key: Key): Interval {
  const options = fifthsOptions(semitones, key);
  return interval(semitones, options.find((f) => nameable(key, f)) ?? options[0]);
}

/**
 * The interval for a later key change: the tune's own spelling when the moved key can be named, else
 * its enharmonic neighbour (E major up a tritone is A# major, 10 sharps: written Bb, and its notes too).
 */
function sectionInterval(base: Interval, key: Key): Interval {
  if (nameable(key, base.fifths)) return base;
  const other = fifthsOptions(base.semitones, key).find((f) => nameable(key, f));
  return other === undefined ? base : interval(base.semitones, other);
}

const ACCIDENTAL_TEXT: Record<number, string> = { [-2]: '__', [-1]: '_', 0: '=', 1: '^', 2: '^^' };

/** A note in diatonic steps from C0 (octave·7 + letter) and an accidental. */
interface Pitch { step: number; acc: number }

function semitonesOf(p: Pitch): number {
  return 12 * Math.floor(p.step / 7) + NATURAL[((p.step % 7) + 7) % 7] + p.acc;
}

/** Moves a pitch by the interval, respelling the rare note that would need a triple accidental. */
function move(p: Pitch, iv: Interval): Pitch {
  const target = semitonesOf(p) + iv.semitones;
  let step = p.step + iv.steps;
  let acc = target - semitonesOf({ step, acc: 0 });
  while (acc > 2) { step += 1; acc = target - semitonesOf({ step, acc: 0 }); }
  while (acc < -2) { step -= 1; acc = target - semitonesOf({ step, acc: 0 }); }
  return { step, acc };
}

/** ABC spelling of a diatonic step: C = middle-C octave (4), c one up, C, one down, c' two up. */
function noteText(step: number): string {
  const octave = Math.floor(step / 7);
  const letter = LETTERS[((step % 7) + 7) % 7];
  return octave >= 5 ? letter.toLowerCase() + "'".repeat(octave - 5) : letter + ','.repeat(4 - octave);
}

/** A chord symbol's root or bass ("F#", "Bb") moved by the interval. */
function moveChordNote(letter: string, accText: string, iv: Interval): string {
  const acc = accText === '#' ? 1 : accText === 'b' ? -1 : 0;
  const p = move({ step: 28 + LETTERS.indexOf(letter), acc }, iv);
  let step = ((p.step % 7) + 7) % 7;
  let a = p.acc;
  // A chord symbol has one accidental at most: respell a double one with the neighbouring letter.
  const pc = (NATURAL[step] + a + 12) % 12;
  if (Math.abs(a) > 1) {
    step = (step + Math.sign(a) + 7) % 7;
    a = ((pc - NATURAL[step] + 18) % 12) - 6;
  }
  return LETTERS[step] + (a > 0 ? '#' : a < 0 ? 'b' : '');
}

/** Chord symbols this transposer recognises: a root, a quality made of the usual marks, an optional bass. */
const CHORD = /^([A-G])([#b]?)((?:maj|min|dim|aug|sus|add|m|M|[0-9+o°ø#b()])*)(?:\/([A-G])([#b]?))?$/;

function moveChordSymbol(text: string, iv: Interval): string {
  const m = CHORD.exec(text);
  if (!m) return text; // an annotation ("Fine", "D.C.") or something unusual: left as it is
  return moveChordNote(m[1], m[2], iv) + m[3] + (m[4] ? '/' + moveChordNote(m[4], m[5], iv) : '');
}

/** Key state of one voice: the signatures before and after, and the bar's accidentals so far. */
interface Voice {
  inKey: number[];
  outKey: number[];
  inBar: Map<number, number>;
  outBar: Map<number, number>;
}

/** Rewrites a K: value for the new key; the rest of the value (mode, clef) stays as written. */
function moveKeyValue(value: string, key: Key, iv: Interval): string {
  if (!key.tonic) return value;
  const tonic = tonicOf(key.fifths + iv.fifths - key.modeFifths);
  return value.slice(0, key.tonic.start) + (tonic ?? value.slice(key.tonic.start, key.tonic.end)) + value.slice(key.tonic.end);
}

class Transposer {
  private voices = new Map<string, Voice>();
  private voice: Voice;
  private iv: Interval | null = null;
  /** The tune's interval, and the one of the current key (a far key change may need its enharmonic). */
  private base: Interval | null = null;
  private headerKey: Key | null = null;

  constructor(private readonly semitones: number) {
    this.voice = this.newVoice(0);
  }

  private newVoice(fifths: number): Voice {
    return { inKey: signature(fifths), outKey: signature(fifths + (this.iv?.fifths ?? 0)), inBar: new Map(), outBar: new Map() };
  }

  /** A K: field (line or inline): sets the key of the current voice; returns the rewritten value. */
  key(value: string): string {
    const key = parseKey(value);
    if ('error' in key) throw new Error(key.error);
    if (!this.base) {
      this.base = intervalFor(this.semitones, key);
      this.headerKey = key;
    }
    this.iv = sectionInterval(this.base, key);
    this.voice.inKey = signature(key.fifths);
    this.voice.outKey = signature(key.fifths + this.iv.fifths);
    return moveKeyValue(value, key, this.iv);
  }

  /** A V: field: later notes follow that voice's key (each voice starts in the tune's key). */
  selectVoice(value: string): void {
    const id = value.trim().split(/\s+/)[0] ?? '';
    let v = this.voices.get(id);
    if (!v) {
      v = this.newVoice(this.headerKey?.fifths ?? 0);
      this.voices.set(id, v);
    }
    this.voice = v;
  }

  bar(): void {
    this.voice.inBar.clear();
    this.voice.outBar.clear();
  }

  /** One note: its accidental text ('' if none), letter and octave marks → the moved note's text. */
  note(accText: string, letter: string, marks: string): string {
    const iv = this.iv!;
    const v = this.voice;
    const octave = (letter === letter.toLowerCase() ? 5 : 4) + (marks.match(/'/g)?.length ?? 0) - (marks.match(/,/g)?.length ?? 0);
    const step = 7 * octave + LETTERS.indexOf(letter.toUpperCase());
    const explicit = accText === '' ? null : accText === '=' ? 0 : (accText[0] === '^' ? 1 : -1) * accText.length;
    if (explicit !== null) v.inBar.set(step, explicit);
    const acc = explicit ?? v.inBar.get(step) ?? v.inKey[step % 7];
    const out = move({ step, acc }, iv);
    const implied = v.outBar.get(out.step) ?? v.outKey[((out.step % 7) + 7) % 7];
    let text = '';
    if (explicit !== null || out.acc !== implied) {
      text = ACCIDENTAL_TEXT[out.acc];
      v.outBar.set(out.step, out.acc);
    }
    return text + noteText(out.step);
  }

  chord(text: string): string {
    return this.iv ? moveChordSymbol(text, this.iv) : text;
  }

  get started(): boolean {
    return this.iv !== null;
  }
}

const NOTE = /^(\^\^|\^|__|_|=)?([A-Ga-g])([,']*)/;
const INLINE_FIELD = /^\[([A-Za-z]):([^\]\n]*)\]/;
/** (3 or (3:2:3: its colons are no repeat marks. */
const TUPLET = /^\(\d+(?::\d*){0,2}/;
const BAR = /^(?::*\|+[\]:]*|:+|\[\|)/;

/** Rewrites one music line. */
function musicLine(line: string, t: Transposer): string {
  let out = '';
  let i = 0;
  const lastClose = line.lastIndexOf(']');
  while (i < line.length) {
    const rest = line.slice(i);
    const c = line[i];
    if (c === '%') return out + rest;
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end === -1) return out + rest;
      const text = line.slice(i + 1, end);
      out += '"' + (/^[\^_<>@]/.test(text) ? text : t.chord(text)) + '"';
      i = end + 1;
      continue;
    }
    if (c === '!' || c === '+') {
      const end = line.indexOf(c, i + 1);
      const inside = end === -1 ? '' : line.slice(i + 1, end);
      // +CEG+ is abc2midi's old chord syntax, not a decoration: its notes move.
      if (end !== -1 && /^[^\s]+$/.test(inside) && !(c === '+' && /^[A-Ga-g^_=,'0-9\/]+$/.test(inside))) {
        out += line.slice(i, end + 1);
        i = end + 1;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    // An inline field [X:…] with no ']' after it is text (the line's last ']' is found once, not per opening).
    const field = c === '[' && i < lastClose && /^\[[A-Za-z]:/.test(rest) ? INLINE_FIELD.exec(rest) : null;
    if (field) {
      let value = field[2];
      if (field[1] === 'K') value = t.key(value);
      else if (field[1] === 'V') t.selectVoice(value);
      out += `[${field[1]}:${value}]`;
      i += field[0].length;
      continue;
    }
    const tuplet = TUPLET.exec(rest);
    if (tuplet) {
      out += tuplet[0];
      i += tuplet[0].length;
      continue;
    }
    const bar = BAR.exec(rest);
    if (bar && bar[0].length > 0) {
      t.bar();
      out += bar[0];
      i += bar[0].length;
      continue;
    }
    const note = NOTE.exec(rest);
    if (note) {
      out += t.note(note[1] ?? '', note[2], note[3]);
      i += note[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * The tune (or every tune of a book) transposed by `semitones`; `{error}` for a tune this transposer
 * cannot move faithfully (explicit key accidentals, bagpipe keys, macros, microtones).
 */
export function transposeAbc(abc: string, semitones: number): TransposeResult {
  if (!Number.isInteger(semitones) || Math.abs(semitones) > 24) return { error: `cannot transpose by ${semitones} semitones` };
  const lines = abc.split('\n');
  const out: string[] = [];
  let t = new Transposer(semitones);
  let inBody = false;
  try {
    for (const line of lines) {
      const field = /^([A-Za-z+]):(.*)$/.exec(line);
      if (/^X:/.test(line)) {
        t = new Transposer(semitones);
        inBody = false;
        out.push(line);
      } else if (line.startsWith('%')) {
        out.push(line);
      } else if (field) {
        const [, name, value] = field;
        if (name === 'm') throw new Error('a tune with macros (m:) is not transposed');
        if (name === 'K') {
          out.push(`K:${t.key(value)}`);
          inBody = true;
        } else {
          if (name === 'V' && inBody) t.selectVoice(value);
          out.push(line);
        }
      } else if (inBody && t.started) {
        if (/\^\/|_\/|[\^_]\d/.test(line.replace(/"[^"]*"|![^!]*!/g, ''))) throw new Error('a tune with microtonal accidentals is not transposed');
        out.push(musicLine(line, t));
      } else {
        out.push(line);
      }
    }
  } catch (err) {
    return { error: (err as Error).message };
  }
  return { abc: out.join('\n') };
}

/**
 * Shifts for N keys, nearest musical neighbours first: the written key, a tone up and down, a fourth
 * up and down (the keys folk players move tunes to), then the rest of the twelve.
 */
export const KEY_ORDER = [0, 2, -2, 5, -5, 3, -3, 4, -4, 1, -1, 6] as const;

/** The semitone shifts of `keys` keys (1 = the written key only, 12 = all twelve). */
export function transpositions(keys: number): number[] {
  return KEY_ORDER.slice(0, Math.max(1, Math.min(KEY_ORDER.length, Math.floor(keys))));
}
