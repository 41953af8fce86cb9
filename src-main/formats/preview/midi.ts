// MIDI view model: tracks and notes of a Standard MIDI File (SMF 1.0 spec, MIDI Manufacturers
// Association) with the byte span of every note's events, so per-byte surprisal can colour notes.
// The reader is tolerant: it keeps every event read before a problem and reports where and why it stopped.
import toneMidi from '@tonejs/midi';
import { issue, type ByteSpan, type ParseIssue } from './types';

export interface MidiNote {
  /** MIDI key number 0..127. */
  midi: number;
  time: number;
  duration: number;
  /** 0..1 */
  velocity: number;
  channel: number;
  ticks: number;
  durationTicks: number;
  /** The note-on event (delta time, status, key, velocity). */
  on: ByteSpan;
  /** The note-off event, or null when the track ended with the note still sounding. */
  off: ByteSpan | null;
}

export interface MidiTrackView {
  index: number;
  name: string;
  /** General MIDI program of the first program change (0 when none). */
  program: number;
  notes: MidiNote[];
  /** The track chunk's bytes. */
  span: ByteSpan;
}

export interface MidiView {
  format: number;
  ppq: number;
  /** Tempo of the file's first tempo event (120 when none). */
  bpm: number;
  durationSeconds: number;
  tracks: MidiTrackView[];
  noteCount: number;
  issues: ParseIssue[];
}

/** SMF default when no tempo event is present: 500 000 µs per quarter note = 120 BPM. */
const DEFAULT_US_PER_QUARTER = 500_000;
/** Events that can follow a status byte, by high nibble: data byte count (running status aware). */
const DATA_BYTES: Record<number, number> = { 0x8: 2, 0x9: 2, 0xa: 2, 0xb: 2, 0xc: 1, 0xd: 1, 0xe: 2 };

interface RawEvent {
  ticks: number;
  span: ByteSpan;
  kind: 'on' | 'off' | 'tempo' | 'name' | 'program' | 'end' | 'other';
  channel: number;
  key: number;
  value: number;
  text: string;
}

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw issue(`${what} runs past the end of its chunk`, this.pos);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }
  /** Variable-length quantity: 7 bits per byte, at most 4 bytes (SMF §1.1). */
  vlq(what: string): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.u8(what);
      value = value * 128 + (b & 0x7f);
      if (!(b & 0x80)) return value;
    }
    throw issue(`${what}: variable-length number longer than 4 bytes`, this.pos);
  }
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function readMeta(r: Reader, ev: RawEvent): void {
  const type = r.u8('meta event type');
  const len = r.vlq('meta event length');
  r.need(len, 'meta event data');
  const data = r.bytes.subarray(r.pos, r.pos + len);
  r.pos += len;
  if (type === 0x51 && len === 3) {
    ev.kind = 'tempo';
    ev.value = (data[0] << 16) | (data[1] << 8) | data[2];
  } else if (type === 0x03) {
    ev.kind = 'name';
    ev.text = new TextDecoder('latin1').decode(data);
  } else if (type === 0x2f) {
    ev.kind = 'end';
  }
}

function readChannelEvent(r: Reader, status: number, ev: RawEvent): void {
  const n = DATA_BYTES[status >> 4];
  const a = r.u8('event data') & 0x7f;
  const b = n === 2 ? r.u8('event data') & 0x7f : 0;
  ev.channel = status & 0x0f;
  const high = status >> 4;
  if (high === 0x9 && b > 0) Object.assign(ev, { kind: 'on', key: a, value: b });
  else if (high === 0x8 || high === 0x9) Object.assign(ev, { kind: 'off', key: a, value: b });
  else if (high === 0xc) Object.assign(ev, { kind: 'program', value: a });
}

function skipSysex(r: Reader): void {
  const len = r.vlq('sysex length');
  r.need(len, 'sysex data');
  r.pos += len;
}

function isIssue(e: unknown): e is ParseIssue {
  return typeof e === 'object' && e !== null && 'message' in e && 'offset' in e && !(e instanceof Error);
}

