// Format-aware sampling for ABC (docs/music.md): the byte grammar of one single-voice tune that abc2midi
// converts without an error and with every bar matching its meter, and that abcjs parses without a
// warning — by construction, so the studio's verdict (abc.ts, abc-music.ts) calls every tune it lets
// through valid. It tracks note lengths against M: and L: (tuplets, broken rhythm, chords, grace notes,
// rests, ties), closes repeats and endings, makes a tie lead to its note, and plans the ending from the
// bytes left in the window: a byte is allowed only if the shortest proper end after it (bars filled,
// repeats closed, the final bar line, a newline) still fits. The model's probabilities choose among
// what is left (the sampler masks and renormalises).
//   What it writes follows the built-in tunes (datasets/abc-tunes, measured 2026-12-06 after the set
//   kept only tunes whose bars add up): their note lengths, octave range, decorations, bar and repeat
//   marks; no key, meter or voice changes (only notation demos in the set change them), no lyrics.
//   ABC standard 2.1 §3 (header fields), §4 (the body); abc2midi's parseabc.c/genmidi.c for what it refuses.
import type { ByteConstraint } from './constraints';
import { add, cmp, defaultUnit, eq, gchordSafeEnd, mul, parseMeter, parseUnit, sub, ZERO, type Frac } from './abc-music';

const END = 256;

/** Meters abc2midi reads (ABC 2.1 §3.1.6), common time included. */
export const ABC_METERS = ['C', 'C|', '2/2', '3/2', '2/4', '3/4', '4/4', '5/4', '6/4', '3/8', '5/8', '6/8', '7/8', '9/8', '12/8'];
/** Unit note lengths (§3.1.7). */
export const ABC_UNIT_LENGTHS = ['1/4', '1/8', '1/16'];
const TONICS = ['C', 'C#', 'Cb', 'D', 'Db', 'E', 'Eb', 'F', 'F#', 'G', 'Gb', 'A', 'Ab', 'B', 'Bb'];
const MODES = ['', 'm', 'min', 'maj', 'ion', 'dor', 'phr', 'lyd', 'mix', 'aeo', 'loc'];
/** Keys (§3.1.14): a tonic and an optional mode, as abc2abc writes them. */
export const ABC_KEYS = TONICS.flatMap((t) => MODES.map((m) => t + m));

/** Free-text header fields a generated tune may carry (title, composer, rhythm, book, notes, source…). */
const TEXT_FIELDS = 'TCRBNZSOADHG';
/** How often one text field may come (the tunes have up to two T: and several N: lines). */
const MAX_FIELD_REPEATS = 3;
/** Longest free-text field value: a runaway title is cut by a newline. */
const MAX_TEXT_VALUE = 100;
/** Tempo (§3.1.8) as abc2midi reads it: a note length and beats per minute, `1/4=120`. */
const TEMPO = /^[1-9]\/(2|4|8|16)=[1-9][0-9]{0,2}$/;
const TEMPO_PREFIX = /^([1-9](\/(1|(2|4|8|16)(=([1-9][0-9]{0,2})?)?)?)?)?$/;
/** Bytes a tempo prefix still needs to be complete (`1/4=9` is the shortest). */
function tempoCompletion(v: string): number {
  if (TEMPO.test(v)) return 0;
  if (/=$/.test(v)) return 1;
  if (/^\d\/(2|4|8|16)$/.test(v)) return 2;
  if (/^\d\/1?$/.test(v)) return 3;
  if (/^\d$/.test(v)) return 4;
  return 5;
}

/**
 * Note lengths, as multiples of L: (§4.3), and how they are written: the lengths the built-in tunes use
 * ('', 2, /2, 3, 4, 3/2, 6, 8 are every written length but a handful of 1s).
 */
const LENGTHS: readonly { text: string; value: Frac }[] = [
  { text: '', value: [1, 1] }, { text: '2', value: [2, 1] }, { text: '3', value: [3, 1] }, { text: '4', value: [4, 1] },
  { text: '6', value: [6, 1] }, { text: '8', value: [8, 1] }, { text: '/2', value: [1, 2] }, { text: '3/2', value: [3, 2] },
];
const LENGTH_PREFIXES = new Set(LENGTHS.flatMap((l) => [...l.text].map((_, i) => l.text.slice(0, i + 1))));
/**
 * Octave marks: at most two commas on an upper-case note (C,, is two octaves below middle C) and one
 * apostrophe on a lower-case one (c' an octave above c): the built-in tunes' range in every key (2,153
 * single and 1,056 double commas, 5 triples; 499 single apostrophes, no double). abc2midi refuses a
 * comma after a lower-case note and an apostrophe after an upper-case one.
 */
const MAX_COMMAS = 2;
const MAX_APOSTROPHES = 1;
/**
 * Lengths broken rhythm may dot (`A>B`: ×3/2 and ×1/2): abcjs cannot draw the others (3 → 9/2 units,
 * 3/2 → 9/4, 6 → 9 are no single note value).
 */
const BROKEN_LENGTHS = ['', '2', '4', '/2'];
/** Every complete tune has at least this many full bars: a tune, not a fragment (the quality target, docs/quality.md). */
export const MIN_BARS = 8;
/** The one voice line a body may start with. */
const VOICE_LINE = 'V:1\n';
/** Notes in a chord `[CEG]` (the tunes' chords have 2 to 4). */
const MAX_CHORD_NOTES = 4;
const MAX_GRACE_NOTES = 4;
/** One-letter decorations (§4.14) that abc2midi plays without a warning and abcjs draws: roll, trill, bowings, staccato. */
const DECORATION_LETTERS = '~Tuv.';
/** `!…!` decorations (§4.14) abc2midi plays without a warning (not !fermata!: abc2midi doubles the note, breaking the bar). */
const BANG_DECORATIONS = ['p', 'pp', 'mp', 'mf', 'f', 'ff', 'trill', 'accent', 'breath'];
/** Chord symbols (§4.18) of chord types abc2midi knows (abc-music.ts), with an optional bass note. */
const CHORD_TYPES = ['', 'm', '7', 'm7', 'dim', 'maj7', '6', 'm6', '9', 'sus4', 'aug'];
const CHORD_ROOTS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].flatMap((r) => [r, `${r}#`, `${r}b`]);
const CHORD_NAMES = new Set(CHORD_ROOTS.flatMap((r) => CHORD_TYPES.flatMap((t) => [r + t, ...CHORD_ROOTS.map((b) => `${r}${t}/${b}`)])));
const prefixesOf = (words: Iterable<string>) => new Set([...words].flatMap((w) => [...w].map((_, i) => w.slice(0, i + 1))).concat(''));
const CHORD_PREFIXES = prefixesOf(CHORD_NAMES);
const BANG_PREFIXES = prefixesOf(BANG_DECORATIONS);
const NOTE_LETTERS = 'ABCDEFGabcdefg';

