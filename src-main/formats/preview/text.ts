// Text and hex view models for virtualised viewers: a one-pass row index over the bytes, then rows
// decoded lazily for the visible range only. UTF-8 is decoded strictly (RFC 3629: no overlongs,
// surrogates or code points past U+10FFFF) and every invalid byte is marked with its offset.

/** Rows wrap after this many bytes so one huge line (binary, minified) cannot defeat virtualisation. */
export const MAX_ROW_BYTES = 120;
/** Hex rows show 16 bytes, as xxd and hexdump -C do. */
export const HEX_ROW_BYTES = 16;

export interface TextIndex {
  /** Byte offset where each row starts; rows end at the next start (or the file's end). */
  rowStarts: Uint32Array;
  /**
   * The 1-based line (newline-separated, as editors and abcjs's "Line 9:201" count) each row belongs
   * to: a line longer than MAX_ROW_BYTES wraps into rows that share its number.
   */
  rowLines: Uint32Array;
  /** Lines in the file. */
  lineCount: number;
  invalidBytes: number;
  /** Offset of the first invalid byte, or -1. */
  firstInvalid: number;
}

export interface Glyph {
  text: string;
  start: number;
  end: number;
  invalid: boolean;
}

export interface HexRow {
  offset: number;
  /** Two hex digits per byte. */
  hex: string[];
  ascii: string;
}

/** Whether bytes[at + i] lies in [lo, hi] (a continuation byte, or the restricted second byte). */
function inRange(bytes: Uint8Array, i: number, lo: number, hi: number): boolean {
  return i < bytes.length && bytes[i] >= lo && bytes[i] <= hi;
}

/** Length of the valid UTF-8 sequence at `at`, or 0 when the byte there starts no valid sequence. */
export function utf8Length(bytes: Uint8Array, at: number): number {
  const b = bytes[at];
  if (b < 0x80) return 1;
  // No closure per call: the indexer asks this for every byte of a multi-megabyte file.
  if (b >= 0xc2 && b <= 0xdf) return inRange(bytes, at + 1, 0x80, 0xbf) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80; // no overlongs
    const hi = b === 0xed ? 0x9f : 0xbf; // no surrogates
    return inRange(bytes, at + 1, lo, hi) && inRange(bytes, at + 2, 0x80, 0xbf) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf; // nothing past U+10FFFF
    return inRange(bytes, at + 1, lo, hi) && inRange(bytes, at + 2, 0x80, 0xbf) && inRange(bytes, at + 3, 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}

/** Builds a TextIndex a slice at a time, so a viewer can index megabytes between animation frames. */
export class TextIndexer {
  private starts: number[] = [0];
  private lines: number[] = [1];
  private line = 1;
  private rowStart = 0;
  private at = 0;
  private invalidBytes = 0;
  private firstInvalid = -1;

  constructor(private readonly bytes: Uint8Array) {}

  /** Indexes about `budget` more bytes; true once the whole file is done. */
  step(budget: number): boolean {
    const { bytes } = this;
    const stop = Math.min(bytes.length, this.at + budget);
    while (this.at < stop) {
      const at = this.at;
      const n = utf8Length(bytes, at) || 1;
      if (n === 1 && bytes[at] >= 0x80) {
        this.invalidBytes++;
        if (this.firstInvalid < 0) this.firstInvalid = at;
      }
      if (at + n - this.rowStart > MAX_ROW_BYTES) {
        this.starts.push((this.rowStart = at));
        this.lines.push(this.line);
      }
      this.at = at + n;
      if (n === 1 && bytes[at] === 0x0a && this.at < bytes.length) {
        this.starts.push((this.rowStart = this.at));
        this.lines.push(++this.line);
      }
    }
    return this.at >= bytes.length;
  }

  get progress(): number {
    return this.bytes.length ? this.at / this.bytes.length : 1;
  }

  result(): TextIndex {
    return { rowStarts: Uint32Array.from(this.starts), rowLines: Uint32Array.from(this.lines), lineCount: this.line, invalidBytes: this.invalidBytes, firstInvalid: this.firstInvalid };
  }
}

/** One pass over the file: row starts (at newlines and at MAX_ROW_BYTES) and the invalid-byte count. */
export function indexText(bytes: Uint8Array): TextIndex {
  const indexer = new TextIndexer(bytes);
  indexer.step(Infinity);
  return indexer.result();
}

/** Visible stand-in for control characters (Unicode Control Pictures block), so nothing is invisible. */
function visible(code: number): string {
  if (code === 0x09) return '\t';
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return String.fromCodePoint(code);
}

/** Glyphs of rows [from, to); a trailing newline is dropped from its row. */
export function textRows(bytes: Uint8Array, index: TextIndex, from: number, to: number): Glyph[][] {
  const rows: Glyph[][] = [];
  const decoder = new TextDecoder();
  for (let r = Math.max(0, from); r < Math.min(to, index.rowStarts.length); r++) {
    const end = r + 1 < index.rowStarts.length ? index.rowStarts[r + 1] : bytes.length;
    const glyphs: Glyph[] = [];
    for (let at = index.rowStarts[r]; at < end; ) {
      const n = utf8Length(bytes, at);
      if (n === 0) glyphs.push({ text: '\uFFFD', start: at, end: at + 1, invalid: true });
      else if (!(n === 1 && bytes[at] === 0x0a)) {
        const text = n === 1 ? visible(bytes[at]) : decoder.decode(bytes.subarray(at, at + n));
        glyphs.push({ text, start: at, end: at + n, invalid: false });
      }
      at += n || 1;
    }
    rows.push(glyphs);
  }
  return rows;
}

export function hexRowCount(length: number): number {
  return Math.ceil(length / HEX_ROW_BYTES);
}

/** Hex rows [from, to): offset, two hex digits per byte, printable ASCII or '.'. */
export function hexRows(bytes: Uint8Array, from: number, to: number): HexRow[] {
  const rows: HexRow[] = [];
  for (let r = Math.max(0, from); r < Math.min(to, hexRowCount(bytes.length)); r++) {
    const chunk = bytes.subarray(r * HEX_ROW_BYTES, (r + 1) * HEX_ROW_BYTES);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0'));
    const ascii = String.fromCharCode(...Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));
    rows.push({ offset: r * HEX_ROW_BYTES, hex, ascii });
  }
  return rows;
}