/** Reads the events of one MTrk chunk; stops at the first malformed event and reports it. */
function readTrack(bytes: Uint8Array, start: number, end: number, index: number, issues: ParseIssue[]): RawEvent[] {
  const r = new Reader(bytes, start, end);
  const events: RawEvent[] = [];
  let ticks = 0;
  let running = 0;
  try {
    while (r.pos < end) {
      const ev: RawEvent = { ticks: 0, span: { start: r.pos, end: r.pos }, kind: 'other', channel: 0, key: 0, value: 0, text: '' };
      ticks += r.vlq('delta time');
      ev.ticks = ticks;
      r.need(1, 'event');
      let status = bytes[r.pos];
      if (status >= 0x80) r.pos++;
      else if (running) status = running;
      else throw issue(`data byte 0x${status.toString(16)} with no running status`, r.pos);
      if (status === 0xff) readMeta(r, ev);
      else if (status === 0xf0 || status === 0xf7) skipSysex(r);
      else if (status >= 0xf0) throw issue(`status 0x${status.toString(16)} is not allowed in a file`, r.pos - 1);
      else {
        running = status;
        readChannelEvent(r, status, ev);
      }
      ev.span.end = r.pos;
      events.push(ev);
      if (ev.kind === 'end') break;
    }
  } catch (e) {
    if (!isIssue(e)) throw e;
    const found = e;
    issues.push(issue(`track ${index}: ${found.message}; kept ${events.length} events`, found.offset));
  }
  return events;
}

/** Seconds at each tick from the tempo events of all tracks (SMF: tempo lives in the conductor track). */
function tempoMap(events: RawEvent[], ppq: number): (ticks: number) => number {
  const changes = events.filter((e) => e.kind === 'tempo').sort((a, b) => a.ticks - b.ticks);
  const points: { ticks: number; seconds: number; usPerQuarter: number }[] = [{ ticks: 0, seconds: 0, usPerQuarter: DEFAULT_US_PER_QUARTER }];
  for (const c of changes) {
    const last = points[points.length - 1];
    const seconds = last.seconds + ((c.ticks - last.ticks) * last.usPerQuarter) / 1e6 / ppq;
    points.push({ ticks: c.ticks, seconds, usPerQuarter: c.value });
  }
  return (ticks) => {
    let lo = 0; // binary search: the last tempo point at or before `ticks`
    let hi = points.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (points[mid].ticks <= ticks) lo = mid;
      else hi = mid - 1;
    }
    const p = points[lo];
    return p.seconds + ((ticks - p.ticks) * p.usPerQuarter) / 1e6 / ppq;
  };
}

/** Pairs each note-on with the first later note-off of the same channel and key (as @tonejs/midi does). */
function pairNotes(events: RawEvent[], seconds: (ticks: number) => number, trackEnd: number): MidiNote[] {
  const open = new Map<number, RawEvent[]>();
  const notes: MidiNote[] = [];
  const finish = (on: RawEvent, offTicks: number, off: ByteSpan | null): void => {
    const time = seconds(on.ticks);
    notes.push({
      midi: on.key, time, duration: seconds(offTicks) - time, velocity: on.value / 127, channel: on.channel,
      ticks: on.ticks, durationTicks: offTicks - on.ticks, on: on.span, off,
    });
  };
  for (const e of events) {
    const id = e.channel * 128 + e.key;
    if (e.kind === 'on') {
      const queue = open.get(id);
      if (queue) queue.push(e);
      else open.set(id, [e]);
    }
    else if (e.kind === 'off') {
      const on = open.get(id)?.shift();
      if (on) finish(on, e.ticks, e.span);
    }
  }
  for (const pending of open.values()) for (const on of pending) finish(on, trackEnd, null);
  return notes.sort((a, b) => a.ticks - b.ticks || a.midi - b.midi);
}

function readHeader(bytes: Uint8Array, issues: ParseIssue[]): { format: number; ppq: number; next: number } | null {
  if (bytes.length < 14 || tag(bytes, 0) !== 'MThd') {
    issues.push(issue('not a MIDI file: it does not start with an MThd header chunk', 0));
    return null;
  }
  const format = (bytes[8] << 8) | bytes[9];
  const division = (bytes[12] << 8) | bytes[13];
  if (division & 0x8000) {
    issues.push(issue('SMPTE time division is not supported; timing is shown as 480 ticks per quarter', 12));
    return { format, ppq: 480, next: 8 + u32(bytes, 4) };
  }
  if (division === 0) issues.push(issue('time division is 0 ticks per quarter; using 480', 12));
  return { format, ppq: division || 480, next: 8 + u32(bytes, 4) };
}