// ---------------------------------------------------------------------------------------------------
// The body: one music line after another; items (a note, chord or rest with what may precede it),
// bar lines, repeats.

type RepeatState = 'none' | 'open' | 'ending1' | 'ending2';
type Phase =
  | 'lineStart' // after a newline (or the K: line)
  | 'afterBar' // right after a complete bar line: newline, continuation, space or music
  | 'boundary' // between items
  | 'lparen' // after '(' at an item's start: a slur or a tuplet
  | 'prefix' // inside an item, before its core (after a chord symbol, grace group or decoration)
  | 'gchord' // inside "…"
  | 'bang' // inside !…!
  | 'grace' // inside {…}
  | 'core' // a note or rest, growing (accidental, letter, octave marks, length)
  | 'chord' // inside […]
  | 'chordLen' // after ']', the chord's length growing
  | 'bar' // a bar line growing (| can become || |] |: |1; : becomes :| or ::; :| can become :|2)
  | 'cont' // after '\': a newline must follow
  | 'voice' // the body's first line declares its one voice: `V:1`
  | 'done'; // after a short final bar: a newline and the end

interface Core {
  kind: 'note' | 'rest' | 'chord';
  acc: string;
  letter: string;
  oct: string;
  len: string;
}

/** The body grammar's whole state (copied for each candidate byte). */
class BodyState {
  phase: Phase = 'lineStart';
  /** Length written in the current bar, whole notes. */
  pos: Frac = ZERO;
  /** Full bars so far; a pickup has been written. */
  bars = 0;
  pickup = false;
  /** Something has been written in the body (a leading |: is allowed only before). */
  started = false;
  repeat: RepeatState = 'none';
  /** Full bars since the repeat (or the ending) opened. */
  repeatBars = 0;
  /** The bar offset the open repeat began at (its :| comes at the same offset), and whether it opened the tune. */
  repeatOffset: Frac = ZERO;
  repeatAtStart = false;
  /** The last bar line written, and whether it may end the tune. */
  lastBar = '';
  /** Text of the current token (gchord, bang, bar line). */
  text = '';
  core: Core | null = null;
  /** Chord notes written, and the chord note growing. */
  chordNotes = 0;
  chordNote: { acc: string; letter: string; oct: string } | null = null;
  graceNotes = 0;
  // What the current item has (each at most once, in this order: gchord, grace, !deco!, letter deco).
  itemGchord = false;
  itemGrace = false;
  itemBang = false;
  itemDeco = false;
  /** The item opened a slur; its decoration is a staccato dot; it has an ornament abc2midi plays as notes (~ T !trill!). */
  itemSlur = false;
  itemStaccato = false;
  itemRoll = false;
  /** The item has a decoration after which abc2midi finds no note to tie (~ T . !trill! !breath!). */
  itemUntieable = false;
  /** The last core may not take a tie (its item was ornamented). */
  lastUntieable = false;
  /** Chord symbols have been written (a short last bar would leave abc2midi's accompaniment sounding). */
  gchords = false;
  /** A slur is open (one level), and how many cores it holds. */
  slur = false;
  slurCores = 0;
  /** A tuplet (3 is open: cores left, and the length they all take once the first is written. */
  tupletLeft = 0;
  tupletLen: string | null = null;
  /** Broken rhythm waits for its second note, of this length. */
  broken: string | null = null;
  /** The last core was the second note of a broken pair, or in a tuplet (no '>' after it). */
  afterBroken = false;
  lastInTuplet = false;
  /** A tie waits for this note (accidental, letter, octave marks), written again. */
  tie: string | null = null;
  /** The last thing written was a core (a tie, '>' or ')' may follow), and what it was. */
  lastCore: Core | null = null;
  /** Line has something written; the last byte was a space; the last line ended right after a bar line. */
  lineUsed = false;
  space = false;
  brokeAfterBar = false;
  /** A space follows the item's chord symbol (`"G" A`). */
  prefixSpace = false;
  /** The bar line being written opens its line. */
  lineStartBar = false;
  /** The body's `V:1` line has been written. */
  voiceLine = false;

  clone(): BodyState {
    const c = Object.assign(new BodyState(), this);
    if (this.core) c.core = { ...this.core };
    if (this.chordNote) c.chordNote = { ...this.chordNote };
    return c;
  }
}

/** The tune's meter and unit length, and the tables the planner needs. */
class Metrics {
  readonly bar: Frac;
  readonly unit: Frac;
  /** fill[k]: fewest bytes of rests filling k half-units (k × unit/2); Infinity when impossible. */
  private readonly fill: number[];
  readonly fullBar: number;

  constructor(bar: Frac, unit: Frac, readonly meterText: string) {
    this.bar = bar;
    this.unit = unit;
    const halves = this.halves(bar);
    this.fill = [0];
    for (let k = 1; k <= halves; k++) {
      let best = Infinity;
      for (const l of LENGTHS) {
        const h = l.value[0] * 2 / l.value[1];
        if (h <= k) best = Math.min(best, 1 + l.text.length + this.fill[k - h]);
      }
      this.fill.push(best);
    }
    this.fullBar = this.fill[halves];
  }

  /** A length as a count of half-units (exact for every length the grammar writes). */
  halves(f: Frac): number {
    const x = mul(f, [2 * this.unit[1], this.unit[0]]);
    return x[1] === 1 ? x[0] : NaN;
  }

  /** Fewest bytes that fill `r` (whole notes) with rests; Infinity if `r` is not a whole number of half-units. */
  fillCost(r: Frac): number {
    const h = this.halves(r);
    return Number.isInteger(h) && h >= 0 && h < this.fill.length ? this.fill[h] : Infinity;
  }

  dur(len: string): Frac {
    return mul(this.unit, LENGTHS.find((l) => l.text === len)!.value);
  }
}

/** Bar lines a tune may end with (abc2midi plays a full last bar the same after any of them). */
const FINAL_BARS = new Set(['|]', ':|', '||', '|']);

/**
 * The note being written inside a grace group or a chord, one byte longer: its letter after an accidental
 * (a doubled ^ or _ too), then octave marks. true/false when `ch` is that note's (allowed or not), null when the
 * byte is not the note's and the group's own rule decides (a closing bracket, the next note).
 */
function growNote(n: { acc: string; letter: string; oct: string } | null, ch: string): boolean | null {
  if (n && n.letter === '') {
    if (NOTE_LETTERS.includes(ch)) { n.letter = ch; return true; }
    if ((ch === '^' || ch === '_') && n.acc === ch) { n.acc += ch; return true; }
    return false;
  }
  if (n) {
    const upper = n.letter === n.letter.toUpperCase();
    if (ch === ',' && upper && n.oct.length < MAX_COMMAS) { n.oct += ch; return true; }
    if (ch === "'" && !upper && n.oct.length < MAX_APOSTROPHES) { n.oct += ch; return true; }
  }
  return null;
}

