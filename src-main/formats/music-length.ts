// Music in musicians' units (issue 24 item 10): where an ABC tune's first bars end (the prompt of
// "continue this tune" and "variations"), and how many bytes a bar of ABC or a second of MIDI takes in
// a set of files, so a length asked in bars or seconds becomes a Max bytes — approximately, as the
// files vary (ABC standard 2.1 §4.8 bar lines; SMF durations from formats/preview/midi.ts).
import { parseMidi } from './preview/midi';

const FIELD = /^[A-Za-z+]:/;
/** A bar line (|, ||, |], [|, :|, |:, ::, :|:, with a repeat number): one counts as one, however drawn. */
const BAR_LINE = /^(?::*\|+[\]:]*|\[\||::)\d*/;

interface Scan {
  /** UTF-8 bytes of the header, X: to K: included. */
  headerBytes: number;
  /** UTF-8 byte offset just after each bar line of the first tune's music. */
  barEnds: number[];
  /** UTF-8 bytes of the first tune's music (after its header, up to the next X: or the end). */
  musicBytes: number;
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** The first tune's header length and where each of its bar lines ends; null without a K: line. */
function scanTune(text: string): Scan | null {
  const lines = text.split('\n');
  let offset = 0;
  let headerBytes = -1;
  const barEnds: number[] = [];
  let musicBytes = 0;
  for (const line of lines) {
    const lineBytes = utf8Length(line) + 1;
    if (headerBytes < 0) {
      if (/^K:/.test(line)) headerBytes = offset + lineBytes;
      offset += lineBytes;
      continue;
    }
    if (/^X:/.test(line)) break; // the next tune of a book
    if (!FIELD.test(line) && !line.startsWith('%')) {
      // Music: count bar lines outside chord symbols "…", decorations !…! and comments.
      let i = 0;
      while (i < line.length) {
        const c = line[i];
        if (c === '%') break;
        if (c === '"' || c === '!') {
          const close = line.indexOf(c, i + 1);
          i = close < 0 ? line.length : close + 1;
          continue;
        }
        const m = BAR_LINE.exec(line.slice(i));
        if (m && (m[0].includes('|') || m[0] === '::')) {
          barEnds.push(offset + utf8Length(line.slice(0, i + m[0].length)));
          i += m[0].length;
          continue;
        }
        i++;
      }
    }
    musicBytes += lineBytes;
    offset += lineBytes;
  }
  return headerBytes < 0 ? null : { headerBytes, barEnds, musicBytes };
}

/**
 * Bytes of an ABC tune up to the end of its first `bars` bars (its header included): the prompt that
 * makes a model continue it. A leading bar line (|: at the very start) is not a bar. Null without a
 * header (K:) or a bar line.
 */
export function abcOpening(bytes: Uint8Array, bars: number): { bytes: number; bars: number } | null {
  const scan = scanTune(new TextDecoder().decode(bytes));
  if (!scan) return null;
  const ends = scan.barEnds.filter((end, i) => i > 0 || end - scan.headerBytes > 3);
  if (ends.length === 0) return null;
  const n = Math.max(1, Math.min(bars, ends.length));
  return { bytes: ends[n - 1], bars: n };
}

/** How many bytes a unit of music takes in a set of files, and the fixed part each file starts with. */
export interface MusicRate {
  unit: 'bar' | 'second';
  bytesPerUnit: number;
  /** Bytes before the music (an ABC header; a MIDI file's header chunk and track starts). */
  overheadBytes: number;
  /** Files it was measured on. */
  files: number;
}

/** Bytes per bar of ABC tunes (header apart), over the tunes that have bars; null when none has. */
export function abcRate(files: readonly Uint8Array[]): MusicRate | null {
  let music = 0;
  let bars = 0;
  let header = 0;
  let n = 0;
  for (const f of files) {
    const scan = scanTune(new TextDecoder().decode(f));
    if (!scan || scan.barEnds.length === 0) continue;
    music += scan.musicBytes;
    bars += scan.barEnds.length;
    header += scan.headerBytes;
    n++;
  }
  return bars === 0 ? null : { unit: 'bar', bytesPerUnit: music / bars, overheadBytes: header / n, files: n };
}

/** A MIDI file's header chunk (14 bytes) and a track chunk's start (8): the bytes before any note. */
const MIDI_OVERHEAD = 14 + 8;

/** Bytes per second of MIDI files, over the files that have notes; null when none has. */
export function midiRate(files: readonly Uint8Array[]): MusicRate | null {
  let bytes = 0;
  let seconds = 0;
  let n = 0;
  for (const f of files) {
    const view = parseMidi(f);
    if (view.noteCount === 0 || view.durationSeconds <= 0) continue;
    bytes += f.length - MIDI_OVERHEAD;
    seconds += view.durationSeconds;
    n++;
  }
  return seconds === 0 ? null : { unit: 'second', bytesPerUnit: bytes / seconds, overheadBytes: MIDI_OVERHEAD, files: n };
}

/** The Max bytes that holds about `amount` units of music at `rate`. */
export function bytesFor(amount: number, rate: MusicRate): number {
  return Math.max(1, Math.round(rate.overheadBytes + amount * rate.bytesPerUnit));
}
