// The built-in datasets shipped in datasets/ so the studio works with no download (issue 5 §6):
// folk tunes as ABC + abcjs MIDI pairs, and a CPU-state set from the seeded generator.
// `npx tsx datasets/build.ts` rebuilds both; datasets/README.md gives sources and licences.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { abcToMidi } from '../formats/convert';
import { generateCpuFiles, type CpuDatasetOptions } from './cpu';
import { writeTreeAtomic } from './tree';

/** Built-in CPU set: programs of 1..32 instructions (≤ 1552-byte files, 99 patches) fit the small and
 * paper presets' windows whole; the paper's 1..255 would not fit the smaller presets. */
export const BUILTIN_CPU_TRAIN: CpuDatasetOptions = { programs: 512, minLength: 1, maxLength: 32, seed: 1 };
export const BUILTIN_CPU_EVAL: CpuDatasetOptions = { programs: 64, minLength: 1, maxLength: 32, seed: 2 };

/** 'The First Slip "Arranged by…"' → 'the-first-slip-arranged-by'. No '_': the label is the name up to '_'. */
export function slug(title: string): string {
  return title.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'tune';
}

/**
 * Every tune of every .abc book in `sourceDir` → `<slug>.abc` + `<slug>.mid` in `outDir` (replaced).
 * A tune whose MIDI equals an earlier one's (the same tune in two books) is left out: an import
 * would drop the MIDI as a duplicate and leave its ABC without a pair.
 */
export async function buildTunes(sourceDir: string, outDir: string): Promise<string[]> {
  const files = new Map<string, Uint8Array>();
  const seenMidi = new Set<string>();
  const books = (await fs.readdir(sourceDir)).filter((n) => n.endsWith('.abc')).sort();
  for (const book of books) {
    for (const tune of abcToMidi(await fs.readFile(path.join(sourceDir, book), 'utf8'))) {
      const midiHash = createHash('sha256').update(tune.midi).digest('hex');
      if (seenMidi.has(midiHash)) continue;
      seenMidi.add(midiHash);
      let name = slug(tune.title);
      for (let n = 2; files.has(`${name}.abc`); n++) name = `${slug(tune.title)}-${n}`;
      files.set(`${name}.abc`, new TextEncoder().encode(tune.abc));
      files.set(`${name}.mid`, tune.midi);
    }
  }
  await writeTreeAtomic(outDir, files);
  return [...files.keys()];
}

/** The CPU-state set: train/ and eval/ folders (the import takes eval/ as the eval split). */
export async function buildCpu(outDir: string): Promise<number> {
  const files = new Map<string, Uint8Array>();
  for (const [split, options] of [['train', BUILTIN_CPU_TRAIN], ['eval', BUILTIN_CPU_EVAL]] as const) {
    for (const [name, bytes] of generateCpuFiles(options)) files.set(`${split}/${name}`, bytes);
  }
  await writeTreeAtomic(outDir, files);
  return files.size;
}