/**
 * The body of one tune after its K: line, for a given meter and unit length. `push` returns false for a
 * byte the grammar refuses (the state is then unusable: callers push into a copy).
 */
class AbcBody {
  constructor(readonly m: Metrics) {}

  /** May the tune end here (the end value 256)? */
  canEnd(s: BodyState): boolean {
    return s.phase === 'lineStart' && s.lineUsed === false && s.brokeAfterBar && this.mayEndAfterBar(s) || s.phase === 'done' && s.lineUsed === false;
  }

  /** Right after a bar line: may the tune end (a newline, then the end)? */
  private mayEndAfterBar(s: BodyState): boolean {
    const closed = s.repeat === 'none' || s.repeat === 'ending2' && s.repeatBars > 0;
    // After a :| inside a bar the music stops short: abc2midi's chord accompaniment must not be sounding.
    const stop = s.pos[0] === 0 || !s.gchords || gchordSafeEnd(s.pos, this.m.meterText);
    return FINAL_BARS.has(s.lastBar) && closed && stop && s.bars >= MIN_BARS && s.tie === null && !s.slur;
  }

  // --- the items ------------------------------------------------------------------------------------

  /** The room left in the bar for the current core (tuplet and broken rhythm reserve theirs). */
  private room(s: BodyState): Frac {
    return sub(this.m.bar, s.pos);
  }

  private newItem(s: BodyState): void {
    s.itemGchord = s.itemGrace = s.itemBang = s.itemDeco = s.itemSlur = s.itemStaccato = s.itemRoll = s.itemUntieable = s.prefixSpace = false;
  }

  /** Closes the current core (it stands complete): false if its length is not allowed or does not fit. */
  private closeCore(s: BodyState): boolean {
    const c = s.core!;
    if (!LENGTHS.some((l) => l.text === c.len)) return false;
    if (c.kind === 'note' && c.letter === '') return false;
    if (c.kind === 'chord' && s.chordNotes < 2) return false;
    const text = c.acc + c.letter + c.oct;
    if (s.tie !== null && (c.kind !== 'note' || text !== s.tie)) return false;
    let dur = this.m.dur(c.len);
    s.lastInTuplet = s.tupletLeft > 0;
    if (s.tupletLeft > 0) {
      if (s.tupletLen !== null && s.tupletLen !== c.len) return false;
      if (s.tupletLen === null) {
        // The whole tuplet (three notes in the time of two) must fit the bar.
        if (cmp(add(s.pos, mul(dur, [2, 1])), this.m.bar) > 0) return false;
        s.tupletLen = c.len;
      }
      dur = mul(dur, [2, 3]);
      s.tupletLeft -= 1;
    } else if (s.broken !== null) {
      if (c.kind !== 'note' || c.len !== s.broken) return false;
      dur = mul(dur, [1, 2]);
      s.broken = null;
      s.afterBroken = true;
    } else {
      if (cmp(add(s.pos, dur), this.m.bar) > 0) return false;
      s.afterBroken = false;
    }
    s.pos = add(s.pos, dur);
    if (s.tupletLeft === 0) s.tupletLen = null;
    s.tie = null;
    if (s.slur) s.slurCores += 1;
    s.lastCore = c;
    s.lastUntieable = s.itemUntieable;
    s.core = null;
    s.started = true;
    s.phase = 'boundary';
    return true;
  }

  /**
   * May the tune end on a short bar holding `pos`: after all its full bars, outside a repeat, and not where
   * abc2midi's chord accompaniment would still sound (abc-music.ts gchordSafeEnd).
   */
  private shortLastBarOk(s: BodyState, pos: Frac): boolean {
    return s.bars >= MIN_BARS && (s.repeat === 'none' || s.repeat === 'ending2' && s.repeatBars > 0) && (!s.gchords || gchordSafeEnd(pos, this.m.meterText));
  }

  /**
   * Closes the bar line in s.text: false if it may not stand here. Bars follow abc2midi's count
   * (genmidi.c checkbar/softcheckbar): a single bar line closes a full bar, or the first bar when it is
   * a pickup; |: :| :: may stand inside a bar (abc2midi carries the count across them), so a repeat that
   * opens at a bar offset must close at the same offset, and the bar goes on: the second time through,
   * the music after |: continues the bar the :| left. A tune that starts with |: and a pickup therefore
   * closes its repeat short by the pickup (`|:A|…|G3:|`), as folk tunes are written.
   */
  private closeBar(s: BodyState): boolean {
    const t = s.text;
    const bar = this.m.bar;
    const full = eq(s.pos, bar);
    const empty = s.pos[0] === 0;
    const short = !full && !empty;
    if (s.tupletLeft > 0 || s.broken !== null) return false;
    if ((s.tie !== null || s.slur) && t !== '|') return false;
    // The first bar may be short (a pickup); abc2midi checks bar 0 only when it is played again.
    const pickupFree = short && !s.pickup && s.bars === 0 && s.repeat === 'none';
    const pickupInRepeat = short && !s.pickup && s.bars === 0 && s.repeat === 'open' && s.repeatAtStart && s.repeatBars === 0;
    const closesBar = (): void => {
      if (full) { s.bars += 1; s.repeatBars += 1; }
      s.pos = ZERO;
    };
    const atOffset = s.repeatOffset[0] === 0 ? full : eq(s.pos, s.repeatOffset);
    const endingOk = s.repeat === 'none' || s.repeat === 'ending2' && s.repeatBars + (full ? 1 : 0) > 0;
    let done = false;
    switch (t) {
      case '|':
        if (empty && s.brokeAfterBar && s.lineStartBar) break; // `…|\n|…`: abc2midi counts no bar
        if (full) closesBar();
        else if (pickupFree) { s.pickup = true; s.pos = ZERO; }
        else if (pickupInRepeat) { s.pickup = true; s.repeatOffset = sub(bar, s.pos); s.pos = ZERO; }
        else return false;
        break;
      case '||':
        if (!full || !endingOk) return false;
        closesBar();
        s.repeat = 'none';
        break;
      case '|]':
        if (!endingOk) return false;
        if (full) closesBar();
        else if (short && this.shortLastBarOk(s, s.pos)) done = true;
        else return false;
        s.repeat = 'none';
        break;
      case '|:':
        if (!endingOk) return false;
        if (full) { closesBar(); s.repeatOffset = ZERO; }
        else if (empty) s.repeatOffset = ZERO;
        else if (pickupFree) { s.pickup = true; s.pos = ZERO; s.repeatOffset = ZERO; }
        else s.repeatOffset = s.pos; // a repeat that opens inside a bar
        s.repeatAtStart = !s.started;
        s.repeat = 'open';
        s.repeatBars = 0;
        break;
      case ':|':
      case '::':
        if (s.repeat !== 'open' || !atOffset) return false;
        if (s.repeatOffset[0] === 0) closesBar();
        else if (s.repeatBars === 0) return false; // the repeat holds a full bar at least
        s.repeat = t === '::' ? 'open' : 'none';
        s.repeatBars = 0;
        s.repeatAtStart = false;
        break;
      case '|1':
        if (s.repeat !== 'open' || !full) return false;
        closesBar();
        s.repeat = 'ending1';
        s.repeatBars = 0;
        break;
      case ':|2':
        if (s.repeat !== 'ending1' || !atOffset) return false;
        if (s.repeatOffset[0] === 0) closesBar();
        // The second ending is played the second time, after abc2midi skips the first from its |1: a fresh bar.
        s.pos = ZERO;
        s.repeat = 'ending2';
        s.repeatBars = 0;
        break;
      default:
        return false;
    }
    s.lastBar = t;
    s.lastCore = null;
    s.afterBroken = false;
    s.started = true;
    s.phase = done ? 'done' : 'afterBar';
    return true;
  }

