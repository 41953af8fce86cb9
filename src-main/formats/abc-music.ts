// What abc2midi (Debian abcmidi 4.x) makes of one ABC tune's music, in pure TypeScript: the first thing
// it refuses (an "Error in line-char" line) and the bars whose length does not match the meter (its
// "Track T Bar N has X time units while the time signature has Y" warnings). The studio's ABC verdict
// (abc.ts) calls a tune valid only when both are empty; the format grammar (abc-grammar.ts) shares the
// values below so it never writes what this refuses.
//   ABC standard 2.1 (abcnotation.com/wiki/abc:standard:v2.1): §3.1.6 meter, §3.1.7 unit length, §3.1.14
//   key, §4.1–4.20 the tune body, §4.14 decorations. abcmidi's parseabc.c (what is an error), store.c
//   (fixreps: repeats; dotie: ties) and genmidi.c (checkbar/softcheckbar and the repeat passes: which bar
//   lengths it warns about) are followed where they decide; the tests compare with abc2midi's own output.

/** A fraction of a whole note, in lowest terms (d > 0). */
export type Frac = readonly [number, number];

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}
export function frac(n: number, d = 1): Frac {
  const g = gcd(n, d);
  return d < 0 ? [-n / g, -d / g] : [n / g, d / g];
}
export const ZERO: Frac = [0, 1];
export const add = (a: Frac, b: Frac): Frac => frac(a[0] * b[1] + b[0] * a[1], a[1] * b[1]);
export const sub = (a: Frac, b: Frac): Frac => frac(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
export const mul = (a: Frac, b: Frac): Frac => frac(a[0] * b[0], a[1] * b[1]);
export const cmp = (a: Frac, b: Frac): number => a[0] * b[1] - b[0] * a[1];
export const eq = (a: Frac, b: Frac): boolean => a[0] === b[0] && a[1] === b[1];
export const show = (a: Frac): string => (a[1] === 1 ? String(a[0]) : `${a[0]}/${a[1]}`);

/**
 * A meter value (§3.1.6) as a bar length: `6/8`, `C` (4/4), `C|` (2/2), `2+3/8`; null for free meter
 * (`none`, which abc2midi does not bar-check); undefined when abc2midi would not read it.
 */
export function parseMeter(value: string): Frac | null | undefined {
  const v = value.trim();
  if (v === 'none' || v === '') return null;
  if (v === 'C') return [1, 1];
  if (v === 'C|') return [1, 1];
  const m = /^\(?(\d+(?:\+\d+)*)\)?\/(\d+)$/.exec(v);
  if (!m) return undefined;
  const n = m[1].split('+').reduce((s, x) => s + Number(x), 0);
  const d = Number(m[2]);
  if (n < 1 || n > 64 || !isPowerOfTwo(d) || d > 64) return undefined;
  return frac(n, d);
}

/** The meter's count as abc2midi prints it: `6/8` → 6 time units of 1/8 (C| → 2 of 1/2). */
function meterUnits(value: string): { count: number; unit: number } | null {
  const v = value.trim();
  if (v === 'C') return { count: 4, unit: 4 };
  if (v === 'C|') return { count: 2, unit: 2 };
  const m = /^\(?(\d+(?:\+\d+)*)\)?\/(\d+)$/.exec(v);
  return m ? { count: m[1].split('+').reduce((s, x) => s + Number(x), 0), unit: Number(m[2]) } : null;
}

/** A unit note length (§3.1.7) `1/8`; undefined when abc2midi would not read it ("Default length must be 1/X"). */
export function parseUnit(value: string): Frac | undefined {
  const m = /^\s*1\/(\d+)\s*$/.exec(value);
  if (!m) return undefined;
  const d = Number(m[1]);
  return isPowerOfTwo(d) && d <= 64 ? [1, d] : undefined;
}

/** §3.1.7: with no L:, 1/16 when the meter is under 3/4, else 1/8. */
export function defaultUnit(meter: Frac | null): Frac {
  return meter !== null && cmp(meter, [3, 4]) < 0 ? [1, 16] : [1, 8];
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Semitones of the natural notes. */
/** Voice overlays (&) one bar may hold: abc2midi plays a few; more is not music (and each is a voice to check). */
const MAX_OVERLAYS = 4;
/** The longest line the studio hands abcjs (abc.ts ABCJS_LIMITS: abcjs is quadratic in a line's length). */
export const MAX_MUSIC_LINE = 512;
const SEMITONE: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
/** Position of each tonic on the circle of fifths (sharps positive), and of each mode relative to major. */
const TONIC_FIFTHS: Record<string, number> = { C: 0, G: 1, D: 2, A: 3, E: 4, B: 5, F: -1 };
const MODE_FIFTHS: Record<string, number> = { '': 0, maj: 0, ion: 0, min: -3, m: -3, aeo: -3, dor: -2, phr: -4, lyd: 1, mix: -1, loc: -5, exp: 0 };
const SHARP_ORDER = 'FCGDAEB';
/** Clef names a K: or V: line may carry (§4.6). */
const CLEF = /^(treble|bass|alto|tenor|perc|none)[1-5]?([+-]8)?$/;

/** The accidental of each note letter under a key: +1 sharp, -1 flat (letters absent are natural). */
export type KeySignature = Map<string, number>;

/**
 * A K: value (§3.1.14) as abc2midi reads it: a tonic with # or b and a mode (its first three letters,
 * any case), `none`, or `HP`/`Hp` (bagpipes), then optional explicit accidentals and clef parameters.
 * Returns the key signature, or a reason abc2midi refuses it.
 */
export function parseKey(value: string): KeySignature | string {
  const r = parseKeyFifths(value);
  return r.sig ?? r.error!;
}

/** The fifths of a key's tonic and mode (sharps positive), for keys that name one. */
export function keyFifths(value: string): number | null {
  return parseKeyFifths(value).fifths;
}

function parseKeyFifths(value: string): { sig?: KeySignature; error?: string; fifths: number | null } {
  const words = value.trim().split(/\s+/).filter((w) => w !== '');
  const sig: KeySignature = new Map();
  let fifths: number | null = null;
  let i = 0;
  const first = words[0] ?? '';
  if (first === '' || first === 'none' || /^[a-z-]+=/.test(first) || CLEF.test(first)) {
    // no tonic: C major (abc2midi's default), parameters follow
  } else if (first === 'HP' || first === 'Hp') {
    i = 1;
    if (first === 'Hp') { sig.set('F', 1); sig.set('C', 1); sig.set('G', -1); } // abc2midi: Hp is F# C# G=, i.e. D mixolydian
  } else {
    const m = /^([A-G])([#b]?)(.*)$/.exec(first);
    if (!m) return { error: `'${first}' is not a key (a tonic A–G, optionally # or b, then a mode)`, fifths: null };
    let modeWord = m[3];
    i = 1;
    if (modeWord === '' && words[1] !== undefined && /^[a-zA-Z]+$/.test(words[1]) && MODE_FIFTHS[words[1].toLowerCase().slice(0, 3)] !== undefined && !CLEF.test(words[1])) {
      modeWord = words[1];
      i = 2;
    }
    const mode = modeWord.toLowerCase() === 'm' ? 'm' : modeWord.toLowerCase().slice(0, 3);
    if (MODE_FIFTHS[mode] === undefined) return { error: `unknown mode '${modeWord}' in K:${value}`, fifths: null };
    fifths = TONIC_FIFTHS[m[1]] + (m[2] === '#' ? 7 : m[2] === 'b' ? -7 : 0) + MODE_FIFTHS[mode];
    // Past seven sharps or flats abc2midi only warns ("Unusual key representation"): the seven stand.
    for (let k = 0; k < Math.min(7, Math.abs(fifths)); k++) {
      const letter = fifths > 0 ? SHARP_ORDER[k] : SHARP_ORDER[6 - k];
      sig.set(letter, fifths > 0 ? 1 : -1);
    }
  }
  for (const w of words.slice(i)) {
    if (w === 'exp' || w === 'explicit') continue;
    // Explicit accidentals, one per word or run together (`^f _b`, `^e^e=b`).
    if (/^((\^\^|\^|__|_|=)[A-Ga-g][,']*)+$/.test(w)) {
      for (const acc of w.matchAll(/(\^\^|\^|__|_|=)([A-Ga-g])/g)) {
        sig.set(acc[2].toUpperCase(), acc[1] === '=' ? 0 : acc[1].startsWith('^') ? acc[1].length : -acc[1].length);
      }
      continue;
    }
    if (/^[a-z-]+=\S*$/.test(w) || CLEF.test(w)) continue;
    return { error: `'${w}' in K:${value} is neither an accidental nor a clef`, fifths: null };
  }
  return { sig, fifths };
}

/** The decorations of ABC 2.1 §4.14 (abcjs renders these without a warning; others are "Unknown decoration"). */
export const STANDARD_DECORATIONS = new Set([
  'trill', 'trill(', 'trill)', 'lowermordent', 'uppermordent', 'mordent', 'pralltriller', 'roll', 'turn', 'turnx',
  'invertedturn', 'invertedturnx', 'arpeggio', '>', 'accent', 'emphasis', 'fermata', 'invertedfermata', 'tenuto',
  '0', '1', '2', '3', '4', '5', '+', 'plus', 'snap', 'slide', 'wedge', 'upbow', 'downbow', 'open', 'thumb', 'breath',
  'pppp', 'ppp', 'pp', 'p', 'mp', 'mf', 'f', 'ff', 'fff', 'ffff', 'sfz', 'crescendo(', '<(', 'crescendo)', '<)',
  'diminuendo(', '>(', 'diminuendo)', '>)', 'segno', 'coda', 'D.S.', 'D.C.', 'dacoda', 'dacapo', 'fine',
  'shortphrase', 'mediumphrase', 'longphrase',
]);

/** Chord types abc2midi knows (store.c addchordname); a chord symbol with another type is an error. */
export const ABC2MIDI_CHORD_TYPES = new Set(['', 'm', '7', 'm7', 'm7b5', 'maj7', 'M7', '6', 'm6', 'aug', '+', 'aug7', 'dim', 'dim7', '9', 'm9', 'maj9', 'M9', '11', 'dim9', 'sus', 'sus4', 'sus2', 'sus9', '7sus2', '7sus4', '7sus9', '5']);

/** Why abc2midi refuses a quoted string before a note, or null: annotations start with ^ _ < > @. */
export function chordSymbolError(text: string): string | null {
  if (text === '' || /^[\^_<>@]/.test(text)) return null;
  // abc2midi reads the first chord name of the string, an opening parenthesis skipped; its type ends at
  // a space, '/', '(' or ')'.
  const m = /^\(?([A-Ga-g])([#b]{0,2})([^/\s()]*)/.exec(text);
  if (!m) return `chord symbol "${text}" does not start with A–G`;
  if (!ABC2MIDI_CHORD_TYPES.has(m[3])) return `chord symbol "${text}": abc2midi does not know the chord type '${m[3]}'`;
  return null;
}

/** Bar line kinds as genmidi.c treats them (|] [| || and ':' are double bars). */
type BarKind = 'single' | 'double' | 'barRep' | 'repBar' | 'doubleRep';

type Feature =
  | { kind: 'note'; dur: Frac }
  | { kind: 'bar'; bar: BarKind; line: number }
  | { kind: 'ending'; list: number[]; line: number }
  | { kind: 'meter'; bar: Frac | null; count: number; unit: number };

/** A bar whose length does not match the meter (abc2midi's warning). */
export interface BadBar {
  voice: string;
  /** abc2midi's bar number (the pickup is bar 0). */
  bar: number;
  line: number;
  /** What it holds and what the meter needs, in the meter's units ("5/2" and "6" for M:6/8). */
  has: string;
  needs: number;
  inRepeat: boolean;
}

export interface AbcMusic {
  /** The first thing abc2midi refuses, with its line ("line 7: …"), or null. */
  error: string | null;
  /** Bars whose length is not the meter's, as abc2midi warns (pickup and a short bar before || |] :| excepted). */
  badBars: BadBar[];
  /** Bars written in the text (all voices; a non-empty pickup counts). */
  bars: number;
  /** Bars abc2midi plays (repeats played twice): the denominator of the share of bars matching the meter. */
  playedBars: number;
  /** Notes and rests. */
  notes: number;
}

interface Voice {
  meter: Frac | null;
  meterText: string;
  unit: Frac;
  features: Feature[];
  /** Bar accidentals by letter+octave, and the last note (for ties). */
  accidentals: Map<string, number>;
  key: KeySignature;
  /** Notes since the last bar line (a bar line after notes closes a written bar). */
  open: number;
}

/** Pitch of a note: its staff line (letter and octave) and its sounding semitone. */
interface Pitch { line: number; semitone: number }

class Stop extends Error {}

/** Reads one tune (its lines from X: on) the way abc2midi does; see AbcMusic. */
export function readAbcMusic(lines: string[], firstLine = 1): AbcMusic {
  const reader = new MusicReader(firstLine);
  try {
    reader.read(lines);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  return reader.result();
}

/** One-letter decorations parseabc.c reads before a note (§4.14 with abc2midi's R and '). */
const DECORATION_CHARS = ".MLRH~Tuv'OPS";

/** Lengths (§4.3) as parseabc.c reads them: digits, then one `/` with digits or a run of bare slashes (`3/2`, `/4`, `/`, `//`). */
const LENGTH = /^(\d*)(\/\d+|\/+)?/;
/** Letters parseabc.c takes as a field when a ':' follows (a ':' or '|' after it makes the line music). */
const FIELD_LINE = /^([ABCDEFGHIKLMNOPQRSTUVdwsWXZ+])\s*:(?![:|])(.*)$/s;
/** I: instructions abc2midi reads (others are errors: "I: key … not recognized"). */
const KNOWN_INSTRUCTIONS = /^\s*(linebreak|abc-charset|abc-version|abc-creator|MIDI|decoration|setbarnb)\b/;

class MusicReader {
  private error: string | null = null;
  private lineNo = 0;
  private col = 0;
  private meter: Frac | null = [1, 1];
  private meterText = '4/4';
  private unit: Frac | null = null;
  private key: KeySignature = new Map();
  private voices = new Map<string, Voice>();
  private voice!: Voice;
  private voiceId = '1';
  private notes = 0;
  private bars = 0;
  // Music state that spans tokens.
  private inChord = false;
  private chordNotes: Pitch[] = [];
  private chordFirst: Frac | null = null;
  private inGrace = false;
  private graceNotes = 0;
  /** Grace notes were written and no note has followed yet. */
  private graceHost = false;
  private tuplet: { left: number; factor: Frac } | null = null;
  /** Broken rhythm waiting for its second note: the factor of that note, and the first note's length. */
  private broken: { factor: Frac; length: Frac; staccato: boolean } | null = null;
  /** The last note or chord (its length before broken rhythm, index of its feature), for broken rhythm applied to it. */
  private last: { length: Frac; feature: number; staccato: boolean } | null = null;
  /** A tie waits for its note: the pitches tied, and whether a bar line came between. */
  private tie: { pitches: Pitch[]; overBar: boolean } | null = null;
  private lastPitches: Pitch[] = [];
  /** A fermata (H, !fermata!) waits for its note: abc2midi plays that note (or chord, or rest) twice as long. */
  private fermata = false;
  /** A staccato dot waits for its note: abc2midi shortens it before it applies broken rhythm. */
  private staccato = false;
  /** Decorations waiting for their note (letters and !names!), and whether the last note had an ornament abc2midi plays as notes. */
  private decos = new Set<string>();
  private lastOrnamented = false;
  /** Chord symbols seen (abc2midi then plays an accompaniment, which a short last bar can leave sounding). */
  private gchords = 0;

  constructor(private readonly firstLine: number) {}

  private fail(message: string): never {
    this.error = `line ${this.firstLine + this.lineNo}${this.col > 0 ? `, column ${this.col + 1}` : ''}: ${message}`;
    throw new Stop();
  }

  read(lines: string[]): void {
    let inHeader = true;
    let inText = false;
    for (let i = 0; i < lines.length; i++) {
      this.lineNo = i;
      this.col = 0;
      const raw = lines[i];
      if (/^%%begintext/.test(raw)) inText = true;
      if (/^%%endtext/.test(raw)) { inText = false; continue; }
      if (inText || raw.startsWith('%')) continue;
      if (raw.trim() === '') {
        if (!inHeader) break; // a blank line ends the tune
        continue;
      }
      const field = FIELD_LINE.exec(raw);
      if (field) {
        const value = field[2].replace(/%.*$/, '').trim();
        if (inHeader) {
          this.headerField(field[1], value);
          if (field[1] === 'K') inHeader = false;
        } else {
          this.bodyField(field[1], value);
        }
        continue;
      }
      if (inHeader) { // music before K: (abc.ts adds the missing K: line)
        inHeader = false;
        this.startBody();
      }
      this.musicLine(raw);
    }
    if (this.voices.size === 0) this.startBody();
    this.endOfTune();
  }

  private headerField(name: string, value: string): void {
    if (name === 'Q') this.tempo(value);
    else if (name === 'I') this.instruction(value);
    else if (name === 'M') this.setMeter(value);
    else if (name === 'L') this.setUnit(value);
    else if (name === 'K') {
      this.setKey(value);
      this.startBody();
    }
  }

  private startBody(): void {
    if (this.voices.size > 0) return;
    this.switchVoice('1');
  }

  private bodyField(name: string, value: string): void {
    switch (name) {
      case 'M': this.setMeter(value); return;
      case 'L': this.setUnit(value); return;
      case 'K': this.setKey(value); return;
      case 'V': this.switchVoice(value.split(/\s+/)[0] ?? ''); return;
      case 'X': this.fail('a second X: inside a tune');
      case 'I': this.instruction(value); return;
      case 'Q': this.tempo(value); return;
      // Lyrics, parts, tempo, titles, notes, instructions… are allowed in the body and carry no music.
      default: return;
    }
  }

  /** Q: (§3.1.8): abc2midi refuses a beat length whose denominator is not a power of two, or one with no '='. */
  private tempo(value: string): void {
    const t = value.replace(/"[^"]*"/g, '').trim();
    const beats = [...t.matchAll(/(\d+)\/(\d+)/g)];
    for (const b of beats) if (!isPowerOfTwo(Number(b[2]))) this.fail(`Q:${value}: ${b[2]} is not a power of 2`);
    if (beats.length > 0 && !/=\s*\d+\s*$/.test(t)) this.fail(`Q:${value}: a tempo needs '=' and beats per minute after the note length`);
  }

  private instruction(value: string): void {
    if (!KNOWN_INSTRUCTIONS.test(value)) this.fail(`I:${value}: an instruction abc2midi does not know`);
  }

  private setMeter(value: string): void {
    const m = parseMeter(value);
    if (m === undefined) this.fail(`M:${value} is not a meter abc2midi reads`);
    this.meter = m;
    this.meterText = value.trim();
    if (this.voices.size > 0) {
      this.voice.meter = m;
      this.voice.meterText = this.meterText;
      const units = meterUnits(this.meterText);
      this.voice.features.push({ kind: 'meter', bar: m, count: units?.count ?? 0, unit: units?.unit ?? 1 });
    }
  }

  private setUnit(value: string): void {
    const u = parseUnit(value);
    if (u === undefined) this.fail(`L:${value} is not a unit length (1/X, X a power of two)`);
    this.unit = u;
    if (this.voices.size > 0) this.voice.unit = u;
  }

  private setKey(value: string): void {
    const k = parseKey(value);
    if (typeof k === 'string') this.fail(k);
    this.key = k;
    if (this.voices.size > 0) this.voice.key = k;
  }

  private switchVoice(id: string): void {
    if (id === '' || !/^[A-Za-z0-9_]+$/.test(id)) this.fail(`'${id}' is not a voice name`);
    if (this.voices.size > 0) this.checkVoiceLeft();
    let v = this.voices.get(id);
    if (!v) {
      const meter = this.meter;
      v = { meter, meterText: this.meterText, unit: this.unit ?? defaultUnit(meter), features: [], accidentals: new Map(), key: this.key, open: 0 };
      const units = meterUnits(this.meterText);
      v.features.push({ kind: 'meter', bar: meter, count: units?.count ?? 0, unit: units?.unit ?? 1 });
      this.voices.set(id, v);
    }
    this.voice = v;
    this.voiceId = id;
  }

  /** A voice left with a chord, grace group, tuplet or broken rhythm open (abc2midi: "Previous voice has …"). */
  private checkVoiceLeft(): void {
    if (this.inChord) this.fail('a voice changes inside a chord');
    if (this.inGrace) this.fail('a voice changes inside grace notes');
    if (this.tuplet) this.fail('a voice changes inside a tuplet');
    if (this.broken) this.fail('a voice changes between the notes of a broken rhythm');
  }

  private push(f: Feature): number {
    this.voice.features.push(f);
    return this.voice.features.length - 1;
  }

  private bar(kind: BarKind, endings: number[] | null): void {
    if (this.inChord) this.fail('a bar line inside a chord');
    if (this.inGrace) this.fail('a bar line inside grace notes');
    if (this.broken) this.fail('broken rhythm with no second note before the bar line');
    if (this.graceHost) this.fail('grace notes with no note to follow them');
    // A bar line ends a voice overlay (&): it goes to the overlaid part and to the voice it belongs to.
    const targets = [this.voice];
    if (this.overlayBack !== null) {
      this.voiceId = this.overlayBack;
      this.voice = this.voices.get(this.overlayBack)!;
      this.overlayBack = null;
      targets.push(this.voice);
    } else {
      const overlaid = this.voices.get(`${this.voiceId}&`);
      if (overlaid) targets.push(overlaid);
    }
    // abc2midi gives the bar line's kind to the part it is written in and syncs the other with a single bar.
    for (const [k, v] of targets.entries()) {
      v.features.push({ kind: 'bar', bar: k === 0 ? kind : 'single', line: this.lineNo });
      if (endings) v.features.push({ kind: 'ending', list: endings, line: this.lineNo });
      v.accidentals.clear();
    }
    if (this.voice.open > 0) this.bars += 1;
    for (const v of targets) v.open = 0;
    if (this.tie) this.tie.overBar = true;
    this.last = null;
  }

  /** One line of music (ABC 2.1 §4), token by token as parseabc.c reads it. */
  private musicLine(raw: string): void {
    // A line longer than abcjs is given (abc.ts ABCJS_LIMITS) is no tune the studio renders: refused before it is read.
    if (raw.length > MAX_MUSIC_LINE) this.fail(`a line of ${raw.length} characters, more than the ${MAX_MUSIC_LINE} abcjs is given`);
    const line = raw.replace(/%.*$/, '');
    let p = 0;
    const peek = (k = 0) => line[p + k] ?? '';
    while (p < line.length) {
      this.col = p;
      const c = line[p];
      if (c === ' ' || c === '\t' || c === '`') { p++; continue; }
      if (c === '.' && peek(1) === '(') { p++; continue; } // dotted slur
      if (c === '.' && peek(1) === '|') { p++; continue; } // dotted bar
      if (/[A-Ga-g_^=]/.test(c) || DECORATION_CHARS.includes(c)) {
        p = this.note(line, p);
        continue;
      }
      switch (c) {
        case '"': {
          const end = line.indexOf('"', p + 1);
          if (end < 0) this.fail('chord symbol not closed');
          const err = chordSymbolError(line.slice(p + 1, end));
          if (err) this.fail(err);
          if (!/^[\^_<>@]/.test(line.slice(p + 1, end))) this.gchords += 1;
          p = end + 1;
          continue;
        }
        case '|': {
          p++;
          if (peek() === ':') { p++; this.bar('barRep', null); }
          else if (peek() === '|' && peek(1) === ':') { p += 2; this.bar('barRep', null); }
          else if (peek() === '|') { p++; this.bar('double', null); }
          else if (peek() === ']') { p++; this.bar('double', null); }
          else {
            const r = this.endings(line, p);
            p = r.at;
            this.bar('single', r.list);
          }
          continue;
        }
        case ':': {
          p++;
          if (peek() === ':') { p++; this.bar('doubleRep', null); }
          else if (peek() === '|') {
            p++;
            const r = this.endings(line, p);
            p = r.at;
            this.bar('repBar', r.list);
            if (peek() === ']') p++;
          } else this.bar('double', null); // a dotted bar
          continue;
        }
        case '[': {
          if (peek(1) === '|') {
            p += 2;
            this.bar('double', null);
            if (peek() === ':') { p++; this.bar('barRep', null); }
            continue;
          }
          if (/\d/.test(peek(1))) {
            const r = this.endings(line, p + 1);
            p = r.at;
            if (this.inChord) this.fail('an ending inside a chord');
            this.push({ kind: 'ending', list: r.list ?? [], line: this.lineNo });
            continue;
          }
          if (/[A-Za-z]/.test(peek(1)) && peek(2) === ':') {
            const end = line.indexOf(']', p);
            if (end < 0) this.fail('inline field not closed with ]');
            this.bodyField(line[p + 1], line.slice(p + 3, end).trim());
            p = end + 1;
            continue;
          }
          p = this.note(line, p); // a chord
          continue;
        }
        case ']': {
          if (!this.inChord) {
            if (peek(1) === '|') { p += 2; this.bar('double', null); continue; }
            this.fail("']' with no chord open");
          }
          p = this.chordEnd(line, p + 1);
          continue;
        }
        case '(': {
          p++;
          const t = /^(\d+)(?::(\d*)(?::(\d*))?)?/.exec(line.slice(p));
          if (!t) {
            if (peek() === '&') p++;
            continue; // a slur (abc2midi only warns about slurs within slurs)
          }
          p += t[0].length;
          this.tupletStart(Number(t[1]), t[2] ? Number(t[2]) : 0, t[3] ? Number(t[3]) : 0);
          continue;
        }
        case ')': p++; continue;
        case '{':
          if (this.inGrace) this.fail('grace notes inside grace notes');
          if (this.inChord) this.fail('grace notes inside a chord');
          this.inGrace = true;
          this.graceNotes = 0;
          p++;
          continue;
        case '}':
          if (!this.inGrace) this.fail('} without matching {');
          this.inGrace = false;
          this.graceHost = this.graceNotes > 0;
          p++;
          continue;
        case '/':
          if (!this.inGrace) this.fail('stray / not in grace notes');
          p++;
          continue;
        case 'z': case 'x': {
          const r = this.length(line, p + 1);
          this.rest(r.written);
          p = r.at;
          continue;
        }
        case 'Z': case 'X': {
          const r = /^\d*/.exec(line.slice(p + 1))![0];
          if (line[p + 1 + r.length] === '/') this.fail(`${c} must be followed by a whole number of bars`);
          this.multiRest(r === '' ? 1 : Number(r));
          p += 1 + r.length;
          continue;
        }
        case 'y': p = this.length(line, p + 1).at; continue;
        case '>': case '<': {
          let n = 0;
          while (line[p] === c) { n++; p++; }
          if (n > 3) this.fail(`too many ${c}'s`);
          this.brokenRhythm(c, n);
          continue;
        }
        case '-':
          this.tieStart();
          p++;
          continue;
        case '\\':
          if (line.slice(p + 1).trim() !== '') this.fail("'\\' in the middle of a line");
          p = line.length;
          continue;
        case '!': case '+': {
          const end = line.indexOf(c, p + 1);
          if (end < 0) {
            if (line.slice(p + 1).trim() !== '' || c === '+') this.fail(`'${c}' in the middle of a line`);
            p = line.length; // an old-style line break
            continue;
          }
          const name = line.slice(p + 1, end);
          if (!STANDARD_DECORATIONS.has(name)) this.fail(`unknown decoration ${c}${name}${c} (not in ABC 2.1 §4.14)`);
          if (name === 'fermata' && !this.inChord) this.fermata = true;
          if (!this.inChord) this.decos.add(name);
          if (name === 'breath' && !this.inChord) this.staccato = true; // abc2midi shortens it like a staccato note
          p = end + 1;
          continue;
        }
        case '*':
          if (line.slice(p).replace(/\*/g, '').trim() !== '') this.fail("'*' in the middle of a line");
          p = line.length;
          continue;
        case '&':
          this.overlay();
          p++;
          if (peek() === ')') p++;
          continue;
        case '$': p++; continue;
        case 's': p++; continue; // a slur (parseabc.c)
        default:
          this.fail(/[A-Za-z]/.test(c) ? `'${c}' is not ABC music here` : `'${c}' is not ABC music`);
      }
    }
    this.col = 0;
    if (this.inChord) this.fail('chord not closed at the end of the line');
    if (this.inGrace) this.fail('grace notes not closed at the end of the line');
  }

  /** Endings after a bar line (`1`, `1,3`, `1-3`), or null. */
  private endings(line: string, p: number): { at: number; list: number[] | null } {
    const m = /^\[?(\d+(?:[,-]\d+)*)/.exec(line.slice(p));
    if (!m) return { at: p, list: null };
    const list: number[] = [];
    for (const part of m[1].split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let k = a; k <= (b ?? a); k++) list.push(k);
    }
    return { at: p + m[0].length, list };
  }

  /** A length suffix: its multiplier of the unit, and where it ends. */
  private length(line: string, p: number): { at: number; written: Frac } {
    const m = LENGTH.exec(line.slice(p))!;
    let n = m[1] === '' ? 1 : Number(m[1]);
    let d = 1;
    if (m[1] !== '' && n === 0) this.fail('a note length of 0');
    const slashes = m[2] ?? '';
    if (/\d/.test(slashes)) {
      d = Number(slashes.slice(1));
      if (!isPowerOfTwo(d)) this.fail(`${d} is not a power of 2 (note length denominators must be)`);
    } else d = 2 ** slashes.length;
    if (d > 1024) this.fail('a note shorter than abc2midi can play');
    return { at: p + m[0].length, written: frac(n, d) };
  }

  /** A note or a chord, with its decorations, accidental, octave and length. */
  private note(line: string, p: number): number {
    while (p < line.length && DECORATION_CHARS.includes(line[p])) {
      if ((line[p] === '~' || line[p] === 'T') && this.inChord) this.fail('rolls and trills are not played in chords');
      if (line[p] === 'H' && !this.inChord) this.fermata = true;
      if (line[p] === '.' && !this.inChord) this.staccato = true;
      if (!this.inChord) this.decos.add(line[p]);
      p++;
    }
    // Ornaments abc2midi plays as several notes (store.c doroll/dotrill) do not go with chords, grace notes or ties.
    const roll = this.decos.has('~') || this.decos.has('T') || this.decos.has('trill');
    if (line[p] === '[' && roll) this.fail('rolls and trills are not played in chords (abc2midi)');
    if (this.graceHost && this.decos.has('~')) this.fail('a roll right after grace notes (abc2midi: intervening note needed between grace notes)');
    if (this.tie && roll) this.fail('a tie to a rolled or trilled note (abc2midi cannot find the note to tie)');
    if (this.broken && this.decos.has('~')) this.fail('a roll on the second note of a broken rhythm (abc2midi miscounts the bar)');
    if (line[p] === '[') {
      if (this.inChord) this.fail('a chord inside a chord');
      if (this.inGrace) this.fail('a chord inside grace notes');
      this.inChord = true;
      this.chordNotes = [];
      this.chordFirst = null;
      return p + 1;
    }
    if (line[p] === 'z' || line[p] === 'x') {
      const r = this.length(line, p + 1);
      this.rest(r.written);
      return r.at;
    }
    const acc = /^(\^\^|\^|__|_|=)?(\d*\/\d+|\d+)?/.exec(line.slice(p))!;
    let accidental: number | null = null;
    if (acc[1]) accidental = acc[1] === '=' ? 0 : acc[1].startsWith('^') ? acc[1].length : -acc[1].length;
    if (acc[2] && (acc[1] !== '^' && acc[1] !== '_')) this.fail('a microtone needs ^ or _ before it');
    p += acc[0].length;
    const letter = line[p];
    if (!letter || !/[A-Ga-g]/.test(letter)) this.fail('expecting a note A–G or a–g');
    p++;
    let octave = letter === letter.toLowerCase() ? 1 : 0;
    while (line[p] === ',' || line[p] === '\'') {
      if (line[p] === ',' && octave >= 1 && letter === letter.toLowerCase()) this.fail(`bad pitch: ',' after the lower-case note ${letter}`);
      if (line[p] === '\'' && letter === letter.toUpperCase()) this.fail(`bad pitch: ''' after the upper-case note ${letter}`);
      octave += line[p] === ',' ? -1 : 1;
      p++;
    }
    const upper = letter.toUpperCase();
    const staff = octave * 7 + 'CDEFGAB'.indexOf(upper);
    const accKey = `${upper}${octave}`;
    if (accidental !== null && !this.inGrace) this.voice.accidentals.set(accKey, accidental);
    const alter = accidental ?? this.voice.accidentals.get(accKey) ?? this.voice.key.get(upper) ?? 0;
    const pitch: Pitch = { line: staff, semitone: octave * 12 + SEMITONE[upper] + alter };
    const r = this.length(line, p);
    if (this.inGrace) {
      this.graceNotes += 1;
      return r.at;
    }
    if (this.inChord) {
      this.chordNotes.push(pitch);
      if (this.chordNotes.length > 10) this.fail('too many notes in a chord');
      this.chordFirst ??= r.written;
      return r.at;
    }
    this.sounding([pitch], r.written);
    return r.at;
  }

  private chordEnd(line: string, p: number): number {
    this.inChord = false;
    if (this.chordNotes.length === 0) this.fail('an empty chord');
    const r = this.length(line, p);
    this.sounding(this.chordNotes, mul(this.chordFirst ?? [1, 1], r.written));
    return r.at;
  }

  /** A note or chord sounds for `written` units (before tuplets and broken rhythm). */
  private sounding(pitches: Pitch[], written: Frac): void {
    if (this.tie) {
      const t = this.tie;
      const same = (a: Pitch, b: Pitch) => a.semitone === b.semitone || (t.overBar && a.line === b.line);
      if (!t.pitches.every((a) => pitches.some((b) => same(a, b)))) this.fail('a tie to a different note (abc2midi: could not find note to be tied)');
      this.tie = null;
    }
    this.graceHost = false;
    this.lastPitches = pitches;
    const d = this.decos;
    this.lastOrnamented = d.has('~') || d.has('T') || d.has('.') || d.has('trill') || d.has('breath');
    this.decos = new Set();
    this.timed(this.held(written));
  }

  private rest(written: Frac): void {
    if (this.inChord) { this.chordFirst ??= written; return; }
    if (this.inGrace) this.fail('a rest inside grace notes');
    if (this.graceHost) this.fail('grace notes with no note to follow them');
    if (this.tie) this.fail('a tie followed by a rest');
    this.lastPitches = [];
    // abc2midi passes a rest's decorations on to the next note (parseabc.c decorators_passback).
    this.timed(this.held(written));
  }

  private held(written: Frac): Frac {
    if (!this.fermata) return written;
    this.fermata = false;
    return mul(written, [2, 1]);
  }

  /** A note, chord or rest takes its place in the bar. */
  private timed(written: Frac): void {
    this.notes += 1;
    const unit = this.voice.unit;

    // abc2midi compares the two notes of a broken rhythm as played: tuplet and fermata included.
    const length = mul(mul(unit, written), this.tuplet ? this.tuplet.factor : [1, 1]);
    const staccato = this.staccato;
    this.staccato = false;
    let dur = length;
    if (this.broken) {
      if (!eq(this.broken.length, length) || this.broken.staccato !== staccato) this.fail('broken rhythm between notes of unequal lengths');
      dur = mul(dur, this.broken.factor);
      this.broken = null;
    }
    const at = this.push({ kind: 'note', dur });
    this.voice.open += 1;
    this.last = { length: dur, feature: at, staccato };
    if (this.tuplet && --this.tuplet.left === 0) this.tuplet = null;
  }

  private multiRest(bars: number): void {
    if (this.tie) this.fail('a tie followed by a rest');
    const bar = this.voice.meter ?? [1, 1];
    // abc2midi plays Z as whole bars and counts them: the bar line after Z closes the last of them.
    for (let k = 0; k < bars; k++) {
      if (k > 0) {
        this.push({ kind: 'bar', bar: 'single', line: this.lineNo });
        this.bars += 1;
      }
      this.push({ kind: 'note', dur: bar });
    }
    this.notes += 1;
    this.voice.open += 1;
    this.last = null;
  }

  private tupletStart(p: number, q: number, r: number): void {
    if (this.tuplet) this.fail('a tuplet inside a tuplet');
    if (p < 2 || p > 9) this.fail('only tuplets (2 to (9 exist');
    const compound = this.voice.meter !== null && this.voice.meter[0] % 3 === 0 && this.voice.meter[0] > 3;
    const dflt: Record<number, number> = { 2: 3, 3: 2, 4: 3, 6: 2, 8: 3 };
    const inTimeOf = q || dflt[p] || (compound ? 3 : 2);
    this.tuplet = { left: r || p, factor: frac(inTimeOf, p) };
  }

  private brokenRhythm(c: string, n: number): void {
    if (this.inChord) this.fail('broken rhythm inside a chord');
    if (this.inGrace) this.fail('broken rhythm inside grace notes');
    if (!this.last) this.fail('broken rhythm with no note before it');
    // `>` dots the first note (×3/2, ×7/4, ×15/8) and shortens the second; `<` the other way round.
    const long = frac(2 ** (n + 1) - 1, 2 ** n);
    const short = frac(1, 2 ** n);
    const [first, second] = c === '>' ? [long, short] : [short, long];
    const f = this.voice.features[this.last.feature];
    if (f.kind === 'note') f.dur = mul(f.dur, first);
    this.broken = { factor: second, length: this.last.length, staccato: this.last.staccato };
    this.last = null;
  }

  private tieStart(): void {
    if (this.lastPitches.length === 0 && !this.inChord) this.fail('a tie with no note before it');
    if (this.tie) this.fail('two ties in a row');
    if (this.lastOrnamented && !this.inChord) this.fail('a tie after a rolled, trilled, staccato or breath-marked note (abc2midi cannot find the note before the tie)');
    if (!this.inChord) this.tie = { pitches: this.lastPitches, overBar: false };
  }

  private overlay(): void {
    if (this.inChord || this.inGrace || this.tuplet) this.fail('a voice overlay (&) inside a chord, grace group or tuplet');
    // The overlaid part is a voice of its own that starts with the bar: it is bar-checked like one. A
    // second '&' in the bar opens another overlay of the same voice, and the bar line returns to it.
    const own = this.overlayBack ?? this.voiceId;
    const depth = this.voiceId.length - own.length + 1;
    if (depth > MAX_OVERLAYS) this.fail(`more than ${MAX_OVERLAYS} voice overlays (&) in one bar`);
    const id = `${own}${'&'.repeat(depth)}`;
    const back = this.voices.get(own)!;
    let v = this.voices.get(id);
    if (!v) {
      v = { meter: back.meter, meterText: back.meterText, unit: back.unit, features: [], accidentals: new Map(), key: back.key, open: 0 };
      const units = meterUnits(back.meterText);
      v.features.push({ kind: 'meter', bar: back.meter, count: units?.count ?? 0, unit: units?.unit ?? 1 });
      this.voices.set(id, v);
    }
    this.voice = v;
    this.voiceId = id;
    this.overlayBack = own;
  }
  private overlayBack: string | null = null;

  private endOfTune(): void {
    this.col = 0;
    if (this.inChord) this.fail('chord not closed at the end of the tune');
    if (this.inGrace) this.fail('grace notes not closed at the end of the tune');
    if (this.broken) this.fail('broken rhythm with no second note at the end of the tune');
    if (this.graceHost) this.fail('grace notes with no note to follow them');
    if (this.tie) this.fail('a tie at the end of the tune with no note to tie to');
    if (this.notes === 0) this.fail('the tune has no notes or rests');
    for (const [id, v] of this.voices) if (v.open > 0 && !id.endsWith('&')) this.bars += 1;
  }

  result(): AbcMusic {
    const badBars: BadBar[] = [];
    let played = 0;
    let error = this.error;
    if (error === null) {
      if (this.gchords > 0) {
        for (const v of this.voices.values()) {
          const last = lastBarLength(v.features);
          if (last !== null && v.meter !== null && cmp(last, v.meter) < 0 && !gchordSafeEnd(last, v.meterText)) {
            error = 'the last bar is short, ending inside a beat of the accompaniment abc2midi plays for the chord symbols (it would sound past the end: "sustained notes beyond end of track")';
          }
        }
      }
      const withMusic = [...this.voices].filter(([, v]) => v.features.some((f) => f.kind === 'note'));
      const lead = withMusic[0]?.[0];
      for (const [id, v] of this.voices) {
        const r = playVoice(id, v.features, v.meterText, withMusic.length === 1, id === lead && id !== '1');
        if (r.error && error === null) error = `line ${this.firstLine + r.errorLine}: ${r.error}`;
        badBars.push(...r.badBars.map((b) => ({ ...b, line: this.firstLine + b.line })));
        played += r.played;
      }
    }
    return { error, badBars, bars: this.bars, playedBars: played, notes: this.notes };
  }
}

/** abc2midi's default accompaniment per meter (store.c setbeat): f bass, c chord, b both, z silence, one per step. */
const GCHORD_PATTERNS: Record<string, string> = {
  '2/2': 'fzczfzcz', '4/4': 'fzczfzcz', '2/4': 'fzcz', '6/4': 'fzczfzczfzcz', '3/8': 'fzczcz', '5/8': 'fzbcz', '5/4': 'fzbcz',
  '7/8': 'fzbczcz', '7/4': 'fzbczcz', '3/4': 'fzczcz', '6/8': 'fzcfzc', '9/8': 'fzcfzcfzc', '12/8': 'fzcfzcfzcfzc',
};

/**
 * Whether a short last bar ends where abc2midi's chord accompaniment has no note sounding: the
 * accompaniment plays one step of its pattern at a time from each bar's start (genmidi.c dogchords), and
 * a step still sounding when the music ends is an error ("sustained notes beyond end of track").
 */
export function gchordSafeEnd(last: Frac, meterText: string): boolean {
  const m = meterText.trim();
  const pattern = GCHORD_PATTERNS[m === 'C' ? '4/4' : m === 'C|' ? '2/2' : m];
  const bar = parseMeter(m);
  if (!pattern || !bar) return true;
  const steps = mul(last, [pattern.length * bar[1], bar[0]]); // the bar's length in steps
  if (steps[1] === 1) return true;
  return pattern[Math.floor(steps[0] / steps[1]) % pattern.length] === 'z';
}

/**
 * Where the music stops in its last bar, counted as abc2midi counts a bar: from the last bar line that
 * reset the count (a single bar line, or another once the bar is full: softcheckbar carries a short bar
 * across |: :| :: || |]). Null for a voice with no music.
 */
function lastBarLength(features: Feature[]): Frac | null {
  let sum: Frac = ZERO;
  let meter: Frac | null = null;
  let last: Frac | null = null;
  for (const f of features) {
    if (f.kind === 'meter') meter = f.bar;
    else if (f.kind === 'note') sum = add(sum, f.dur);
    else if (f.kind === 'bar') {
      if (f.bar === 'single' || meter === null || cmp(sum, meter) >= 0) {
        if (sum[0] > 0) last = sum;
        sum = ZERO;
      }
    }
  }
  return sum[0] > 0 ? sum : last;
}

/**
 * Missing start repeats, as store.c patches them: a :| or :: with no |: before it in its voice gets a |:
 * at the voice's start (scan_for_missing_repeats, silently); a later one gets it at the last || or :|
 * (fixreps: "Assuming repeat", only for tunes of one voice). Endings or :: with no |: before them are errors.
 */
function fixRepeats(features: Feature[], oneVoice: boolean, leadingDouble: boolean): { error: string | null; line: number } {
  const first = features.findIndex((f) => f.kind === 'bar' && f.bar !== 'single' && f.bar !== 'double');
  const f0 = features[first];
  if (f0 && f0.kind === 'bar' && (f0.bar === 'repBar' || f0.bar === 'doubleRep')) {
    // In a tune with V: voices, the first voice's music begins with abc2midi's own || after that |:.
    const start: Feature[] = [{ kind: 'bar', bar: 'barRep', line: f0.line }];
    if (leadingDouble) start.push({ kind: 'bar', bar: 'double', line: f0.line });
    features.splice(1, 0, ...start);
  }
  if (!oneVoice) return { error: null, line: 0 };
  let repPoint = 1;
  let expect = false;
  let plays = 0;
  for (let j = 0; j < features.length; j++) {
    const f = features[j];
    if (f.kind === 'bar') {
      if (f.bar === 'double') repPoint = j;
      else if (f.bar === 'barRep') {
        if (expect) return { error: 'a |: after a |: with no :| between', line: f.line };
        expect = true;
      } else if (f.bar === 'repBar') {
        if (!expect && plays < 1) {
          const g = features[repPoint];
          if (g.kind !== 'bar' || g.bar === 'barRep' || g.bar === 'doubleRep') return { error: 'too many end repeats (:|)', line: f.line };
          g.bar = g.bar === 'repBar' ? 'doubleRep' : 'barRep';
        }
        expect = false;
        repPoint = j;
      } else if (f.bar === 'doubleRep') {
        if (!expect) return { error: 'a :: before any |:', line: f.line };
        expect = true;
      }
    } else if (f.kind === 'ending') {
      if (plays === 0 && !expect) return { error: 'an ending ([1) before any |:', line: f.line };
      plays++;
    }
  }
  return { error: null, line: 0 };
}

/**
 * Plays one voice's features as genmidi.c does, pass by pass through the repeats, and checks each bar
 * as checkbar()/softcheckbar() do: a bar must hold the meter's length unless it is the pickup (bar 0 on
 * the first pass) or ends at || |] |: :| :: short of the meter (a repeat may fall mid-bar).
 */
function playVoice(voice: string, features: Feature[], meterText: string, oneVoice: boolean, leadingDouble: boolean): { error: string | null; errorLine: number; badBars: BadBar[]; played: number } {
  const fixed = fixRepeats(features, oneVoice, leadingDouble);
  const badBars: BadBar[] = [];
  if (fixed.error) return { error: fixed.error, errorLine: fixed.line, badBars, played: 0 };
  let meter: Frac | null = null;
  let units = meterUnits(meterText) ?? { count: 4, unit: 4 };
  let barNum: Frac = ZERO;
  let barNo = 0;
  let pass = 1;
  let maxPass = 2;
  let expectRepeat = false;
  let inVarEnd = false;
  let saved = { j: 0, barNo: 0 };
  let played = 0;
  let line = 0;
  const hasUnits = (): string => {
    const inUnits = mul(barNum, [units.unit, 1]);
    return show(inUnits);
  };
  // An overlaid part (&) is checked at every bar line, short bars included (abc2midi syncs it with single bars).
  const overlaid = voice.endsWith('&');
  const checkBar = () => {
    if (meter !== null && cmp(barNum, meter) !== 0 && barNum[0] !== 0 && (pass === 2 || barNo !== 0)) {
      badBars.push({ voice, bar: barNo, line, has: hasUnits(), needs: units.count, inRepeat: pass === 2 });
    }
    if (barNum[0] > 0) {
      played += 1;
      barNo += 1;
    }
    barNum = ZERO;
  };
  const softCheckBar = () => {
    if (meter === null || cmp(barNum, meter) >= 0 || barNo <= 0 || overlaid) checkBar();
  };
  let error: string | null = null;
  let errorLine = 0;
  const err = (m: string) => { if (error === null) { error = m; errorLine = line; } };
  for (let j = 0; j < features.length; j++) {
    const f = features[j];
    if ('line' in f) line = f.line;
    switch (f.kind) {
      case 'meter':
        meter = f.bar;
        units = { count: f.count, unit: f.unit };
        break;
      case 'note':
        barNum = add(barNum, f.dur);
        break;
      case 'bar':
        switch (f.bar) {
          case 'single':
            checkBar();
            break;
          case 'double':
            inVarEnd = false;
            softCheckBar();
            break;
          case 'barRep':
            inVarEnd = false;
            softCheckBar();
            if (pass === 1 && expectRepeat) err('expected end repeat not found at |:');
            saved = { j, barNo };
            expectRepeat = true;
            pass = 1;
            maxPass = 2;
            break;
          case 'repBar':
            inVarEnd = false;
            softCheckBar();
            if (pass === 1) {
              if (!expectRepeat) err('found unexpected :|');
              else {
                pass++;
                j = saved.j;
                barNo = saved.barNo;
                expectRepeat = false;
              }
            } else if (pass < maxPass) {
              expectRepeat = false;
              pass++;
              j = saved.j;
              barNo = saved.barNo;
            }
            break;
          case 'doubleRep':
            inVarEnd = false;
            softCheckBar();
            if (pass > 1) {
              expectRepeat = true;
              saved = { j, barNo };
              pass = 1;
              maxPass = 2;
            } else if (!expectRepeat) {
              err('found unexpected ::');
              expectRepeat = true;
              saved = { j, barNo };
              pass = 1;
            } else {
              j = saved.j;
              barNo = saved.barNo;
              pass++;
            }
            break;
        }
        break;
      case 'ending': {
        if (inVarEnd) err('an ending starts before the previous ending was closed with || |: :| or ::');
        let passNum = expectRepeat || pass > 1 ? pass : -1;
        if (passNum === -1) {
          err('endings ([1 [2) that do not follow |: or ::');
          passNum = 1;
        }
        if (!f.list.includes(passNum)) {
          // Skip to the end of this ending, as genmidi.c does (the closing mark itself is skipped too).
          j++;
          while (j < features.length) {
            const g = features[j];
            if (g.kind === 'ending') break;
            if (g.kind === 'bar' && g.bar !== 'single' && g.bar !== 'doubleRep') break;
            j++;
          }
          barNo += 1;
          if (j >= features.length) err('an ending with no :| || or |] to close it');
        } else {
          inVarEnd = true;
          if (maxPass < 4) maxPass = pass + 1;
        }
        break;
      }
    }
    if (error !== null) break;
  }
  if (error === null && expectRepeat && pass === 1) err('missing :| at the end of the tune');
  return { error, errorLine, badBars, played };
}
