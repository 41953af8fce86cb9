// Node side of the converters (formats/convert): turns files and folders into a folder of the
// paper's formats, keeping the folder layout (so an eval/ folder stays the eval split) and writing
// the output folder atomically. abc → one .abc and one .mid per tune (pairs for abc->mid).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeTreeAtomic } from './tree';
import { abcToMidi, imageToBmp, textToUtf8, wavToClips } from '../formats/convert';
import { extensionOf } from '../formats';
import { collectFiles, type Skipped } from './walk';
import { DEFAULT_MAX_FILE_BYTES } from './import';

export interface OutputFile { name: string; bytes: Uint8Array }

const TEXT_INPUTS = new Set(['txt', 'text', 'md']);
const IMAGE_INPUTS = new Set(['png', 'jpg', 'jpeg', 'bmp']);

/** `stem` for a single output, `stem-1`, `stem-2`… for several. */
const numbered = (stem: string, k: number, count: number): string => (count === 1 ? stem : `${stem}-${k + 1}`);

/** One input file → its converted files, or a reason it has no converter. */
export function convertFile(name: string, bytes: Uint8Array): OutputFile[] | string {
  const ext = extensionOf(name);
  const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name;
  if (ext === 'abc') {
    const tunes = abcToMidi(new TextDecoder().decode(bytes));
    return tunes.flatMap((t, k) => [
      { name: `${numbered(stem, k, tunes.length)}.abc`, bytes: new TextEncoder().encode(t.abc) },
      { name: `${numbered(stem, k, tunes.length)}.mid`, bytes: t.midi },
    ]);
  }
  if (ext === 'wav') {
    const clips = wavToClips(bytes);
    return clips.length ? clips.map((c, k) => ({ name: `${numbered(stem, k, clips.length)}.wav`, bytes: c })) : 'shorter than one 1 s clip';
  }
  if (IMAGE_INPUTS.has(ext)) return [{ name: `${stem}.bmp`, bytes: imageToBmp(bytes) }];
  if (TEXT_INPUTS.has(ext)) return [{ name: `${stem}.txt`, bytes: textToUtf8(bytes) }];
  return `no converter for .${ext} files`;
}

/** Converts every file under `inputs` into `outDir` (replaced whole); returns what it wrote and skipped. */
export async function convertTree(inputs: string[], outDir: string): Promise<{ written: string[]; skipped: Skipped[] }> {
  const { candidates, skipped } = await collectFiles(inputs, DEFAULT_MAX_FILE_BYTES);
  const outputs: OutputFile[] = [];
  for (const c of candidates) {
    let result: OutputFile[] | string;
    try {
      result = convertFile(path.basename(c.relPath), new Uint8Array(await fs.readFile(c.absPath)));
    } catch (err) {
      result = (err as Error).message;
    }
    if (typeof result === 'string') skipped.push({ path: c.displayPath, reason: result });
    else outputs.push(...result.map((o) => ({ name: path.posix.join(path.posix.dirname(c.relPath), o.name), bytes: o.bytes })));
  }
  await writeTreeAtomic(outDir, new Map(outputs.map((o) => [o.name, o.bytes])));
  return { written: outputs.map((o) => o.name), skipped };
}
