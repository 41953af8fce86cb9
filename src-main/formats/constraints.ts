// Format-aware sampling (issue 13 §3): small byte grammars that the sampler consults before each draw,
// so a generated file keeps the parts of its format a small model gets wrong most (QUALITY.md: broken
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
}

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
const TEXT_FIELDS = 'TCRBNZSOAD';
/** Meters abc2midi reads (ABC 2.1 §3.1.6), common time included. */
export const ABC_METERS = ['C', 'C|', '2/2', '3/2', '2/4', '3/4', '4/4', '5/4', '6/4', '3/8', '5/8', '6/8', '7/8', '9/8', '12/8'];
/** Unit note lengths (§3.1.7). */
export const ABC_UNIT_LENGTHS = ['1/4', '1/8', '1/16'];
const TONICS = ['C', 'C#', 'Cb', 'D', 'Db', 'E', 'Eb', 'F', 'F#', 'G', 'Gb', 'A', 'Ab', 'B', 'Bb'];
const MODES = ['', 'm', 'min', 'maj', 'ion', 'dor', 'phr', 'lyd', 'mix', 'aeo', 'loc'];
/** Keys (§3.1.14): a tonic and an optional mode, as abc2abc writes them. */
export const ABC_KEYS = TONICS.flatMap((t) => MODES.map((m) => t + m));
/** Longest free-text field value: a runaway title is cut by a newline. */
const MAX_TEXT_VALUE = 60;
const MAX_REFERENCE_DIGITS = 3;

const CLOSED: Record<string, string[]> = { M: ABC_METERS, L: ABC_UNIT_LENGTHS, K: ABC_KEYS };

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
        const allowed = this.lines === 0 ? 'X' : TEXT_FIELDS + 'ML' + 'K';
        return allowed.includes(ch) ? { at: 'colon', field: ch } : null;
      }
      case 'colon':
        return ch === ':' ? { at: 'value', field: s.field, value: '' } : null;
      case 'value': {
        if (b === END) return null;
        const closed = CLOSED[s.field];
        if (ch === '\n') {
          const done = s.field === 'X' ? s.value.length > 0 : closed ? closed.includes(s.value) : s.value.trim().length > 0;
          if (!done) return null;
          return s.field === 'K' ? { at: 'body' } : { at: 'line-start' };
        }
        const value = s.value + ch;
        if (s.field === 'X') return /^\d+$/.test(value) && value.length <= MAX_REFERENCE_DIGITS ? { ...s, value } : null;
        if (closed) return closed.some((v) => v.startsWith(value)) ? { ...s, value } : null;
        // Free text: printable characters (bytes of multi-byte UTF-8 characters count as printable).
        if (b < 0x20 || b === 0x7f || b === 0x25 /* % would start a comment */) return null;
        return value.length <= MAX_TEXT_VALUE ? { ...s, value } : null;
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

/** Several constraints at once: a byte must satisfy all. */
export class AllOf implements ByteConstraint {
  constructor(private readonly parts: ByteConstraint[]) {}
  allows(b: number): boolean {
    return this.parts.every((p) => p.allows(b));
  }
  push(b: number): void {
    for (const p of this.parts) p.push(b);
  }
}

/** The default constraint for a file extension, or null where none applies (binary formats). */
export function constraintFor(ext: string): ByteConstraint | null {
  switch (ext.toLowerCase()) {
    case 'abc':
      return new AllOf([new Utf8Constraint(), new AbcHeaderConstraint()]);
    case 'txt':
      return new Utf8Constraint();
    default:
      return null;
  }
}
