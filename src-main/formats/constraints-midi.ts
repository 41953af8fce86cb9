// Format-aware sampling for Standard MIDI Files (SMF 1.0, MMA/AMEI; docs/music.md "MIDI valid by
// construction"): a byte grammar the sampler consults before each draw, so a generated .mid has the
// structure formats/midi.ts checks. The model's probabilities choose among what is left.
//   - Header: MThd, length 6, format 0 or 1, 1..16 tracks (format 0: one), a metrical division (ticks per
//     quarter, not SMPTE, not zero).
//   - Each track: MTrk, four length bytes, events, End of Track (FF 2F 00); exactly as many tracks as the
//     header says, then the end of the file.
//   - Events: delta times of 1..4 bytes (no leading 0x80), channel messages with data bytes below 0x80,
//     running status only after a channel message, the meta events a tune uses (text, tempo, time and
//     key signature, channel prefix, port) with the lengths and values the spec gives; no system
//     exclusive, no real-time bytes.
//   - Notes: a note-on starts a note that is not already sounding on its channel, a note-off ends one
//     that is; End of Track only when no note is sounding.
//   - Length: the chunk length precedes the data, and a model cannot know how long its track will be.
//     The grammar lets the model write the four length bytes as it likes and writes the real length when
//     the track ends (`finish`), counting each length it had to correct as a repair. Constraining them
//     to a planned size instead would force the track to end at a size the model picked before writing
//     any music (padding or cutting it), which is worse music for the same validity.
//   - The ending is planned from the bytes left: a byte is allowed only if the file can still be
//     completed within the budget (the current event finished, a note-off for every sounding note, End
//     of Track, and an empty track for each track still owed), so a sample never runs into the window.
import type { ByteConstraint } from './constraints';
import { META_LENGTHS, channelDataBytes } from './midi';

const END = 256;
const MTHD = [0x4d, 0x54, 0x68, 0x64, 0x00, 0x00, 0x00, 0x06];
const MTRK = [0x4d, 0x54, 0x72, 0x6b];
/** Tracks a generated file may have: a tune has a tempo track and a few parts. */
export const MAX_TRACKS = 16;
/** Longest text meta event (title, lyric, marker): a runaway text is cut. */
const MAX_TEXT = 64;
/** Bytes of the cheapest way to finish: one event (delta 00, status, two data bytes). */
const EVENT_BYTES = 4;
/** An empty track: MTrk, length, End of Track. */
const EMPTY_TRACK_BYTES = 12;

type Phase =
  | { at: 'header'; i: number }
  | { at: 'track-id'; i: number }
  | { at: 'track-length'; i: number }
  /** A delta time: `i` bytes written so far. */
  | { at: 'delta'; i: number }
  | { at: 'status' }
  /** A channel message's data bytes: `got` of `need`. */
  | { at: 'data'; status: number; need: number; got: number; key: number }
  | { at: 'meta-type' }
  | { at: 'meta-length'; type: number }
  | { at: 'meta-data'; type: number; left: number; index: number }
  | { at: 'done' };

interface State {
  phase: Phase;
  /** Bytes written so far. */
  at: number;
  format: number;
  tracks: number;
  /** Tracks finished (End of Track written). */
  done: number;
  running: number;
  /** Notes sounding in this track between events (during a message: before it). */
  sounding: number;
}

/** Text-like meta types (text, copyright, name, instrument, lyric, marker, cue point). */
const isText = (t: number): boolean => t >= 0x01 && t <= 0x07;
const ALLOWED_META = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x20, 0x21, 0x2f, 0x51, 0x54, 0x58, 0x59]);

/** May this byte be the `index`-th data byte of a fixed-length meta event of `type`? */
function metaDataAllowed(type: number, index: number, b: number): boolean {
  if (isText(type)) return b >= 0x20 && b !== 0x7f; // UTF-8 text (titles such as "Wär Gott…")
  switch (type) {
    case 0x20: return b < 16; // channel prefix
    case 0x21: return b < 0x80; // port
    case 0x51: return true; // tempo: µs per quarter note, any 24-bit value
    case 0x58: return index === 0 ? b >= 1 && b <= 32 : index === 1 ? b <= 6 : index === 2 ? b >= 1 && b < 0x80 : b >= 1 && b <= 32;
    case 0x59: return index === 0 ? b <= 7 || b >= 0xf9 : b <= 1;
    case 0x54: return true;
    default: return false;
  }
}

