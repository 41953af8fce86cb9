// RIFF/WAVE validation and repair (Microsoft RIFF spec; PCM 'fmt ' fields as in WAVEFORMATEX):
// fixes the RIFF size, a data size that runs past the file, inconsistent PCM block fields, and
// drops trailing bytes that are no chunk. Also writes the paper's 8 kHz mono 8-bit PCM clips.
import { ascii, fixedOrValid, invalid, view, type Verdict } from './verdict';

const RIFF_HEADER_BYTES = 12;
const CHUNK_HEADER_BYTES = 8;
const WAVE_FORMAT_PCM = 1;

interface Fmt { at: number; format: number; channels: number; rate: number; bits: number }

/** Fixes a PCM fmt chunk's byteRate and blockAlign in place; returns what it fixed. */
function fixPcmFields(dv: DataView, fmt: Fmt): string[] {
  const blockAlign = fmt.channels * Math.ceil(fmt.bits / 8);
  const byteRate = fmt.rate * blockAlign;
  const fixes: string[] = [];
  if (dv.getUint16(fmt.at + 12, true) !== blockAlign) {
    fixes.push(`block align said ${dv.getUint16(fmt.at + 12, true)}, ${fmt.channels} × ${fmt.bits}-bit needs ${blockAlign}`);
    dv.setUint16(fmt.at + 12, blockAlign, true);
  }
  if (dv.getUint32(fmt.at + 8, true) !== byteRate) {
    fixes.push(`byte rate said ${dv.getUint32(fmt.at + 8, true)}, should be ${byteRate}`);
    dv.setUint32(fmt.at + 8, byteRate, true);
  }
  return fixes;
}

function readFmt(dv: DataView, at: number, size: number): Fmt | string {
  if (size < 16) return `fmt chunk is ${size} bytes, at least 16 are needed`;
  const fmt = { at, format: dv.getUint16(at, true), channels: dv.getUint16(at + 2, true), rate: dv.getUint32(at + 4, true), bits: dv.getUint16(at + 14, true) };
  if (fmt.channels === 0 || fmt.rate === 0 || fmt.bits === 0) return `fmt chunk has ${fmt.channels} channels, ${fmt.rate} Hz, ${fmt.bits} bits`;
  return fmt;
}

export function validateWav(bytes: Uint8Array): Verdict {
  if (bytes.length < RIFF_HEADER_BYTES || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WAVE') return invalid('not a WAV file: no RIFF/WAVE header');
  let out = bytes.slice();
  let dv = view(out);
  const fixes: string[] = [];
  let fmt: Fmt | null = null;
  let hasData = false;
  let at = RIFF_HEADER_BYTES;
  while (at < out.length) {
    const left = out.length - at;
    const id = left >= CHUNK_HEADER_BYTES ? ascii(out, at, 4) : '';
    const size = left >= CHUNK_HEADER_BYTES ? dv.getUint32(at + 4, true) : 0;
    const body = at + CHUNK_HEADER_BYTES;
    if (id === 'data' && body + size > out.length) {
      const present = out.length - body;
      const whole = fmt ? present - (present % (fmt.channels * Math.ceil(fmt.bits / 8))) : present;
      fixes.push(`data size said ${size}, ${present} bytes are present`);
      dv.setUint32(at + 4, whole, true);
      out = out.slice(0, body + whole);
      dv = view(out);
      hasData = true;
      break;
    }
    if (!/^[\x20-\x7e]{4}$/.test(id) || body + size > out.length) {
      fixes.push(`dropped ${left} bytes that are no chunk at offset ${at}`);
      out = out.slice(0, at);
      dv = view(out);
      break;
    }
    if (id === 'fmt ') {
      const read = readFmt(dv, body, size);
      if (typeof read === 'string') return invalid(read);
      fmt = read;
    }
    if (id === 'data') hasData = true;
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    at = body + size + (size % 2);
  }
  if (!fmt) return invalid('no fmt chunk');
  if (!hasData) return invalid('no data chunk');
  if (fmt.format === WAVE_FORMAT_PCM) fixes.push(...fixPcmFields(dv, fmt));
  const riffSize = out.length - 8;
  if (dv.getUint32(4, true) !== riffSize) {
    fixes.push(`RIFF size said ${dv.getUint32(4, true)}, should be ${riffSize}`);
    dv.setUint32(4, riffSize, true);
  }
  return fixedOrValid(fixes, out);
}

/** The paper's audio format: 8 kHz, mono, unsigned 8-bit PCM. */
export const PAPER_SAMPLE_RATE = 8000;

/** A canonical 44-byte-header PCM WAV holding unsigned 8-bit mono `samples` at `rate` Hz. */
export function encodeWav8(samples: Uint8Array, rate = PAPER_SAMPLE_RATE): Uint8Array {
  const pad = samples.length % 2;
  const out = new Uint8Array(44 + samples.length + pad);
  const dv = view(out);
  const put = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i); };
  put(0, 'RIFF'); dv.setUint32(4, out.length - 8, true); put(8, 'WAVE');
  put(12, 'fmt '); dv.setUint32(16, 16, true); dv.setUint16(20, WAVE_FORMAT_PCM, true); dv.setUint16(22, 1, true);
  dv.setUint32(24, rate, true); dv.setUint32(28, rate, true); dv.setUint16(32, 1, true); dv.setUint16(34, 8, true);
  put(36, 'data'); dv.setUint32(40, samples.length, true);
  out.set(samples, 44);
  return out;
}
