// UTF-8 text (RFC 3629): valid when it decodes strictly; a multi-byte character cut off at the end
// (a generated file that stopped mid-character) is repaired by dropping the partial bytes.
import { invalid, valid, type Verdict } from './verdict';

const strict = new TextDecoder('utf-8', { fatal: true });

/** The strict decoding, or null when the bytes are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

/** Length of the sequence a lead byte starts (RFC 3629 table), 0 for a byte that cannot lead. */
const sequenceLength = (lead: number): number => (lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0);

/** Offset of the first byte that breaks UTF-8, and whether it only breaks because the file ends. */
function firstBreak(bytes: Uint8Array): { at: number; cutOff: boolean } | null {
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i]);
    if (n === 0) return { at: i, cutOff: false };
    if (i + n > bytes.length) {
      // Whether the bytes present could begin a valid character: pad with continuation bytes.
      const padded = Uint8Array.from([...bytes.subarray(i), 0x80, 0x80, 0x80].slice(0, n));
      return { at: i, cutOff: decodeUtf8(padded) !== null };
    }
    if (decodeUtf8(bytes.subarray(i, i + n)) === null) return { at: i, cutOff: false };
    i += n;
  }
  return null;
}

export function validateText(bytes: Uint8Array): Verdict {
  const broken = firstBreak(bytes);
  if (!broken) return valid();
  if (broken.cutOff) {
    const cut = bytes.length - broken.at;
    return { verdict: 'repaired', reason: `dropped ${cut} bytes of a character cut off at the end`, repaired: bytes.slice(0, broken.at) };
  }
  return invalid(`not UTF-8: bad byte 0x${bytes[broken.at].toString(16)} at offset ${broken.at}`);
}
