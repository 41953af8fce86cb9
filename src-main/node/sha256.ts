// The sha256 of a file, streamed (a 440 MB model is never held in memory): how the catalogue names a model's
// weights, and how an adapter names its base (src-main/checkpoint/adapter.ts AdapterBase.sha256).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Lower-case hex sha256 of the file's bytes. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
