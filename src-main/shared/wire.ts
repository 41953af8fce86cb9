// JSON encoding for StudioApi messages over text transports (WebSocket, child-process IPC): binary
// values (Uint8Array, Float32Array) travel as tagged base64 so they survive JSON both ways.

const U8 = '$u8';
const F32 = '$f32';
/** btoa/atob take "binary strings"; building them in chunks keeps the argument list small. */
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { [U8]: bytesToBase64(value) };
  if (value instanceof Float32Array) return { [F32]: bytesToBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (typeof o[U8] === 'string' && Object.keys(o).length === 1) return base64ToBytes(o[U8]);
    if (typeof o[F32] === 'string' && Object.keys(o).length === 1) {
      const b = base64ToBytes(o[F32]);
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    }
  }
  return value;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decodeWire<T = unknown>(text: string): T {
  return JSON.parse(text, reviver) as T;
}

/**
 * Largest WebSocket message `bgpt serve` accepts. It must stay far below V8's string limit (about
 * 512 Mi UTF-16 units) so that every accepted message can be turned into a string and parsed; a 1 GiB
 * limit accepted frames the server could not decode. Uploads are split into batches below it
 * (UPLOAD_BATCH_BYTES: base64 grows bytes by 4/3, plus JSON framing).
 */
export const MAX_WIRE_MESSAGE_BYTES = 128 * 1024 * 1024;
/** Raw file bytes the renderer puts in one upload call (base64 of this fits MAX_WIRE_MESSAGE_BYTES). */
export const UPLOAD_BATCH_BYTES = 64 * 1024 * 1024;
