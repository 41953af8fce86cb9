// WAV view model: RIFF/WAVE chunks (Microsoft RIFF spec; PCM 8/16/24/32-bit and IEEE float 32),
// samples of the first channel as floats, and min/max peaks per column at any zoom with the byte span
// each column covers (so surprisal can colour spans of the waveform).
import { issue, type ByteSpan, type ParseIssue } from './types';

export interface WavView {
  /** 1 = PCM integer, 3 = IEEE float; 0 when no fmt chunk was read. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Frames (one sample per channel) present in the file. */
  frames: number;
  durationSeconds: number;
  /** Where the sample data starts and ends in the file. */
  data: ByteSpan;
  /** First channel, scaled to -1..1. */
  samples: Float32Array;
  issues: ParseIssue[];
}

export interface PeakColumn {
  min: number;
  max: number;
  /** Bytes of all channels of the frames this column covers. */
  span: ByteSpan;
}

const PCM = 1;
const IEEE_FLOAT = 3;
/** WAVE_FORMAT_EXTENSIBLE: the real format tag sits in the first two bytes of the sub-format GUID. */
const EXTENSIBLE = 0xfffe;

interface Fmt {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function readFmt(dv: DataView, at: number, len: number, issues: ParseIssue[]): Fmt | null {
  if (len < 16) {
    issues.push(issue(`fmt chunk is ${len} bytes; at least 16 are needed`, at));
    return null;
  }
  let formatTag = dv.getUint16(at, true);
  if (formatTag === EXTENSIBLE && len >= 26) formatTag = dv.getUint16(at + 24, true);
  return { formatTag, channels: dv.getUint16(at + 2, true), sampleRate: dv.getUint32(at + 4, true), bitsPerSample: dv.getUint16(at + 14, true) };
}

function unsupported(fmt: Fmt): string | null {
  if (fmt.channels === 0) return 'fmt chunk says 0 channels';
  if (fmt.sampleRate === 0) return 'fmt chunk says a sample rate of 0 Hz';
  if (fmt.formatTag === PCM && [8, 16, 24, 32].includes(fmt.bitsPerSample)) return null;
  if (fmt.formatTag === IEEE_FLOAT && fmt.bitsPerSample === 32) return null;
  return `format tag ${fmt.formatTag} with ${fmt.bitsPerSample}-bit samples is not supported (PCM 8/16/24/32 or float 32)`;
}

/** One sample at byte `at`, scaled to -1..1 (8-bit WAV is unsigned, the rest signed little-endian). */
function sampleAt(dv: DataView, at: number, fmt: Fmt): number {
  if (fmt.formatTag === IEEE_FLOAT) return dv.getFloat32(at, true);
  switch (fmt.bitsPerSample) {
    case 8: return (dv.getUint8(at) - 128) / 128;
    case 16: return dv.getInt16(at, true) / 32768;
    case 24: return ((dv.getUint8(at + 2) << 24) | (dv.getUint8(at + 1) << 16) | (dv.getUint8(at) << 8)) / 2147483648;
    default: return dv.getInt32(at, true) / 2147483648;
  }
}

function decode(dv: DataView, data: ByteSpan, fmt: Fmt): Float32Array {
  const frameBytes = (fmt.bitsPerSample / 8) * fmt.channels;
  const frames = Math.floor((data.end - data.start) / frameBytes);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = sampleAt(dv, data.start + i * frameBytes, fmt);
  return out;
}

function empty(issues: ParseIssue[], fmt: Fmt | null = null): WavView {
  return { formatTag: fmt?.formatTag ?? 0, channels: fmt?.channels ?? 0, sampleRate: fmt?.sampleRate ?? 0, bitsPerSample: fmt?.bitsPerSample ?? 0,
    frames: 0, durationSeconds: 0, data: { start: 0, end: 0 }, samples: new Float32Array(0), issues };
}

/** Walks the RIFF chunks, keeping fmt and the first data chunk (clipped to the file when it claims more). */
function findChunks(bytes: Uint8Array, dv: DataView, issues: ParseIssue[]): { fmt: Fmt | null; data: ByteSpan | null } {
  let fmt: Fmt | null = null;
  let data: ByteSpan | null = null;
  let at = 12;
  while (at + 8 <= bytes.length && !data) {
    const len = dv.getUint32(at + 4, true);
    const id = ascii(bytes, at);
    const end = Math.min(at + 8 + len, bytes.length);
    if (at + 8 + len > bytes.length) issues.push(issue(`${id} chunk claims ${len} bytes but only ${end - at - 8} remain`, bytes.length));
    if (id === 'fmt ') fmt = readFmt(dv, at + 8, end - at - 8, issues);
    else if (id === 'data') data = { start: at + 8, end };
    at = end + (len & 1); // chunks are padded to even length
  }
  return { fmt, data };
}

/** Parses a WAV file as far as it can. */
export function parseWav(bytes: Uint8Array): WavView {
  const issues: ParseIssue[] = [];
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    return empty([issue('not a WAV file: it does not start with RIFF....WAVE', 0)]);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { fmt, data } = findChunks(bytes, dv, issues);
  if (!fmt) return empty([...issues, issue('no readable fmt chunk before the sample data', 12)]);
  const why = unsupported(fmt);
  if (why) return empty([...issues, issue(why, 20)], fmt);
  if (!data) return empty([...issues, issue('no data chunk: the file holds no samples', bytes.length)], fmt);
  const frameBytes = (fmt.bitsPerSample / 8) * fmt.channels;
  if ((data.end - data.start) % frameBytes) issues.push(issue(`data ends inside a frame: ${(data.end - data.start) % frameBytes} bytes left over`, data.end));
  const samples = decode(dv, data, fmt);
  return { ...fmt, frames: samples.length, durationSeconds: samples.length / fmt.sampleRate, data, samples, issues };
}

/** Min/max of `count` columns of `framesPerColumn` frames each (fractional, at least 1), starting at
 *  column `first`; a fractional width lets the waveform fill the canvas exactly. */
export function wavPeaks(view: WavView, framesPerColumn: number, first: number, count: number): PeakColumn[] {
  const frameBytes = (view.bitsPerSample / 8) * view.channels;
  const step = Math.max(1, framesPerColumn);
  const columns: PeakColumn[] = [];
  for (let c = first; c < first + count; c++) {
    const from = Math.floor(c * step);
    const to = Math.min(Math.floor((c + 1) * step), view.frames);
    if (from >= to) break;
    let min = Infinity;
    let max = -Infinity;
    for (let i = from; i < to; i++) {
      const s = view.samples[i];
      if (s < min) min = s;
      if (s > max) max = s;
    }
    columns.push({ min, max, span: { start: view.data.start + from * frameBytes, end: view.data.start + to * frameBytes } });
  }
  return columns;
}
