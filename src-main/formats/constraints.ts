// Format-aware sampling (docs/music.md): small byte grammars that the sampler consults before each draw,
// so a generated file keeps the parts of its format a small model gets wrong most (docs/quality.md: broken
// ABC header fields, text that is not UTF-8). A constraint only removes candidates; the model's own
// probabilities decide among the rest. On by default for .abc and .txt (`--no-constrain` turns it off).
//   UTF-8: RFC 3629 §4 (well-formed byte sequences); ABC header: ABC standard 2.1 §3 (information
//   fields), restricted to the field values abc2midi accepts (docs/quality.md).

/** A grammar over bytes 0..255 plus the end value 256, advanced one byte at a time. */
export interface ByteConstraint {
  /** May `b` come next? */
  allows(b: number): boolean;
  /** Records the byte that came (sampled, forced or from a prompt). */
  push(b: number): void;
  /**
   * Called when the grammar allows no byte at all (a state it cannot leave): drops its format-specific
   * rules and keeps only what always holds (well-formed UTF-8). Returns whether anything was relaxed.
   */
  relax?(): boolean;
  /**
   * Called once sampling is over with the whole file: fixes what a grammar can only know at the end (a
   * MIDI track's length field, written before its events) and counts each fix as a repair.
   */
  finish?(bytes: Uint8Array): { bytes: Uint8Array; repairs: number };
}

/** What a grammar may know about the file it shapes. */
export interface ConstraintOptions {
  /** The most bytes the file may have (the window, less a place for the end mark): a grammar plans its ending from it. */
  budget?: number;
}

import { MidiConstraint } from './constraints-midi';

const END = 256;

/** Well-formed UTF-8 text without control characters other than tab and newline. */
export class Utf8Constraint implements ByteConstraint {
  /** Continuation bytes still expected, and the allowed range of the next one. */
  private need = 0;
  private lo = 0x80;
  private hi = 0xbf;

  allows(b: number): boolean {
    if (this.need > 0) return b >= this.lo && b <= this.hi;
    if (b === END) return true;
    if (b < 0x20) return b === 0x0a || b === 0x09;
    if (b < 0x7f) return true;
    return b >= 0xc2 && b <= 0xf4;
  }

  push(b: number): void {
    if (this.need > 0) {
      this.need -= 1;
      this.lo = 0x80;
      this.hi = 0xbf;
      return;
    }
    if (b >= 0xc2 && b <= 0xdf) this.need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      this.need = 2;
      // E0 needs A0..BF (no overlong forms), ED needs 80..9F (no surrogates).
      if (b === 0xe0) this.lo = 0xa0;
      if (b === 0xed) this.hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.need = 3;
      if (b === 0xf0) this.lo = 0x90;
      if (b === 0xf4) this.hi = 0x8f;
    }
  }
}

/** Free-text header fields a generated tune may carry (title, composer, rhythm, book, notes, source…). */
const TEXT_FIELDS = 'TCRBNZSOADHG';
/** Meters abc2midi reads (ABC 2.1 §3.1.6), common time included. */
export const ABC_METERS = ['C', 'C|', '2/2', '3/2', '2/4', '3/4', '4/4', '5/4', '6/4', '3/8', '5/8', '6/8', '7/8', '9/8', '12/8'];
/** Unit note lengths (§3.1.7). */
export const ABC_UNIT_LENGTHS = ['1/4', '1/8', '1/16'];
const TONICS = ['C', 'C#', 'Cb', 'D', 'Db', 'E', 'Eb', 'F', 'F#', 'G', 'Gb', 'A', 'Ab', 'B', 'Bb'];
const MODES = ['', 'm', 'min', 'maj', 'ion', 'dor', 'phr', 'lyd', 'mix', 'aeo', 'loc'];
/** Keys (§3.1.14): a tonic and an optional mode, as abc2abc writes them. */
export const ABC_KEYS = TONICS.flatMap((t) => MODES.map((m) => t + m));
/** Longest free-text field value: a runaway title is cut by a newline. */
const MAX_TEXT_VALUE = 100;
const MAX_REFERENCE_DIGITS = 3;