/** Parses as much of a MIDI file as it can: every complete event of every readable track. */
export function parseMidi(bytes: Uint8Array): MidiView {
  const issues: ParseIssue[] = [];
  const header = readHeader(bytes, issues);
  if (!header) return { format: 0, ppq: 480, bpm: 120, durationSeconds: 0, tracks: [], noteCount: 0, issues };
  const chunks: { events: RawEvent[]; span: ByteSpan }[] = [];
  let at = header.next;
  while (at + 8 <= bytes.length) {
    const len = u32(bytes, at + 4);
    const end = Math.min(at + 8 + len, bytes.length);
    if (at + 8 + len > bytes.length) issues.push(issue(`chunk at byte ${at} claims ${len} bytes but the file ends after ${end - at - 8}`, bytes.length));
    if (tag(bytes, at) === 'MTrk') chunks.push({ events: readTrack(bytes, at + 8, end, chunks.length, issues), span: { start: at, end } });
    at = end;
  }
  if (at < bytes.length) issues.push(issue(`${bytes.length - at} trailing bytes after the last chunk`, at));
  if (chunks.length === 0) issues.push(issue('no MTrk track chunk found', header.next));
  const seconds = tempoMap(chunks.flatMap((c) => c.events), header.ppq);
  const tracks = chunks.map((c, index) => trackView(c.events, c.span, index, seconds));
  const firstTempo = chunks.flatMap((c) => c.events).filter((e) => e.kind === 'tempo').sort((a, b) => a.ticks - b.ticks)[0];
  // a loop, not Math.max(...notes): spreading 100k+ arguments overflows the call stack
  const durationSeconds = tracks.reduce((d, t) => t.notes.reduce((m, n) => Math.max(m, n.time + n.duration), d), 0);
  const bpm = 60e6 / (firstTempo?.value || DEFAULT_US_PER_QUARTER);
  return { format: header.format, ppq: header.ppq, bpm, durationSeconds, tracks, noteCount: tracks.reduce((s, t) => s + t.notes.length, 0), issues };
}

function trackView(events: RawEvent[], span: ByteSpan, index: number, seconds: (ticks: number) => number): MidiTrackView {
  const lastTicks = events.length ? events[events.length - 1].ticks : 0;
  return {
    index,
    name: events.find((e) => e.kind === 'name')?.text ?? '',
    program: events.find((e) => e.kind === 'program')?.value ?? 0,
    notes: pairNotes(events, seconds, lastTicks),
    span,
  };
}

/** What the player needs of a note: when, what, and the track (index into `tracks` of
 *  playbackNotes) whose channel and GM program choose its voice. */
export interface PlayableNote {
  midi: number;
  time: number;
  duration: number;
  velocity: number;
  track: number;
  channel: number;
  program: number;
}

/** A track as the player mixes it (mute/solo work on these). */
export interface PlayableTrack {
  name: string;
  channel: number;
  program: number;
  noteCount: number;
}

/** Notes to play: @tonejs/midi's reading of the file when it accepts it (the reference reading; it
 *  drops an empty conductor track and splits tracks mixing channels, so its tracks are the mixer's),
 *  else the tolerant reader's, so a damaged generated file still plays what could be parsed. */
export function playbackNotes(bytes: Uint8Array, view: MidiView): { notes: PlayableNote[]; tracks: PlayableTrack[]; source: '@tonejs/midi' | 'tolerant' } {
  try {
    const midi = new toneMidi.Midi(bytes);
    const tracks = midi.tracks.map((t) => ({ name: t.name, channel: t.channel, program: t.instrument.number, noteCount: t.notes.length }));
    const notes = midi.tracks.flatMap((t, track) =>
      t.notes.map((n) => ({ midi: n.midi, time: n.time, duration: n.duration, velocity: n.velocity, track, channel: t.channel, program: t.instrument.number })),
    );
    return { notes, tracks, source: '@tonejs/midi' };
  } catch {
    const tracks = view.tracks.map((t) => ({ name: t.name, channel: t.notes[0]?.channel ?? 0, program: t.program, noteCount: t.notes.length }));
    const notes = view.tracks.flatMap((t, track) =>
      t.notes.map((n) => ({ midi: n.midi, time: n.time, duration: n.duration, velocity: n.velocity, track, channel: n.channel, program: t.program })),
    );
    return { notes, tracks, source: 'tolerant' };
  }
}

/**
 * For each playback track (playbackNotes: @tonejs/midi splits a format-0 file by channel and drops an
 * empty conductor track, so its tracks are not the file's), the index of the file track in `view`
 * that holds its first note: the mixer's colour chips then match the piano roll's notes. A track
 * without notes keeps its own index.
 */
export function playbackTrackOrigins(notes: readonly PlayableNote[], trackCount: number, view: MidiView): number[] {
  const TIME_SLACK = 1e-3;
  return Array.from({ length: trackCount }, (_, track) => {
    const first = notes.find((n) => n.track === track);
    if (!first) return track;
    const hit = view.tracks.findIndex((t) => t.notes.some((n) => n.midi === first.midi && Math.abs(n.time - first.time) < TIME_SLACK));
    return hit < 0 ? track : hit;
  });
}
