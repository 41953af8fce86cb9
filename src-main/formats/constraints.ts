// Format-aware sampling (docs/music.md): small byte grammars that the sampler consults before each draw,
// so a generated file keeps the parts of its format a small model gets wrong most (docs/quality.md: broken
// ABC, text that is not UTF-8). A constraint only removes candidates; the model's own probabilities
// decide among the rest. On by default for .abc and .txt (`--no-constrain` turns it off).
//   UTF-8: RFC 3629 §4 (well-formed byte sequences); ABC: abc-grammar.ts (a whole tune whose bars add up);
//   MIDI: constraints-midi.ts.
import { AbcTuneGrammar } from './abc-grammar';
import { MidiConstraint } from './constraints-midi';

export { ABC_KEYS, ABC_METERS, ABC_UNIT_LENGTHS, AbcTuneGrammar, MIN_BARS } from './abc-grammar';

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
      return new AllOf([new Utf8Constraint(), new AbcTuneGrammar(opts.budget)]);
    case 'txt':
      return new Utf8Constraint();
    default:
      return null;
  }
}