const CLOSED: Record<string, string[]> = { M: ABC_METERS, L: ABC_UNIT_LENGTHS, K: ABC_KEYS };
/** Tempo (§3.1.8) as abc2midi reads it: a note length and beats per minute, `1/4=120`. */
const TEMPO = /^[1-9]\/[1-9][0-9]?=[1-9][0-9]{0,2}$/;
const TEMPO_PREFIX = /^([1-9](\/([1-9][0-9]?(=([1-9][0-9]{0,2})?)?)?)?)?$/;

/** Can `value` still grow into a complete value of `field`? Is it one already? */
function fieldValue(field: string, value: string): { prefix: boolean; complete: boolean } {
  const closed = CLOSED[field];
  if (closed) return { prefix: closed.some((v) => v.startsWith(value)), complete: closed.includes(value) };
  if (field === 'Q') return { prefix: TEMPO_PREFIX.test(value), complete: TEMPO.test(value) };
  if (field === 'V') return { prefix: /^[A-Za-z0-9]{0,8}$/.test(value), complete: /^[A-Za-z0-9]{1,8}$/.test(value) };
  if (field === 'X') return { prefix: /^\d{0,3}$/.test(value), complete: /^\d{1,3}$/.test(value) };
  const printable = [...value].every((c) => c.charCodeAt(0) >= 0x20 && c !== '\x7f' && c !== '%');
  return { prefix: printable && value.length <= MAX_TEXT_VALUE, complete: printable && value.trim().length > 0 };
}

type HeaderState =
  | { at: 'line-start' }
  | { at: 'colon'; field: string }
  | { at: 'value'; field: string; value: string }
  | { at: 'body' };

/**
 * The header of one ABC tune: `X:<number>` first, then information fields, each `<letter>:<value>`
 * on its own line, the closed ones (meter, unit length, key) from the lists above, until the K: line
 * ends the header. The body after it is left to the model (UTF-8 still applies).
 */
export class AbcHeaderConstraint implements ByteConstraint {
  private state: HeaderState = { at: 'line-start' };
  private lines = 0;

  /** True once the K: line is complete. */
  get inBody(): boolean {
    return this.state.at === 'body';
  }

  private next(s: HeaderState, b: number): HeaderState | null {
    const ch = b === END ? '' : String.fromCharCode(b);
    switch (s.at) {
      case 'body':
        return s;
      case 'line-start': {
        if (b === END) return null;
        const allowed = this.lines === 0 ? 'X' : TEXT_FIELDS + 'MLQ' + 'K';
        return allowed.includes(ch) ? { at: 'colon', field: ch } : null;
      }
      case 'colon':
        return ch === ':' ? { at: 'value', field: s.field, value: '' } : null;
      case 'value': {
        if (b === END) return null;
        if (ch === '\n') {
          if (!fieldValue(s.field, s.value).complete) return null;
          return s.field === 'K' ? { at: 'body' } : { at: 'line-start' };
        }
        const value = s.value + ch;
        return fieldValue(s.field, value).prefix ? { ...s, value } : null;
      }
    }
  }

  allows(b: number): boolean {
    return this.next(this.state, b) !== null;
  }

  push(b: number): void {
    const n = this.next(this.state, b);
    if (n === null) {
      // A byte the grammar refuses (a prompt that is not a header): stop constraining the header.
      this.state = { at: 'body' };
      return;
    }
    if (this.state.at === 'value' && n.at !== 'value') this.lines += 1;
    this.state = n;
  }
}