/** The MIDI grammar (see the header); `budget` is the most bytes the file may have (the window minus the end mark). */
export class MidiConstraint implements ByteConstraint {
  private s: State = { phase: { at: 'header', i: 0 }, at: 0, format: 1, tracks: 1, done: 0, running: 0, sounding: 0 };
  /** channel·128 + key → how many note-ons of it are sounding (a note may be struck again before it ends). */
  private readonly on = new Map<number, number>();
  /** Notes sounding, all keys together. */
  private count = 0;
  /** Where each track's length field starts, and where its events start and end. */
  private readonly chunks: Array<{ lengthAt: number; end: number | null }> = [];
  private free = false;
  private readonly budget: number;
  private maskAt = -1;
  private readonly mask = new Uint8Array(257);

  constructor(opts: { budget?: number } = {}) {
    this.budget = opts.budget ?? Infinity;
  }

  allows(b: number): boolean {
    if (this.free) return true;
    if (this.maskAt !== this.s.at) {
      for (let c = 0; c <= 256; c++) this.mask[c] = this.check(c) ? 1 : 0;
      this.maskAt = this.s.at;
    }
    return this.mask[b] === 1;
  }

  push(b: number): void {
    if (this.free) return;
    const next = this.step(b);
    if (!next) {
      // A byte outside the grammar (a prompt): stop constraining rather than judge what follows it.
      this.free = true;
      return;
    }
    this.apply(b, next);
  }

  relax(): boolean {
    if (this.free) return false;
    this.free = true;
    return true;
  }

  /**
   * The file with each track's length field set to the track's real size (the model wrote those bytes
   * before it knew), and how many it had to correct.
   */
  finish(bytes: Uint8Array): { bytes: Uint8Array; repairs: number } {
    let repairs = 0;
    const out = bytes.slice();
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (const c of this.chunks) {
      if (c.end === null || c.lengthAt + 4 > out.length) continue;
      const length = c.end - (c.lengthAt + 4);
      if (dv.getUint32(c.lengthAt) !== length) {
        dv.setUint32(c.lengthAt, length);
        repairs++;
      }
    }
    return { bytes: out, repairs };
  }

  /** Is `b` allowed now: a legal next byte after which the file can still be finished within the budget? */
  private check(b: number): boolean {
    const next = this.step(b);
    if (!next) return false;
    if (b === END) return true;
    return this.s.at + 1 + this.toFinish(next.phase, next.sounding, next.tracksLeft) <= this.budget;
  }

  /** Bytes the cheapest completion needs from a phase: finish the event, end every note, end this track, add the owed tracks. */
  private toFinish(p: Phase, sounding: number, tracksLeft: number): number {
    const close = sounding * EVENT_BYTES + EVENT_BYTES + tracksLeft * EMPTY_TRACK_BYTES;
    switch (p.at) {
      case 'header': return (HEADER_TOTAL - p.i) + EMPTY_TRACK_BYTES + tracksLeft * EMPTY_TRACK_BYTES;
      case 'track-id': return (4 - p.i) + 4 + close;
      case 'track-length': return (4 - p.i) + close;
      // A delta time (begun or not) needs one more byte, then the event's three: an event's four.
      case 'delta': return close;
      case 'status': return close - 1;
      // `sounding` already counts what the open message will leave sounding.
      case 'data': return p.need - p.got + close;
      // End of Track (2F 00) when nothing sounds; else the shortest other meta event (type, length 1, one byte).
      case 'meta-type': return sounding === 0 ? 2 + tracksLeft * EMPTY_TRACK_BYTES : 3 + close;
      case 'meta-length': return p.type === 0x2f ? 1 + tracksLeft * EMPTY_TRACK_BYTES : 1 + (META_LENGTHS[p.type] ?? 1) + close;
      case 'meta-data': return p.left + close;
      case 'done': return 0;
    }
  }

