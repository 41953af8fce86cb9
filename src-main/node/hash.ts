// Content hashes of files, streamed (a paper-size weights file is 440 MB): what identifies a LoRA
// adapter's base model (checkpoint/adapter.ts `bgpt.base.sha256`) and a catalogue model's file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 (hex) of a file's bytes, read in chunks. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
