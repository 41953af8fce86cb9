// Modality of a file from its magic bytes first (SMF 'MThd', RIFF/WAVE, 'BM'), then its extension
// and content (ABC header fields, CPU-state shape, UTF-8 text), else plain binary.
import { looksLikeTrace } from './cpu/validate';
import { CPU_EXTENSION } from './cpu/file';
import { decodeUtf8 } from './text';
import { ascii, type Modality } from './verdict';

/** Extensions whose files are text even if they hold few letters. */
const TEXT_EXTENSIONS = new Set(['txt', 'md', 'csv', 'tsv', 'json', 'xml', 'html', 'htm', 'yaml', 'yml', 'ini', 'log', 'py', 'js', 'ts', 'c', 'h']);
/** Control characters a text file may hold: tab, line feed, form feed, carriage return, escape. */
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x1b]);
/** BMP DIB header sizes (CORE, INFO, V2, V3, V4, V5): 'BM' alone is too weak a magic. */
const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 108, 124]);

/** Lower-case extension without its dot, from a file name or an extension ('Tune.ABC' → 'abc'). */
export function extensionOf(nameOrExt: string): string {
  const dot = nameOrExt.lastIndexOf('.');
  return (dot === -1 ? nameOrExt : nameOrExt.slice(dot + 1)).toLowerCase();
}

function looksLikeBmp(b: Uint8Array): boolean {
  return b.length >= 26 && ascii(b, 0, 2) === 'BM' && BMP_DIB_SIZES.has(b[14] | (b[15] << 8) | (b[16] << 16) | (b[17] << 24));
}

/**
 * ABC starts with an X: field (after comment and blank lines) and has a K: field. A scan of lines, not
 * a regex: `/^(?:%[^\n]*\n|\s*\n)*X:/` (`\s` matches `\n` too) backtracked exponentially, so a text
 * that opened with 40 blank lines froze import for days (docs/security.md, "Bounded time").
 */
function looksLikeAbc(text: string): boolean {
  for (let start = 0; start < text.length; ) {
    if (text.startsWith('X:', start)) return /^K:/m.test(text);
    const end = text.indexOf('\n', start);
    if (end < 0) return false; // a last line that is not X: (a comment needs its newline)
    if (text[start] !== '%' && text.slice(start, end).trim() !== '') return false;
    start = end + 1;
  }
  return false;
}

/**
 * Detection reads at most this prefix (docs/security.md): decoding a whole 60 MB file to a string, twice,
 * cost about 1 GB for a verdict the first 64 KiB already give. Validation still sees the whole file.
 */
export const DETECT_PREFIX_BYTES = 64 * 1024;

/** The first DETECT_PREFIX_BYTES, cut before a UTF-8 sequence the cut would split. */
export function detectionPrefix(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= DETECT_PREFIX_BYTES) return bytes;
  let end = DETECT_PREFIX_BYTES;
  // Back up over continuation bytes (10xxxxxx) to the lead byte of the last sequence; drop that
  // sequence if it does not end inside the prefix.
  let lead = end - 1;
  while (lead > end - 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
  const b = bytes[lead];
  const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  if (lead + len > end) end = lead;
  return bytes.subarray(0, end);
}

function isText(prefix: Uint8Array, ext: string): boolean {
  if (decodeUtf8(prefix) === null) return false;
  return TEXT_EXTENSIONS.has(ext) || prefix.every((b) => b >= 0x20 || TEXT_CONTROLS.has(b));
}

export function detectModality(bytes: Uint8Array, ext: string): Modality {
  const e = extensionOf(ext);
  if (bytes.length >= 4 && ascii(bytes, 0, 4) === 'MThd') return 'midi';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') return 'wav';
  if (looksLikeBmp(bytes)) return 'bmp';
  if (e === CPU_EXTENSION && looksLikeTrace(bytes)) return 'cpu';
  const prefix = detectionPrefix(bytes);
  if (!isText(prefix, e)) return 'binary';
  return e === 'abc' || looksLikeAbc(decodeUtf8(prefix) ?? '') ? 'abc' : 'text';
}