  /** The state after `b`, or null when `b` breaks the grammar. Sounding counts what will sound once the event completes. */
  private step(b: number): { phase: Phase; sounding: number; tracksLeft: number; format?: number; tracks?: number; running?: number; note?: { key: number; on: boolean } } | null {
    const s = this.s;
    const p = s.phase;
    const left = (done: number) => Math.max(0, s.tracks - done - 1);
    if (p.at === 'done') return b === END ? { phase: p, sounding: 0, tracksLeft: 0 } : null;
    if (b === END) return null;
    switch (p.at) {
      case 'header': {
        const i = p.i;
        let format = s.format;
        let tracks = s.tracks;
        if (i < 8) { if (b !== MTHD[i]) return null; }
        else if (i === 8 || i === 10) { if (b !== 0) return null; }
        else if (i === 9) { if (b > 1) return null; format = b; }
        else if (i === 11) { if (b < 1 || b > MAX_TRACKS || (s.format === 0 && b !== 1)) return null; tracks = b; }
        else if (i === 12) { if (b >= 0x80) return null; } // metrical time, not SMPTE
        else if (i === 13) { if (b === 0 && this.divisionHigh === 0) return null; }
        const phase: Phase = i + 1 < HEADER_TOTAL ? { at: 'header', i: i + 1 } : { at: 'track-id', i: 0 };
        return { phase, sounding: 0, tracksLeft: Math.max(0, tracks - 1), format, tracks };
      }
      case 'track-id':
        if (b !== MTRK[p.i]) return null;
        return { phase: p.i < 3 ? { at: 'track-id', i: p.i + 1 } : { at: 'track-length', i: 0 }, sounding: 0, tracksLeft: left(s.done) };
      case 'track-length':
        // Any bytes: `finish` writes the real length (see the header).
        return { phase: p.i < 3 ? { at: 'track-length', i: p.i + 1 } : { at: 'delta', i: 0 }, sounding: 0, tracksLeft: left(s.done), running: 0 };
      case 'delta':
        if (p.i === 0 && b === 0x80) return null; // a leading 0x80 pads a delta time: not canonical
        if (b >= 0x80 && p.i === 3) return null; // four bytes at most
        return { phase: b >= 0x80 ? { at: 'delta', i: p.i + 1 } : { at: 'status' }, sounding: s.sounding, tracksLeft: left(s.done) };
      case 'status': {
        if (b === 0xff) return { phase: { at: 'meta-type' }, sounding: s.sounding, tracksLeft: left(s.done), running: 0 };
        if (b >= 0x80 && b < 0xf0) return this.channelStart(b);
        if (b < 0x80 && s.running) {
          // Running status: this byte is the message's first data byte.
          const start = this.channelStart(s.running);
          return start && this.channelData(s.running, 0, b);
        }
        return null;
      }
      case 'data':
        return this.channelData(p.status, p.got, b, p.key);
      case 'meta-type':
        if (!ALLOWED_META.has(b)) return null;
        if (b === 0x2f && s.sounding > 0) return null; // end of track only when every note has ended
        return { phase: { at: 'meta-length', type: b }, sounding: s.sounding, tracksLeft: left(s.done) };
      case 'meta-length': {
        const fixed = META_LENGTHS[p.type];
        if (fixed !== undefined ? b !== fixed : !(b <= MAX_TEXT && (isText(p.type) ? b >= 1 : true))) return null;
        if (p.type === 0x2f) {
          const done = s.done + 1;
          return { phase: done >= s.tracks ? { at: 'done' } : { at: 'track-id', i: 0 }, sounding: 0, tracksLeft: left(done) };
        }
        return { phase: b === 0 ? { at: 'delta', i: 0 } : { at: 'meta-data', type: p.type, left: b, index: 0 }, sounding: s.sounding, tracksLeft: left(s.done) };
      }
      case 'meta-data':
        if (!metaDataAllowed(p.type, p.index, b)) return null;
        return { phase: p.left > 1 ? { ...p, left: p.left - 1, index: p.index + 1 } : { at: 'delta', i: 0 }, sounding: s.sounding, tracksLeft: left(s.done) };
    }
    return null;
  }