  /** Ends the current token as if a byte that cannot continue it came: false if it may not end here. */
  close(s: BodyState): boolean {
    switch (s.phase) {
      case 'core': case 'chordLen': return this.closeCore(s);
      case 'bar': return s.text !== ':' && this.closeBar(s);
      case 'lineStart': case 'afterBar': case 'boundary': case 'done': return true;
      default: return false;
    }
  }

  /** Advances by one character; false if the grammar refuses it. */
  push(s: BodyState, ch: string): boolean {
    // Tokens that may grow: take the character if it continues them, else close them first.
    if (s.phase === 'core' || s.phase === 'chordLen') {
      const c = s.core!;
      if (s.phase === 'core' && c.kind === 'note' && c.letter === '') {
        if (NOTE_LETTERS.includes(ch)) { c.letter = ch; return true; }
        if ((ch === '^' || ch === '_') && c.acc === ch) { c.acc += ch; return true; }
        return false;
      }
      if (s.phase === 'core' && c.kind === 'note' && c.len === '') {
        const upper = c.letter === c.letter.toUpperCase();
        if (ch === ',' && upper && c.oct.length < MAX_COMMAS) { c.oct += ch; return true; }
        if (ch === "'" && !upper && c.oct.length < MAX_APOSTROPHES) { c.oct += ch; return true; }
      }
      if (LENGTH_PREFIXES.has(c.len + ch)) { c.len += ch; return true; }
      if (!this.closeCore(s)) return false;
    } else if (s.phase === 'bar') {
      const grown = s.text + ch;
      if (['||', '|]', '|:', '|1', ':|', '::', ':|2'].includes(grown)) {
        s.text = grown;
        // Bar lines that cannot grow further close at once.
        if (grown !== ':|') return this.closeBar(s);
        return true;
      }
      if (s.text === ':' || !this.closeBar(s)) return false;
    }
    switch (s.phase) {
      case 'done':
        if (ch !== '\n' || s.lineUsed === false) return false;
        s.lineUsed = false;
        return true;
      case 'voice':
        if (ch !== VOICE_LINE[s.text.length]) return false;
        s.text += ch;
        if (ch === '\n') { s.phase = 'lineStart'; s.lineUsed = false; s.brokeAfterBar = false; }
        return true;
      case 'cont':
        if (ch !== '\n') return false;
        s.phase = 'lineStart';
        s.lineUsed = false;
        return true;
      case 'gchord':
        if (ch === '"') {
          if (!CHORD_NAMES.has(s.text)) return false;
          s.phase = 'prefix';
          s.gchords = true;
          return true;
        }
        if (!CHORD_PREFIXES.has(s.text + ch)) return false;
        s.text += ch;
        return true;
      case 'bang':
        if (ch === '!') {
          if (!BANG_DECORATIONS.includes(s.text)) return false;
          if (s.text === 'trill') s.itemRoll = true;
          if (s.text === 'trill' || s.text === 'breath') s.itemUntieable = true;
          // abc2midi miscounts a bar whose broken pair ends on an ornament, and shortens a breath-marked note
          // before it applies broken rhythm ("notes not equal durations").
          if ((s.text === 'trill' || s.text === 'breath') && s.broken !== null) return false;
          if (s.text === 'breath') s.itemStaccato = true;
          s.phase = 'prefix';
          return true;
        }
        if (!BANG_PREFIXES.has(s.text + ch)) return false;
        s.text += ch;
        return true;
      case 'grace': return this.pushGrace(s, ch);
      case 'chord': return this.pushChord(s, ch);
      case 'lparen':
        if (ch === '3') {
          // A triplet: three notes in the time of two (the only tuplet the tunes use).
          s.tupletLeft = 3;
          s.tupletLen = null;
          s.phase = 'boundary';
          return true;
        }
        if (s.slur) return false; // one level of slurs
        s.itemSlur = true;
        s.phase = 'prefix';
        return this.pushItem(s, ch);
      case 'prefix': return this.pushItem(s, ch);
      case 'lineStart': case 'afterBar': case 'boundary': return this.pushBoundary(s, ch);
      default: return false;
    }
  }

