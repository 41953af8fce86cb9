// Standard MIDI File validation and repair (SMF 1.0 spec, MMA/AMEI): walks the MThd/MTrk chunks event
// by event and judges the structure, not only whether a parser copes: every chunk length matches its
// events, every track ends with End of Track (FF 2F 00) and nothing follows it in the chunk, running
// status follows a channel message only, data bytes stay below 0x80, delta times are at most four bytes
// (so time only moves forward, by at most 2^28 − 1 ticks an event), the meta events whose length the
// spec fixes have it, and no note is left sounding at the end of its track. Repairs: wrong chunk
// lengths, a wrong track count, a missing End of Track (a truncated file is cut at its last whole
// event) and notes left hanging (note-offs added before the end). @tonejs/midi then parses the result
// as the final word.
import * as toneMidi from '@tonejs/midi';
import { namedExport } from './interop';
import { ascii, fixedOrValid, invalid, view, type Verdict } from './verdict';

const Midi = namedExport(toneMidi, 'Midi');

const END_OF_TRACK = [0x00, 0xff, 0x2f, 0x00];
const HEADER_BYTES = 14;
/** Meta events whose data length the SMF spec fixes: end of track, tempo, SMPTE offset, time and key signature, channel prefix, port. */
export const META_LENGTHS: Readonly<Record<number, number>> = { 0x2f: 0, 0x51: 3, 0x54: 5, 0x58: 4, 0x59: 2, 0x20: 1, 0x21: 1 };

/** What the walk found in one track. */
interface TrackScan {
  end: number;
  hasEnd: boolean;
  /** Note-ons with velocity > 0. */
  notes: number;
  /** Notes still sounding where the track ends, as [channel, key]. */
  hanging: Array<[number, number]>;
}

type Vlq = { value: number; next: number } | { overlong: true } | null;