  /** High byte of the division, kept to refuse a division of zero. */
  private divisionHigh = 0;

  private channelStart(status: number): ReturnType<MidiConstraint['step']> {
    const kind = status & 0xf0;
    const ch = status & 0x0f;
    const onChannel = [...this.on.keys()].some((k) => k >> 7 === ch);
    // A note-off needs a sounding note on its channel.
    if (kind === 0x80 && !onChannel) return null;
    // What the cheapest completion of the message leaves sounding: a note-on ends a sounding note when
    // there is one (velocity 0), else it must start one.
    const n = this.s.sounding;
    const sounding = kind === 0x80 ? n - 1 : kind === 0x90 ? (onChannel ? n - 1 : n + 1) : n;
    return { phase: { at: 'data', status, need: channelDataBytes(status), got: 0, key: -1 }, sounding, tracksLeft: Math.max(0, this.s.tracks - this.s.done - 1), running: status };
  }

  /** The `got`-th data byte `b` of a channel message `status`. */
  private channelData(status: number, got: number, b: number, key = -1): ReturnType<MidiConstraint['step']> {
    if (b >= 0x80) return null;
    const s = this.s;
    const kind = status & 0xf0;
    const ch = status & 0x0f;
    const tracksLeft = Math.max(0, s.tracks - s.done - 1);
    const need = channelDataBytes(status);
    let sounding = s.sounding;
    let note: { key: number; on: boolean } | undefined;
    if ((kind === 0x80 || kind === 0x90) && got === 0) {
      const id = (ch << 7) | b;
      if (kind === 0x80 && !this.on.has(id)) return null;
      // Cheapest: a note-off (velocity 0) for a sounding key; a key not sounding can only be struck.
      sounding = kind === 0x80 || this.on.has(id) ? s.sounding - 1 : s.sounding + 1;
      key = b;
    } else if ((kind === 0x80 || kind === 0x90) && got === 1) {
      const sounds = this.on.has((ch << 7) | key);
      // Velocity 0 ends a note, so it needs a sounding one; a sounding note may be struck again.
      const strike = kind === 0x90 && b > 0;
      if (!strike && !sounds) return null;
      sounding = s.sounding + (strike ? 1 : -1);
      note = { key: (ch << 7) | key, on: strike };
    }
    const phase: Phase = got + 1 < need ? { at: 'data', status, need, got: got + 1, key } : { at: 'delta', i: 0 };
    // While the message is open, `s.sounding` still counts the old notes: pass the count it will have.
    return { phase, sounding, tracksLeft, running: status, note };
  }

  private apply(b: number, next: NonNullable<ReturnType<MidiConstraint['step']>>): void {
    const s = this.s;
    const p = s.phase;
    if (p.at === 'header' && p.i === 12) this.divisionHigh = b;
    if (p.at === 'track-length' && p.i === 0) this.chunks.push({ lengthAt: s.at, end: null });
    if (next.format !== undefined) s.format = next.format;
    if (next.tracks !== undefined) s.tracks = next.tracks;
    if (next.running !== undefined) s.running = next.running;
    if (next.note) {
      const n = (this.on.get(next.note.key) ?? 0) + (next.note.on ? 1 : -1);
      if (n > 0) this.on.set(next.note.key, n);
      else this.on.delete(next.note.key);
      this.count += next.note.on ? 1 : -1;
    }
    if (p.at === 'meta-length' && p.type === 0x2f) {
      s.done += 1;
      const last = this.chunks[this.chunks.length - 1];
      if (last) last.end = s.at + 1;
    }
    // The count the state keeps is the notes sounding between events.
    s.sounding = next.phase.at === 'delta' || next.phase.at === 'track-id' || next.phase.at === 'done' ? this.count : s.sounding;
    s.phase = next.phase;
    s.at += 1;
  }
}

const HEADER_TOTAL = 14;