  /** At a boundary: a space, a bar line, a line end, a suffix of the last core, or a new item. */
  private pushBoundary(s: BodyState, ch: string): boolean {
    const afterBar = s.phase === 'afterBar';
    const atLineStart = s.phase === 'lineStart';
    const inTuplet = s.tupletLeft > 0;
    if (ch === 'V' && atLineStart && !s.started && !s.voiceLine) {
      // Single-voice tunes of the set often name their voice first (abc2abc keeps `V:1`).
      s.voiceLine = true;
      s.phase = 'voice';
      s.text = 'V';
      return true;
    }
    // A line may end after a bar line or between notes (not after a space, nor inside a tie, slur,
    // tuplet or broken pair); a continuation '\\' may end it too, then the newline.
    const mayBreak = (afterBar || s.phase === 'boundary') && s.tie === null && !s.slur && !inTuplet && s.broken === null;
    if (ch === '\n') {
      if (!mayBreak || s.space) return false;
      s.brokeAfterBar = afterBar;
      s.phase = 'lineStart';
      s.lineUsed = false;
      s.space = false;
      s.lastCore = null; // a tie or broken rhythm does not start a line
      return true;
    }
    if (ch === '\\') {
      if (!mayBreak) return false;
      s.brokeAfterBar = false;
      s.phase = 'cont';
      s.lastCore = null;
      return true;
    }
    if (ch === ' ') {
      if (s.space || (inTuplet && s.tupletLen === null)) return false;
      s.space = true;
      s.phase = 'boundary';
      s.lastCore = null;
      return true;
    }
    const last = s.lastCore;
    const fresh = last !== null; // right after a core
    if (ch === '-') {
      // Not on a broken pair's second note: abcjs cannot read `A>B-)`.
      if (!fresh || last.kind !== 'note' || inTuplet || s.broken !== null || s.afterBroken || s.lastUntieable) return false;
      s.tie = last.acc + last.letter + last.oct;
      s.lastCore = null;
      return true;
    }
    if (ch === '>') {
      if (!fresh || last.kind !== 'note' || inTuplet || s.lastInTuplet || s.tie !== null || s.afterBroken || s.broken !== null) return false;
      if (!BROKEN_LENGTHS.includes(last.len) || s.itemStaccato) return false;
      // The first note grows by half its length, the second takes the other half: both must fit the bar.
      const d = this.m.dur(last.len);
      if (cmp(add(s.pos, d), this.m.bar) > 0) return false;
      s.pos = add(s.pos, mul(d, [1, 2]));
      s.broken = last.len;
      s.lastCore = null;
      return true;
    }
    if (ch === ')') {
      // Right after a note or its tie: abcjs refuses ')' after a space.
      if (!s.slur || s.slurCores === 0 || inTuplet || s.broken !== null || !this.canCloseSlur(s)) return false;
      s.slur = false;
      s.slurCores = 0;
      s.lastCore = null;
      return true;
    }
    if (ch === '|' || ch === ':') {
      if (inTuplet || s.broken !== null) return false;
      s.lineStartBar = atLineStart;
      s.phase = 'bar';
      s.text = ch;
      s.space = false;
      s.lineUsed = true;
      return true;
    }
    // A new item.
    if (s.pos[0] !== 0 && eq(s.pos, this.m.bar)) return false; // the bar is full: a bar line comes next
    this.newItem(s);
    s.space = false;
    s.lineUsed = true;
    s.lastCore = null;
    if (ch === '(') {
      if (s.tie !== null || s.broken !== null || inTuplet) return false;
      s.phase = 'lparen';
      return true;
    }
    s.phase = 'prefix';
    return this.pushItem(s, ch);
  }

  /** May ')' come now: right after a core or its tie, in the middle of a line. */
  private canCloseSlur(s: BodyState): boolean {
    return s.phase === 'boundary' && (s.lastCore !== null || s.tie !== null && !s.space);
  }

  /** Inside an item before its core: its prefix parts in order, then the core. */
  private pushItem(s: BodyState, ch: string): boolean {
    // After grace notes the core must be a note (abc2midi: "No note found to follow grace notes").
    const graceLast = s.itemGrace;
    if (ch === '(' && s.itemGchord && !s.itemGrace && !s.itemBang && !s.itemDeco && !s.itemSlur && s.phase === 'prefix') {
      // `"G"(3GFG` and `"G"(AB)`: a tuplet or slur after the chord symbol.
      if (s.tie !== null || s.broken !== null || s.tupletLeft > 0) return false;
      s.phase = 'lparen';
      return true;
    }
    if (ch === ' ') {
      // One space may follow the chord symbol (`"G" A`), before anything else of the item.
      if (!s.itemGchord || s.itemGrace || s.itemBang || s.itemDeco || s.prefixSpace) return false;
      s.prefixSpace = true;
      return true;
    }
    if (ch === '"') {
      if (s.itemGchord || s.itemGrace || s.itemBang || s.itemDeco) return false;
      s.itemGchord = true;
      s.phase = 'gchord';
      s.text = '';
      return true;
    }
    if (ch === '{') {
      if (s.itemGrace || s.itemBang || s.itemDeco || s.tie !== null) return false;
      s.itemGrace = true;
      s.phase = 'grace';
      s.graceNotes = 0;
      s.chordNote = null;
      return true;
    }
    if (ch === '!') {
      if (s.itemBang || s.itemDeco || s.tie !== null) return false;
      s.itemBang = true;
      s.phase = 'bang';
      s.text = '';
      return true;
    }
    if (DECORATION_LETTERS.includes(ch)) {
      // abc2midi shortens a staccato note before it applies broken rhythm: "notes not equal durations".
      if (s.itemDeco || s.tie !== null) return false;
      // On a broken pair's second note abc2midi miscounts ornaments (and refuses a staccato there);
      // a roll right after grace notes it refuses ("intervening note needed").
      if (s.broken !== null && '~T.'.includes(ch)) return false;
      if (s.itemGrace && ch === '~') return false;
      s.itemDeco = true;
      if (ch === '.') s.itemStaccato = true;
      if ('~T'.includes(ch)) s.itemRoll = true;
      if ('~T.'.includes(ch)) s.itemUntieable = true;
      return true;
    }
    if (ch === 'z') {
      // abc2midi passes a rest's decorations on to the next note: a rest takes none.
      if (graceLast || s.tie !== null || s.broken !== null || s.itemBang || s.itemDeco) return false;
      this.openCore(s, 'rest');
      return true;
    }
    if (ch === '[') {
      // Rolls and trills are not played in chords (abc2midi refuses them).
      if (graceLast || s.tie !== null || s.broken !== null || s.itemRoll) return false;
      this.openCore(s, 'chord');
      s.phase = 'chord';
      s.chordNotes = 0;
      s.chordNote = null;
      return true;
    }
    if (NOTE_LETTERS.includes(ch) || ch === '^' || ch === '_' || ch === '=') {
      this.openCore(s, 'note');
      const c = s.core!;
      if (NOTE_LETTERS.includes(ch)) c.letter = ch;
      else c.acc = ch;
      return true;
    }
    return false;
  }

  private openCore(s: BodyState, kind: Core['kind']): void {
    s.core = { kind, acc: '', letter: '', oct: '', len: '' };
    s.phase = 'core';
    if (s.itemSlur) {
      s.slur = true;
      s.slurCores = 0;
    }
  }

  private pushGrace(s: BodyState, ch: string): boolean {
    const grown = growNote(s.chordNote, ch);
    if (grown !== null) return grown;
    if (ch === '}') {
      if (s.graceNotes === 0) return false;
      s.chordNote = null;
      s.phase = 'prefix';
      return true;
    }
    if (s.graceNotes >= MAX_GRACE_NOTES) return false;
    if (NOTE_LETTERS.includes(ch) || ch === '^' || ch === '_' || ch === '=') {
      s.graceNotes += 1;
      s.chordNote = NOTE_LETTERS.includes(ch) ? { acc: '', letter: ch, oct: '' } : { acc: ch, letter: '', oct: '' };
      return true;
    }
    return false;
  }

