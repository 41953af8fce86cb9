// Which decoded view a file gets: by its extension first, then by its magic bytes, so a generated
// file with a wrong extension still opens in a sensible viewer.
import { utf8Length } from './text';

export type ViewKind = 'midi' | 'abc' | 'wav' | 'bmp' | 'text' | 'binary';

const BY_EXT: Record<string, ViewKind> = {
  mid: 'midi', midi: 'midi', abc: 'abc', wav: 'wav', bmp: 'bmp',
  txt: 'text', md: 'text', json: 'text', csv: 'text', html: 'text', xml: 'text', js: 'text', ts: 'text', py: 'text',
};
/** Share of valid UTF-8 text in the first bytes above which an unknown file is shown as text. */
const TEXT_SHARE = 0.95;
const SNIFF_BYTES = 4096;

function startsWith(bytes: Uint8Array, magic: string): boolean {
  return magic.split('').every((c, i) => bytes[i] === c.charCodeAt(0));
}

function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, SNIFF_BYTES);
  let good = 0;
  for (let at = 0; at < head.length; ) {
    const n = utf8Length(head, at);
    const b = head[at];
    if (n > 1 || (n === 1 && (b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d))) good += n;
    at += n || 1;
  }
  return head.length > 0 && good / head.length >= TEXT_SHARE;
}

export function viewKind(ext: string, bytes: Uint8Array): ViewKind {
  const known = BY_EXT[ext.toLowerCase().replace(/^\./, '')];
  if (known) return known;
  if (startsWith(bytes, 'MThd')) return 'midi';
  if (startsWith(bytes, 'RIFF') && bytes.length >= 12 && String.fromCharCode(...bytes.subarray(8, 12)) === 'WAVE') return 'wav';
  if (startsWith(bytes, 'BM')) return 'bmp';
  if (startsWith(bytes, 'X:')) return 'abc';
  return looksLikeText(bytes) ? 'text' : 'binary';
}