/** Reads a variable-length quantity (at most 4 bytes); null when it runs past `limit`, overlong past 4 bytes. */
function readVlq(b: Uint8Array, at: number, limit: number): Vlq {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (at + i >= limit) return null;
    value = (value << 7) | (b[at + i] & 0x7f);
    if ((b[at + i] & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return { overlong: true };
}

/** Bytes of data after a channel status byte (Program Change and Channel Pressure take one). */
export const channelDataBytes = (status: number): number => ((status & 0xf0) === 0xc0 || (status & 0xf0) === 0xd0 ? 1 : 2);

/**
 * Scans events from `start` up to `limit`. Stops after End of Track, before an event that runs past
 * `limit` (a truncated file), and, when looking for where a broken track ends (`findNext`), at the
 * start of the next 'MTrk': `end` is then the last complete event boundary. Inside a chunk whose length
 * is trusted, 'MTrk' is just four data bytes (a delta and a running-status note can spell it). A byte
 * sequence that is no event at all is an error.
 */
function scanTrack(b: Uint8Array, start: number, limit: number, findNext: boolean): TrackScan | { error: string } {
  let at = start;
  let running = 0;
  let notes = 0;
  const sounding = new Map<number, number>(); // channel * 128 + key → open note-ons
  const done = (end: number, hasEnd: boolean): TrackScan => ({
    end, hasEnd, notes, hanging: [...sounding].flatMap(([k, n]) => Array<[number, number]>(n).fill([k >> 7, k & 0x7f])),
  });
  while (at < limit) {
    if (findNext && at + 4 <= limit && ascii(b, at, 4) === 'MTrk') return done(at, false);
    const delta = readVlq(b, at, limit);
    if (delta && 'overlong' in delta) return { error: `delta time longer than 4 bytes at offset ${at}` };
    if (!delta || delta.next >= limit) return done(at, false);
    let p = delta.next;
    let status = b[p];
    if (status >= 0x80) p++;
    else if (running) status = running;
    else return { error: `no status byte at offset ${p}` };
    let next: number;
    if (status === 0xff || status === 0xf0 || status === 0xf7) {
      const lenAt = status === 0xff ? p + 1 : p;
      if (status === 0xff && lenAt > limit) return done(at, false);
      if (status === 0xff && b[p] >= 0x80) return { error: `meta event type ${b[p].toString(16)} at offset ${p} is not below 0x80` };
      const len = readVlq(b, lenAt, limit);
      if (len && 'overlong' in len) return { error: `event length longer than 4 bytes at offset ${lenAt}` };
      if (!len) return done(at, false);
      const fixed = status === 0xff ? META_LENGTHS[b[p]] : undefined;
      if (fixed !== undefined && len.value !== fixed) return { error: `meta event ${b[p].toString(16)} at offset ${p - 1} has length ${len.value}, the spec says ${fixed}` };
      next = len.next + len.value;
      running = 0; // meta and sysex events cancel running status (SMF 1.0)
      if (next <= limit && status === 0xff && b[p] === 0x2f) return done(next, true);
    } else if (status >= 0x80 && status < 0xf0) {
      next = p + channelDataBytes(status);
      if (b.subarray(p, Math.min(next, limit)).some((v) => v >= 0x80)) return { error: `bad data byte after status ${status.toString(16)} at offset ${p}` };
      if (next <= limit) {
        const kind = status & 0xf0;
        const key = ((status & 0x0f) << 7) | b[p];
        if (kind === 0x90 && b[p + 1] > 0) {
          notes++;
          sounding.set(key, (sounding.get(key) ?? 0) + 1);
        } else if (kind === 0x80 || kind === 0x90) {
          const open = sounding.get(key) ?? 0;
          if (open > 1) sounding.set(key, open - 1);
          else sounding.delete(key);
        }
      }
      running = status;
    } else {
      return { error: `system message ${status.toString(16)} is not allowed in a file (offset ${p - 1})` };
    }
    if (next > limit) return done(at, false);
    at = next;
  }
  return done(at, false);
}

/** Note-offs (delta 0, note-on velocity 0) for notes left sounding. */
function noteOffs(hanging: Array<[number, number]>): number[] {
  return hanging.flatMap(([ch, key]) => [0x00, 0x80 | ch, key, 0x00]);
}

interface Track { events: Uint8Array; next: number; notes: number }

/** Event bytes of one track: the declared chunk when it is consistent, else what scanning finds. */
function readTrack(b: Uint8Array, at: number, index: number, fixes: string[]): Track | { error: string } {
  const declared = view(b).getUint32(at + 4);
  const start = at + 8;
  if (start + declared <= b.length) {
    const inChunk = scanTrack(b, start, start + declared, false);
    if ('end' in inChunk && inChunk.hasEnd && inChunk.end === start + declared && inChunk.hanging.length === 0) {
      return { events: b.subarray(start, start + declared), next: start + declared, notes: inChunk.notes };
    }
  }
  const scan = scanTrack(b, start, b.length, true);
  if ('error' in scan) return { error: `track ${index + 1}: ${scan.error}` };
  let events = b.subarray(start, scan.end);
  if (scan.hanging.length > 0) {
    // The end of track goes after the added note-offs.
    const body = scan.hasEnd ? events.subarray(0, events.length - END_OF_TRACK.length) : events;
    const tail = scan.hasEnd ? events.subarray(events.length - END_OF_TRACK.length) : new Uint8Array(0);
    events = concat([body, Uint8Array.from(noteOffs(scan.hanging)), tail]);
    fixes.push(`track ${index + 1}: ${scan.hanging.length} note${scan.hanging.length === 1 ? '' : 's'} left sounding; added note-offs`);
  }
  if (!scan.hasEnd) {
    events = concat([events, Uint8Array.from(END_OF_TRACK)]);
    fixes.push(`track ${index + 1}: added a missing end of track`);
  }
  if (events.length !== declared) fixes.push(`track ${index + 1}: length field said ${declared}, the track has ${events.length} bytes`);
  return { events, next: scan.end, notes: scan.notes };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function chunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  view(out).setUint32(4, body.length);
  out.set(body, 8);
  return out;
}

/** The structure of a MIDI file as the validator walked it (after its repairs). */
export interface MidiStructure {
  verdict: Verdict;
  tracks: number;
  /** Note-ons (velocity > 0) over all tracks. */
  notes: number;
}

/** Walks a Standard MIDI File: the verdict, its tracks and how many notes they play. */
export function midiStructure(bytes: Uint8Array): MidiStructure {
  const none = (reason: string): MidiStructure => ({ verdict: invalid(reason), tracks: 0, notes: 0 });
  if (bytes.length < HEADER_BYTES || ascii(bytes, 0, 4) !== 'MThd') return none('not a MIDI file: no MThd header');
  const headerLength = view(bytes).getUint32(4);
  if (headerLength < 6 || 8 + headerLength > bytes.length) return none(`MThd length ${headerLength} is impossible`);
  const header = bytes.slice(8, 8 + headerLength);
  const format = view(header).getUint16(0);
  if (format > 2) return none(`MIDI format ${format} does not exist (0, 1 or 2)`);
  if (view(header).getUint16(4) === 0) return none('the header gives 0 ticks per quarter note');
  const fixes: string[] = [];
  const tracks: Uint8Array[] = [];
  let notes = 0;
  let at = 8 + headerLength;
  while (at < bytes.length) {
    if (bytes.length - at < 8 || ascii(bytes, at, 4) !== 'MTrk') {
      fixes.push(`dropped ${bytes.length - at} bytes that are no MTrk chunk at offset ${at}`);
      break;
    }
    const track = readTrack(bytes, at, tracks.length, fixes);
    if ('error' in track) return none(track.error);
    tracks.push(track.events);
    notes += track.notes;
    at = track.next;
  }
  if (tracks.length === 0) return none('no MTrk chunk');
  const declaredTracks = view(header).getUint16(2);
  if (declaredTracks !== tracks.length) {
    view(header).setUint16(2, tracks.length);
    fixes.push(`header said ${declaredTracks} tracks, the file has ${tracks.length}`);
  }
  if (format === 0 && tracks.length > 1) {
    view(header).setUint16(0, 1);
    fixes.push(`format 0 holds one track, the file has ${tracks.length}: made it format 1`);
  }
  const out = fixes.length ? concat([chunk('MThd', header), ...tracks.map((t) => chunk('MTrk', t))]) : bytes;
  try {
    new Midi(out);
  } catch (err) {
    return none(`@tonejs/midi cannot parse it: ${(err as Error).message}`);
  }
  return { verdict: fixedOrValid(fixes, out), tracks: tracks.length, notes };
}

export function validateMidi(bytes: Uint8Array): Verdict {
  return midiStructure(bytes).verdict;
}