  private pushChord(s: BodyState, ch: string): boolean {
    const grown = growNote(s.chordNote, ch);
    if (grown !== null) return grown;
    if (ch === ']') {
      if (s.chordNotes < 2) return false;
      s.chordNote = null;
      s.phase = 'chordLen';
      return true;
    }
    if (s.chordNotes >= MAX_CHORD_NOTES) return false;
    if (NOTE_LETTERS.includes(ch) || ch === '^' || ch === '_' || ch === '=') {
      s.chordNotes += 1;
      s.chordNote = NOTE_LETTERS.includes(ch) ? { acc: '', letter: ch, oct: '' } : { acc: ch, letter: '', oct: '' };
      return true;
    }
    return false;
  }

  // --- planning -------------------------------------------------------------------------------------

  /** Fewest bytes from this state to a proper end (the end value excluded); Infinity when none. */
  minFinish(s: BodyState): number {
    switch (s.phase) {
      case 'done': return s.lineUsed ? 1 : 0;
      case 'lineStart':
        if (this.canEnd(s)) return 0;
        return this.tail(s);
      case 'afterBar': return Math.min(this.mayEndAfterBar(s) ? 1 : Infinity, this.tail(s));
      case 'boundary': return this.tail(s);
      case 'cont': return 1 + this.tail(s);
      case 'voice': return VOICE_LINE.length - s.text.length + this.tail(s);
      default: return this.finishToken(s);
    }
  }

  /** The current token finished in each way it can be (a few strings), then planned from there. */
  private finishToken(s: BodyState): number {
    let best = Infinity;
    for (const suffix of this.completions(s)) {
      const t = s.clone();
      let ok = true;
      for (const ch of suffix) if (!(ok = this.push(t, ch))) break;
      if (!ok || !this.close(t)) continue;
      best = Math.min(best, suffix.length + this.minFinish(t));
    }
    return best;
  }

  /** Ways to finish the token in progress (each ends where the token may close). */
  private completions(s: BodyState): string[] {
    const lens = LENGTHS.map((l) => l.text);
    const grow = (have: string) => lens.filter((l) => l.startsWith(have)).map((l) => l.slice(have.length));
    // A core after a prefix: the tied note, a note (after grace notes, or as a broken pair's second), or a rest.
    const coreHead = s.tie ?? (s.broken !== null || s.itemGrace || s.itemBang || s.itemDeco || s.phase === 'grace' ? 'A' : 'z');
    const cores = lens.map((l) => coreHead + l);
    switch (s.phase) {
      case 'core': {
        const c = s.core!;
        if (s.tie !== null) {
          const text = c.acc + c.letter + c.oct;
          if (!s.tie.startsWith(text)) return [];
          const rest = s.tie.slice(text.length);
          return rest !== '' && c.len !== '' ? [] : grow(c.len).map((l) => rest + l);
        }
        if (c.kind === 'note' && c.letter === '') return grow('').map((l) => 'A' + l);
        return grow(c.len);
      }
      case 'chordLen': return grow(s.core!.len);
      case 'chord': {
        const n = s.chordNote;
        const head = n && n.letter === '' ? 'A' : '';
        const more = 'A'.repeat(Math.max(0, 2 - s.chordNotes));
        return lens.map((l) => head + more + ']' + l);
      }
      case 'grace': {
        const n = s.chordNote;
        const head = (n && n.letter === '') || s.graceNotes === 0 ? 'A' : '';
        return lens.map((l) => head + '}A' + l);
      }
      case 'gchord': return cores.map((c) => shortest(CHORD_NAMES, s.text) + '"' + c);
      case 'bang': return cores.map((c) => shortest(BANG_DECORATIONS, s.text) + '!' + c);
      case 'prefix': case 'lparen': return cores;
      case 'bar':
        if (s.text === '|') return ['', '|', ']', ':', '1'];
        if (s.text === ':') return ['|', ':', '|2'];
        if (s.text === ':|') return ['', '2'];
        return [''];
      default: return [''];
    }
  }

  /**
   * At an item boundary: the fewest bytes to finish what is pending (a tuplet's notes, a broken pair's
   * second note, a tied note), fill the bar, close the slur, add bars up to MIN_BARS, close the repeat
   * or ending, write the final bar line and a newline.
   */
  private tail(s: BodyState): number {
    const m = this.m;
    let cost = 0;
    let pos = s.pos;
    if (s.tupletLeft > 0) {
      if (s.tupletLen === null) {
        // "(3" just written: three notes of one length in the time of two.
        let best = Infinity;
        for (const l of LENGTHS) {
          const total = mul(m.dur(l.text), [2, 1]);
          if (cmp(add(pos, total), m.bar) > 0) continue;
          best = Math.min(best, 3 * (1 + l.text.length) + this.afterPending(s, add(pos, total), true));
        }
        return best;
      }
      cost += s.tupletLeft * (1 + s.tupletLen.length);
      pos = add(pos, mul(m.dur(s.tupletLen), [2 * s.tupletLeft, 3]));
      return cost + this.afterPending(s, pos, true);
    }
    if (s.broken !== null) {
      cost += 1 + s.broken.length;
      pos = add(pos, mul(m.dur(s.broken), [1, 2]));
      return cost + this.afterPending(s, pos, true);
    }
    if (s.tie !== null) {
      // The tied note comes next: in this bar, or after a bar line when the bar is full.
      const text = s.tie;
      let best = Infinity;
      const full = eq(pos, m.bar);
      for (const l of LENGTHS) {
        const d = m.dur(l.text);
        if (!full) {
          if (cmp(add(pos, d), m.bar) > 0) continue;
          best = Math.min(best, text.length + l.text.length + this.afterPending(s, add(pos, d), true));
        } else {
          if (cmp(d, m.bar) > 0) continue;
          // '|' closes the full bar; the tied note opens the next one.
          const t = s.clone();
          t.bars += 1;
          t.repeatBars += 1;
          best = Math.min(best, 1 + text.length + l.text.length + this.afterPending(t, d, true));
        }
      }
      return best;
    }
    return this.afterPending(s, pos, this.canCloseSlur(s));
  }

  /**
   * From a boundary with nothing pending, the bar holding `pos`: the fewest bytes to fill bars, close the
   * repeat or ending (at its offset), write a final bar line and a newline. An open slur costs its ')'
   * after a core: now, after the last note that fills the bar, or, when the bar is full and no core is
   * just before, after the first note of one more bar (only single bar lines may cross a slur).
   */
  private afterPending(s: BodyState, pos: Frac, fresh: boolean): number {
    const m = this.m;
    let best = this.endFrom(s, pos, s.bars, s.repeatBars, s.slur && !fresh) + (s.slur ? 1 : 0);
    // A short first bar (a pickup) closes with '|'.
    if (pos[0] !== 0 && !eq(pos, m.bar) && !s.pickup && s.bars === 0 && s.repeat === 'none') best = Math.min(best, 1 + (s.slur ? 1 : 0) + this.endFrom(s, ZERO, 0, 0));
    // A short last bar closes the tune: '|]' and a newline (an open slur closes first, right after a core).
    if (pos[0] !== 0 && !eq(pos, m.bar) && this.shortLastBarOk(s, pos) && (!s.slur || fresh)) best = Math.min(best, 3 + (s.slur ? 1 : 0));
    return best;
  }

