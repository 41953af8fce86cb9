// Text → UTF-8 .txt (the paper's text data is UTF-8 bytes): UTF-8 (BOM dropped) passes through,
// UTF-16 with a BOM is decoded, anything else is read as Windows-1252, the usual legacy encoding.
import { decodeUtf8 } from '../text';

const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Windows-1252 bytes 0x80..0x9F (WHATWG index); Node's TextDecoder reads them as Latin-1 instead. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** Windows-1252 decoding, the same in Node and in browsers. */
function decodeWindows1252(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b))).join('');
}

export function textToUtf8(bytes: Uint8Array): Uint8Array {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  else {
    const body = UTF8_BOM.every((b, i) => bytes[i] === b) ? bytes.subarray(3) : bytes;
    text = decodeUtf8(body) ?? decodeWindows1252(body);
  }
  return new TextEncoder().encode(text);
}
