// Standard MIDI File validation and repair (SMF 1.0 spec, MMA/AMEI): walks the MThd/MTrk chunks event
// by event, fixes wrong chunk lengths, a wrong track count and a missing End of Track (FF 2F 00),
// then has @tonejs/midi parse the result as the final word.
import * as toneMidi from '@tonejs/midi';
import { namedExport } from './interop';
import { ascii, fixedOrValid, invalid, view, type Verdict } from './verdict';

const Midi = namedExport(toneMidi, 'Midi');

const END_OF_TRACK = [0x00, 0xff, 0x2f, 0x00];
const HEADER_BYTES = 14;

type TrackScan = { end: number; hasEnd: boolean } | { error: string };

/** Reads a variable-length quantity (at most 4 bytes); null when it runs past `limit`. */
function readVlq(b: Uint8Array, at: number, limit: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 4 && at + i < limit; i++) {
    value = (value << 7) | (b[at + i] & 0x7f);
    if ((b[at + i] & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return null;
}

/** Bytes of data after a channel status byte (Program Change and Channel Pressure take one). */
const channelDataBytes = (status: number): number => ((status & 0xf0) === 0xc0 || (status & 0xf0) === 0xd0 ? 1 : 2);

/**
 * Scans events from `start` up to `limit`. Stops after End of Track, at the start of the next
 * 'MTrk', or before an event that runs past `limit` (a truncated file): `end` is then the last
 * complete event boundary. A byte sequence that is no event at all is an error.
 */
function scanTrack(b: Uint8Array, start: number, limit: number): TrackScan {
  let at = start;
  let running = 0;
  while (at < limit) {
    if (at + 4 <= limit && ascii(b, at, 4) === 'MTrk') return { end: at, hasEnd: false };
    const delta = readVlq(b, at, limit);
    if (!delta || delta.next >= limit) return { end: at, hasEnd: false };
    let p = delta.next;
    let status = b[p];
    if (status >= 0x80) p++;
    else if (running) status = running;
    else return { error: `no status byte at offset ${p}` };
    let next: number;
    if (status === 0xff || status === 0xf0 || status === 0xf7) {
      const lenAt = status === 0xff ? p + 1 : p;
      const len = readVlq(b, lenAt, limit);
      if (!len) return { end: at, hasEnd: false };
      next = len.next + len.value;
      running = 0;
      if (next <= limit && status === 0xff && b[p] === 0x2f) return { end: next, hasEnd: true };
    } else if (status >= 0x80 && status < 0xf0) {
      next = p + channelDataBytes(status);
      if (b.subarray(p, Math.min(next, limit)).some((v) => v >= 0x80)) return { error: `bad data byte after status ${status.toString(16)} at offset ${p}` };
      running = status;
    } else {
      return { error: `system message ${status.toString(16)} is not allowed in a file (offset ${p - 1})` };
    }
    if (next > limit) return { end: at, hasEnd: false };
    at = next;
  }
  return { end: at, hasEnd: false };
}

/** Event bytes of one track: the declared chunk when it is consistent, else what scanning finds. */
function readTrack(b: Uint8Array, at: number, index: number, fixes: string[]): { events: Uint8Array; next: number } | { error: string } {
  const declared = view(b).getUint32(at + 4);
  const start = at + 8;
  if (start + declared <= b.length) {
    const inChunk = scanTrack(b, start, start + declared);
    if ('end' in inChunk && inChunk.hasEnd && inChunk.end === start + declared) return { events: b.subarray(start, start + declared), next: start + declared };
  }
  const scan = scanTrack(b, start, b.length);
  if ('error' in scan) return { error: `track ${index + 1}: ${scan.error}` };
  let events = b.subarray(start, scan.end);
  if (!scan.hasEnd) {
    events = concat([events, Uint8Array.from(END_OF_TRACK)]);
    fixes.push(`track ${index + 1}: added a missing end of track`);
  }
  if (events.length !== declared) fixes.push(`track ${index + 1}: length field said ${declared}, the track has ${events.length} bytes`);
  return { events, next: scan.end };
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

export function validateMidi(bytes: Uint8Array): Verdict {
  if (bytes.length < HEADER_BYTES || ascii(bytes, 0, 4) !== 'MThd') return invalid('not a MIDI file: no MThd header');
  const headerLength = view(bytes).getUint32(4);
  if (headerLength < 6 || 8 + headerLength > bytes.length) return invalid(`MThd length ${headerLength} is impossible`);
  const header = bytes.slice(8, 8 + headerLength);
  const fixes: string[] = [];
  const tracks: Uint8Array[] = [];
  let at = 8 + headerLength;
  while (at < bytes.length) {
    if (bytes.length - at < 8 || ascii(bytes, at, 4) !== 'MTrk') {
      fixes.push(`dropped ${bytes.length - at} bytes that are no MTrk chunk at offset ${at}`);
      break;
    }
    const track = readTrack(bytes, at, tracks.length, fixes);
    if ('error' in track) return invalid(track.error);
    tracks.push(track.events);
    at = track.next;
  }
  if (tracks.length === 0) return invalid('no MTrk chunk');
  const declaredTracks = view(header).getUint16(2);
  if (declaredTracks !== tracks.length) {
    view(header).setUint16(2, tracks.length);
    fixes.push(`header said ${declaredTracks} tracks, the file has ${tracks.length}`);
  }
  const out = fixes.length ? concat([chunk('MThd', header), ...tracks.map((t) => chunk('MTrk', t))]) : bytes;
  try {
    new Midi(out);
  } catch (err) {
    return invalid(`@tonejs/midi cannot parse it: ${(err as Error).message}`);
  }
  return fixedOrValid(fixes, out);
}