  /**
   * The fewest bytes from a bar holding `pos` (nothing pending), with `bars` full bars so far, to the end:
   * rests fill the bars (F bytes a full bar), single bar lines, the repeat or ending closed where it must.
   */
  private endFrom(s: BodyState, pos: Frac, bars: number, repeatBars: number, needCore = false): number {
    const m = this.m;
    const F = m.fullBar;
    const toFull = m.fillCost(sub(m.bar, pos));
    // An open slur with no note just before it closes after the next note: when the bar is full, only
    // after a single bar line and one more bar.
    const crossing = needCore && toFull === 0;
    // Bars still needed after the current one closes full.
    const more = (after: number) => Math.max(0, MIN_BARS - after);
    const x = s.repeatOffset;
    switch (s.repeat) {
      case 'none':
      case 'ending2': {
        // Close this bar full, then `k` more full bars; the last bar line may be '|' (1 byte), then '\n'.
        const k = Math.max(more(bars + 1), crossing ? 1 : 0);
        return toFull + 1 + k * (F + 1) + 1;
      }
      case 'open': {
        if (x[0] === 0) {
          // Close with ':|' (2 bytes) at a full bar: this one, or after the bars still needed.
          const k = Math.max(more(bars + 1), crossing ? 1 : 0);
          return toFull + (k === 0 ? 2 : 1 + (k - 1) * (F + 1) + F + 2) + 1;
        }
        // The repeat closes at offset x, after a full bar inside it; the tune may stop there, short.
        const stop = !s.gchords || gchordSafeEnd(x, m.meterText) ? 1 : m.fillCost(sub(m.bar, x)) + 1 + 1;
        const need = more(bars);
        if (need === 0 && repeatBars > 0 && cmp(pos, x) <= 0 && !(needCore && eq(pos, x))) return m.fillCost(sub(x, pos)) + 2 + stop;
        const k = Math.max(0, need - 1, crossing ? 1 : 0);
        return toFull + 1 + k * (F + 1) + m.fillCost(x) + 2 + stop;
      }
      case 'ending1': {
        // ':|2' (3 bytes) at the repeat's offset, then a second ending of `k` full bars, the last closed by '|'.
        if (x[0] === 0) {
          if (crossing) return 1 + F + 3 + Math.max(1, more(bars + 2)) * (F + 1) + 1;
          const k = Math.max(1, more(bars + 1));
          return toFull + 3 + k * (F + 1) + 1;
        }
        const before = cmp(pos, x) <= 0 && !(needCore && eq(pos, x));
        const reach = before ? m.fillCost(sub(x, pos)) : toFull + 1 + m.fillCost(x);
        const barsThen = before ? bars : bars + 1;
        const k = Math.max(1, more(barsThen));
        return reach + 3 + k * (F + 1) + 1;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The header: X: first, information fields, K: last.

interface HeaderState {
  at: 'lineStart' | 'colon' | 'value';
  field: string;
  value: string;
  lines: number;
  seen: string;
  meter: string | null;
  unit: string | null;
  /** UTF-8 continuation bytes still due in a text value. */
  utf8: number;
}

/** Can `value` still grow into a complete value of `field`? Is it one already? */
function fieldValue(field: string, value: string): { prefix: boolean; complete: boolean } {
  const closed = field === 'M' ? ABC_METERS : field === 'L' ? ABC_UNIT_LENGTHS : field === 'K' ? ABC_KEYS : null;
  if (closed) return { prefix: closed.some((v) => v.startsWith(value)), complete: closed.includes(value) };
  if (field === 'Q') return { prefix: TEMPO_PREFIX.test(value), complete: TEMPO.test(value) };
  if (field === 'X') return { prefix: /^\d{0,3}$/.test(value), complete: /^\d{1,3}$/.test(value) };
  const printable = [...value].every((c) => c.charCodeAt(0) >= 0x20 && c !== '\x7f' && c !== '%');
  return { prefix: printable && value.length <= MAX_TEXT_VALUE, complete: printable && value.trim().length > 0 };
}

/** Header fields in the order they may come after X:, each at most once (T: twice); K: ends the header. */
const FIELDS_AFTER_X = TEXT_FIELDS + 'MLQK';

/**
 * One ABC tune, header and body, planned to end within `room` bytes: `X:<number>` first, information
 * fields with the values abc2midi reads, M: before K:, then a body whose every bar adds up (see above).
 */
export class AbcTuneGrammar implements ByteConstraint {
  private header: HeaderState = { at: 'lineStart', field: '', value: '', lines: 0, seen: '', meter: null, unit: null, utf8: 0 };
  private body: AbcBody | null = null;
  private state: BodyState | null = null;
  private used = 0;
  private free = false;
  /** Answers for the current position (bytes 0..256), computed when asked. */
  private cache = new Int8Array(257);

  /** @param room the most bytes the file may hold before its end (the window, less the end's own slot). */
  constructor(private readonly room = Infinity) {}

  /** True once the K: line is complete. */
  get inBody(): boolean {
    return this.body !== null;
  }

  allows(b: number): boolean {
    if (this.free) return true;
    const hit = this.cache[b];
    if (hit !== 0) return hit > 0;
    const ok = this.decide(b);
    this.cache[b] = ok ? 1 : -1;
    return ok;
  }

  private decide(b: number): boolean {
    const left = this.room - this.used;
    if (this.body && this.state) {
      if (b === END) return this.body.canEnd(this.state);
      if (b >= 0x80 || left < 1) return false;
      const t = this.state.clone();
      if (!this.body.push(t, String.fromCharCode(b))) return false;
      return fits(this.body.minFinish(t), left - 1);
    }
    if (b === END) return false;
    const h = this.stepHeader(this.header, b);
    if (h === null) return false;
    return fits(this.headerFinish(h), left - 1);
  }

  push(b: number): void {
    this.cache.fill(0);
    if (this.free) return;
    if (b === END) return;
    this.used += 1;
    if (this.body && this.state) {
      if (b >= 0x80 || !this.body.push(this.state, String.fromCharCode(b))) this.free = true; // a prompt outside the grammar
      return;
    }
    const h = this.stepHeader(this.header, b);
    if (h === null) {
      this.free = true;
      return;
    }
    this.header = h;
    if (h.at === 'lineStart' && h.field === 'K') this.startBody(h);
  }

  relax(): boolean {
    if (this.free) return false;
    this.free = true;
    return true;
  }

  private startBody(h: HeaderState): void {
    const bar = parseMeter(h.meter ?? '4/4') ?? [1, 1];
    const unit = h.unit ? parseUnit(h.unit)! : defaultUnit(bar);
    this.body = new AbcBody(metricsFor(bar, unit, h.meter ?? '4/4'));
    this.state = new BodyState();
  }

  /** The header after one more byte, or null if it may not come. */
  private stepHeader(h: HeaderState, b: number): HeaderState | null {
    const ch = String.fromCharCode(b);
    switch (h.at) {
      case 'lineStart': {
        if (h.lines === 0) return ch === 'X' ? { ...h, at: 'colon', field: 'X' } : null;
        if (!FIELDS_AFTER_X.includes(ch)) return null;
        // Text fields may repeat (two titles, several notes); the closed ones come once.
        const times = [...h.seen].filter((c) => c === ch).length;
        if (times >= (TEXT_FIELDS.includes(ch) ? MAX_FIELD_REPEATS : 1)) return null;
        if (ch === 'K' && h.meter === null) return null; // the bars are checked against M:, so it comes first
        return { ...h, at: 'colon', field: ch };
      }
      case 'colon':
        return ch === ':' ? { ...h, at: 'value', value: '' } : null;
      case 'value': {
        if (h.utf8 > 0) return b >= 0x80 && b <= 0xbf ? { ...h, utf8: h.utf8 - 1, value: h.value + '\u00ff' } : null;
        if (ch === '\n') {
          if (!fieldValue(h.field, h.value).complete) return null;
          const next: HeaderState = { ...h, at: 'lineStart', lines: h.lines + 1, seen: h.seen + h.field, value: '' };
          if (h.field === 'M') next.meter = h.value;
          if (h.field === 'L') next.unit = h.value;
          return next;
        }
        const text = TEXT_FIELDS.includes(h.field);
        if (b >= 0x80) {
          if (!text || h.value.length >= MAX_TEXT_VALUE) return null;
          const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 ? 1 : -1;
          return need < 0 ? null : { ...h, value: h.value + '\u00ff', utf8: need };
        }
        if (b < 0x20) return null;
        // A value starting with ':' or '|' would make the line music to abc2midi ("ambiguous line").
        if (h.value === '' && (ch === ':' || ch === '|')) return null;
        const value = h.value + ch;
        return fieldValue(h.field, value).prefix ? { ...h, value } : null;
      }
    }
  }

  /** Fewest bytes from a header state to a proper end of the tune. */
  private headerFinish(h: HeaderState): number {
    const unit = h.unit ?? '';
    switch (h.at) {
      case 'lineStart':
        if (h.field === 'K') return bodyMin(h.meter!, unit);
        return h.lines === 0 ? 4 + restOfHeader(null, '') : restOfHeader(h.meter, unit);
      case 'colon': return 1 + this.valueFinish(h, '');
      case 'value': return this.valueFinish(h, h.value);
    }
  }

  /** Fewest bytes to finish the value `value` of the current field, its line, and the tune. */
  private valueFinish(h: HeaderState, value: string): number {
    const unit = h.unit ?? '';
    switch (h.field) {
      case 'M': {
        let best = Infinity;
        for (const m of ABC_METERS) if (m.startsWith(value)) best = Math.min(best, m.length - value.length + 1 + K_LINE + bodyMin(m, unit));
        return best;
      }
      case 'L': {
        let best = Infinity;
        for (const u of ABC_UNIT_LENGTHS) if (u.startsWith(value)) best = Math.min(best, u.length - value.length + 1 + restOfHeader(h.meter, u));
        return best;
      }
      case 'K': {
        const more = SHORTEST_KEY.get(value);
        return more === undefined ? Infinity : more + 1 + bodyMin(h.meter!, unit);
      }
      case 'X': return (value === '' ? 1 : 0) + 1 + restOfHeader(null, '');
      case 'Q': return tempoCompletion(value) + 1 + restOfHeader(h.meter, unit);
      default: return h.utf8 + (value.trim() === '' ? 1 : 0) + 1 + restOfHeader(h.meter, unit);
    }
  }
}

/** Does a finish of `need` bytes fit in `left`? Never when there is none (Infinity), even with unbounded room. */
function fits(need: number, left: number): boolean {
  return Number.isFinite(need) && need <= left;
}

/** A K: line with the shortest key, `K:C` and its newline. */
const K_LINE = 4;
/** Bytes each key prefix still needs to be a key. */
const SHORTEST_KEY = (() => {
  const m = new Map<string, number>();
  for (const k of ABC_KEYS) for (let i = 0; i <= k.length; i++) {
    const p = k.slice(0, i);
    m.set(p, Math.min(m.get(p) ?? Infinity, k.length - i));
  }
  return m;
})();
const BODY_MIN = new Map<string, number>();
/** The shortest body for a meter and unit length ('' = no L:, the default of §3.1.7). */
function bodyMin(meter: string, unit: string): number {
  const key = `${meter} ${unit}`;
  let v = BODY_MIN.get(key);
  if (v === undefined) {
    const bar = parseMeter(meter) ?? [1, 1];
    v = bodyMinimum(bar, unit === '' ? defaultUnit(bar) : parseUnit(unit)!, meter);
    BODY_MIN.set(key, v);
  }
  return v;
}
/** After the current header line: M: if it is missing, the K: line, the shortest body. */
function restOfHeader(meter: string | null, unit: string): number {
  if (meter !== null) return K_LINE + bodyMin(meter, unit);
  let best = Infinity;
  for (const m of ABC_METERS) best = Math.min(best, 3 + m.length + K_LINE + bodyMin(m, unit));
  return best;
}

const METRICS = new Map<string, Metrics>();
function metricsFor(bar: Frac, unit: Frac, meterText: string): Metrics {
  const key = `${meterText} ${unit}`;
  let m = METRICS.get(key);
  if (!m) METRICS.set(key, (m = new Metrics(bar, unit, meterText)));
  return m;
}

/** The shortest body: MIN_BARS bars of rests, each closed by a single bar line, and a newline (as AbcBody.endFrom plans it). */
function bodyMinimum(bar: Frac, unit: Frac, meterText: string): number {
  const m = metricsFor(bar, unit, meterText);
  return MIN_BARS * (m.fullBar + 1) + 1;
}

const SHORTEST = new Map<string, string>();
/** The shortest word of `words` that starts with `prefix`, less the prefix. */
function shortest(words: Iterable<string>, prefix: string): string {
  const key = `${words === CHORD_NAMES ? 'c' : 'b'}:${prefix}`;
  let hit = SHORTEST.get(key);
  if (hit === undefined) {
    hit = [...words].filter((w) => w.startsWith(prefix)).reduce((a, b) => (b.length < a.length ? b : a), '\u0000'.repeat(64)).slice(prefix.length);
    SHORTEST.set(key, hit);
  }
  return hit;
}