/** Note letters, rests and the characters a chord symbol's name may use ("Am7", "D/F#", "Gdim"). */
const NOTES = 'ABCDEFGabcdefg';
const RESTS = 'zZx';
const CHORD_NAME = /^[A-G][#b]?(m|dim|aug|sus)?(6|7|9)?(\/[A-G][#b]?)?$/;
const CHORD_PREFIXES = (() => {
  // Every prefix a chord symbol can have, checked by extending with its possible characters.
  const chars = 'ABCDEFG#bmdiaugs679/';
  return (value: string) => [...chars].some((c) => CHORD_NAME.test(value + c)) || CHORD_NAME.test(value);
})();
/** Longest music line: the books' longest is under 200 characters; a runaway line is cut by a newline. */
const MAX_MUSIC_LINE = 200;

/**
 * The body of a single-voice ABC tune after its K: line: music lines and a few field lines (no comments, no blank line, which would end the tune), each built from notes with their
 * accidentals, octave marks and lengths, rests, voice and field changes (V: M: L: K: P: Q: w:), bar lines, repeats, ties, slurs, tuplets, broken
 * rhythm, grace notes, chords and chord symbols; the file may end only after a newline. This is the
 * subset of ABC 2.1 §4 that abc2midi and the studio's checker (formats/abc.ts) both accept; it rules
 * out the stray letters and dangling accidentals or octave marks that make most samples invalid.
 */
export class AbcBodyConstraint implements ByteConstraint {
  private line = '';
  private quote: string | null = null;
  private deco: string | null = null;
  private inChord = false;
  private inGrace = false;
  private lines = 0;
  /** A broken-rhythm pair's second note is being written: it may not take a length. */
  private bareNote = false;
  /** Notes and rests written so far (a tune needs one), and notes in the open chord. */
  private notes = 0;
  private chordNotes = 0;
  private brokenPending = false;

  allows(b: number): boolean {
    const line = this.line;
    const prev = line.length > 0 ? line[line.length - 1] : '';
    if (b === END) return line === '' && this.notes > 0;
    const ch = String.fromCharCode(b);
    // A field line inside the body (a change of meter, length, key, tempo or part; lyrics).
    const field = /^([MLKVw]):(.*)$/.exec(line);
    if (field) {
      if (ch === '\n') return field[1] === 'w' || field[1] === 'P' ? field[2].length > 0 : fieldValue(field[1], field[2]).complete;
      return field[1] === 'w' ? b >= 0x20 && ch !== '%' && line.length < MAX_TEXT_VALUE : fieldValue(field[1], field[2] + ch).prefix;
    }
    if (line.length === 1 && 'MLKVw'.includes(line)) return ch === ':';
    if (line === '' && 'MLKVw'.includes(ch)) return true;
    if (prev === '\\') return ch === '\n';
    if (this.deco !== null) return ch === '!' ? this.deco.length > 0 : /[a-zA-Z0-9]/.test(ch) && this.deco.length < 12;
    if (this.quote !== null) {
      if (ch === '"') return CHORD_NAME.test(this.quote);
      return CHORD_PREFIXES(this.quote + ch) && this.quote.length < 12;
    }
    // An accidental must be followed by a note (or a second accidental of its kind).
    if (prev === '^' || prev === '_') return NOTES.includes(ch) || (ch === prev && line[line.length - 2] !== prev);
    if (prev === '=') return NOTES.includes(ch);
    if (ch === '\n') return line.trim().length > 0 && !this.inChord && !this.inGrace;
    if (ch === '\\') return !this.inChord && !this.inGrace && line.trim().length > 0;
    if (ch === '!') return !this.inChord && !this.inGrace;
    if (ch === '{') return !this.inChord && !this.inGrace;
    if (ch === '}') return this.inGrace && (NOTES.includes(prev) || /[0-9,'\/]/.test(prev));
    if (line.length >= MAX_MUSIC_LINE) return false;
    if (NOTES.includes(ch)) return !this.inChord || this.chordNotes < 4;
    if (RESTS.includes(ch)) return !this.inChord;
    if (' |:'.includes(ch)) return !this.inChord || ch === '|' && prev === '[';
    if (ch === ',' || ch === "'") return NOTES.includes(prev) || prev === ch;
    // Lengths: a numerator of at most two digits; after '/', a power of two (abc2midi refuses others);
    // a note after broken rhythm ('>' '<') takes no length of its own (both notes must be equal).
    const den = /\/([0-9]*)$/.exec(line);
    if (/[0-9]/.test(ch)) {
      if (den) return ['2', '4', '8', '16'].some((d) => d.startsWith(den[1] + ch));
      if (this.bareNote) return false;
      if (/[0-9]{2}$/.test(line)) return false;
      return NOTES.includes(prev) || RESTS.includes(prev) || /[0-9,'\]|:(\[]/.test(prev);
    }
    if (ch === '/') return !this.bareNote && !den && (NOTES.includes(prev) || RESTS.includes(prev) || /[0-9,']/.test(prev));
    if ('^_='.includes(ch)) return true;
    if (ch === '[') return !this.inChord;
    if (ch === ']') return this.inChord ? !'[^_='.includes(prev) : prev === '|';
    if (ch === '"') return !this.inChord && !this.inGrace;
    if (ch === '(') return !this.inChord && !this.inGrace;
    if (ch === ')') return NOTES.includes(prev) || RESTS.includes(prev) || /[0-9,'\/\])]/.test(prev);
    if (ch === '-') return NOTES.includes(prev) || /[0-9,'\/\]]/.test(prev);
    if (ch === '<' || ch === '>') return !this.inChord && !this.inGrace && (NOTES.includes(prev) || prev === ',' || prev === "'") && !/[0-9\/][A-Ga-g][,']*$/.test(line) && !this.bareNote;
    if (ch === '~' || ch === '.' || ch === 'T' || ch === 'H') return !this.inChord && !this.inGrace;
    return false;
  }

  push(b: number): void {
    if (b === END) return;
    const ch = String.fromCharCode(b);
    if (this.deco !== null) {
      this.deco = ch === '!' ? null : this.deco + ch;
    } else if (/^[MLKVw]:/.test(this.line) || (this.line === '' && 'MLKVw'.includes(ch))) {
      // a field line: no music state changes
    } else if (this.quote !== null) {
      this.quote = ch === '"' ? null : this.quote + ch;
    } else if (ch === '!') {
      this.deco = '';
    } else if (ch === '{') {
      this.inGrace = true;
    } else if (ch === '}') {
      this.inGrace = false;
    } else if (ch === '"') {
      this.quote = '';
    } else if (ch === '[' && !this.inChord) {
      this.inChord = true;
    } else if (ch === ']' && this.inChord) {
      this.inChord = false;
    } else if (ch === '|' && this.inChord && this.line.endsWith('[')) {
      this.inChord = false; // '[|' is a bar line, not a chord
    }
    if (/[0-9]/.test(ch) && this.line.endsWith('[')) this.inChord = false; // '[1' is a repeat ending
    if ((NOTES.includes(ch) || RESTS.includes(ch)) && this.quote === null && this.deco === null && !/^[MLKVw]:/.test(this.line)) {
      this.notes += 1;
      if (this.inChord) this.chordNotes += 1;
    }
    if (ch === '[') this.chordNotes = 0;
    if (ch === '<' || ch === '>') this.brokenPending = true;
    else if (this.brokenPending && NOTES.includes(ch)) { this.brokenPending = false; this.bareNote = true; }
    else if (this.bareNote && !(ch === ',' || ch === "'")) this.bareNote = false;
    if (ch === '\n') {
      this.line = '';
      this.lines += 1;
      this.inChord = false;
      this.inGrace = false;
    } else {
      this.line += ch;
    }
  }
}

/** An ABC header constraint followed by the body constraint once the K: line is done. */
export class AbcTuneConstraint implements ByteConstraint {
  private readonly header = new AbcHeaderConstraint();
  private readonly body = new AbcBodyConstraint();
  private free = false;

  allows(b: number): boolean {
    if (this.free) return true;
    return this.header.inBody ? this.body.allows(b) : this.header.allows(b);
  }

  push(b: number): void {
    if (this.free) return;
    if (!this.header.inBody) {
      if (!this.header.allows(b)) this.free = true; // a prompt outside the grammar: leave it to the model
      this.header.push(b);
      return;
    }
    if (!this.body.allows(b)) this.free = true;
    this.body.push(b);
  }

  relax(): boolean {
    if (this.free) return false;
    this.free = true;
    return true;
  }
}

/** Several constraints at once: a byte must satisfy all. */
export class AllOf implements ByteConstraint {
  constructor(private readonly parts: ByteConstraint[]) {}
  allows(b: number): boolean {
    return this.parts.every((p) => p.allows(b));
  }
  push(b: number): void {
    for (const p of this.parts) p.push(b);
  }
  relax(): boolean {
    let relaxed = false;
    for (const p of this.parts) if (p.relax?.()) relaxed = true;
    return relaxed;
  }
}

/** The default constraint for a file extension, or null where none applies (other binary formats). */
export function constraintFor(ext: string, opts: ConstraintOptions = {}): ByteConstraint | null {
  switch (ext.toLowerCase()) {
    case 'mid':
    case 'midi':
      return new MidiConstraint(opts);
    case 'abc':
      return new AllOf([new Utf8Constraint(), new AbcTuneConstraint()]);
    case 'txt':
      return new Utf8Constraint();
    default:
      return null;
  }
}
