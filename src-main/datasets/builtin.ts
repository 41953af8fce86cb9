// The built-in datasets shipped in datasets/ so the studio works with no download (issues 5 §6, 13 §1):
// ABC tunes (every key), the same tunes as MIDI, ABC → MIDI conversion pairs, and a CPU-state set.
// `npx tsx datasets/build.ts` rebuilds both; datasets/README.md gives sources and licences.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { abcToMidi } from '../formats/convert';
import { validate } from '../formats/validate';
import { mulberry32, shuffle } from '../formats/prng';
import { generateCpuFiles, type CpuDatasetOptions } from './cpu';
import { musicKey, readTuneBook, tuneSlug } from '../formats/abc-book';
import { transposeAbc } from '../formats/abc-transpose';
import { abc2midiErrors } from './tunebook';
import { writeTreeAtomic } from './tree';

/** Built-in CPU set: programs of 1..32 instructions (≤ 1552-byte files, 99 patches) fit the small and
 * paper presets' windows whole; the paper's 1..255 would not fit the smaller presets. */
export const BUILTIN_CPU_TRAIN: CpuDatasetOptions = { programs: 512, minLength: 1, maxLength: 32, seed: 1 };
export const BUILTIN_CPU_EVAL: CpuDatasetOptions = { programs: 64, minLength: 1, maxLength: 32, seed: 2 };

/** A tune's file name stem (formats/abc-book.ts). No '_': the label is the name up to '_'. */
export const slug = tuneSlug;

/** Semitone shifts applied to every tune: the twelve keys, centred on the written one. */
export const TRANSPOSITIONS = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6] as const;

/** One tune of a book, as a clean single-tune file. */
export interface CleanTune {
  /** The T: title (first one), or 'tune'. */
  title: string;
  /** The book it came from (file name). */
  book: string;
  /** The tune's text: X:1 first, no comment lines, '\n' line ends, one final newline. */
  abc: string;
}

/** Largest tune kept, in bytes: whole tunes fit one window of the recipe (64 patches: 62 × 16 bytes),
 * so the model sees every tune's header and its end. */
export const MAX_TUNE_BYTES = 992;
/** Share of tunes held out for evaluation (every key of a held-out tune is held out with it). */
export const TUNE_EVAL_FRACTION = 0.1;
/** Seed of the tune split. */
const TUNE_SPLIT_SEED = 13;

/** A tune of the built-in sets, with the abcmidi checks done. */
export interface BuiltinTune extends CleanTune {
  slug: string;
  split: 'train' | 'eval';
  /** Semitone shift → the tune in that key (only keys abc2midi accepts and that fit MAX_TUNE_BYTES). */
  keys: Map<number, string>;
}

/** Names a key variant: `<slug>.abc` for the written key, `<slug>~up3.abc` / `<slug>~down2.abc` otherwise. */
function variantStem(slugName: string, shift: number): string {
  return shift === 0 ? slugName : `${slugName}~${shift > 0 ? 'up' : 'down'}${Math.abs(shift)}`;
}

/**
 * Every distinct tune of the books in `sourceDirs` (sorted by book), cut and cleaned as an import cuts
 * them (formats/abc-book.ts), each transposed to the twelve keys (formats/abc-transpose.ts), split
 * train/eval by tune (a tune's keys never straddle the split: the eval loss would see transpositions of
 * training tunes). Needs Debian abcmidi: abc2midi checks every key. `maxTunes` stops early (tests); the
 * split is only meaningful for the whole collection.
 */
export function collectTunes(sourceDirs: string[], maxTunes = Infinity): BuiltinTune[] {
  const seen = new Set<string>();
  const names = new Set<string>();
  const tunes: BuiltinTune[] = [];
  for (const dir of sourceDirs) {
    for (const book of readdirSync(dir).filter((n) => n.endsWith('.abc')).sort()) {
      for (const bookTune of readTuneBook(readFileSync(path.join(dir, book), 'utf8')).tunes) {
        if (tunes.length >= maxTunes) break;
        const tune: CleanTune = { title: bookTune.title || 'tune', book, abc: bookTune.abc };
        const written = tune.abc;
        const key = musicKey(written);
        if (seen.has(key)) continue;
        seen.add(key);
        const keys = new Map<number, string>();
        for (const shift of TRANSPOSITIONS) {
          const moved = shift === 0 ? { abc: written } : transposeAbc(written, shift);
          if ('error' in moved) continue;
          const abc = moved.abc;
          if (new TextEncoder().encode(abc).length > MAX_TUNE_BYTES) continue;
          if (validate(new TextEncoder().encode(abc), 'abc').verdict !== 'valid') continue;
          if (abc2midiErrors(abc) !== '') continue;
          keys.set(shift, abc);
        }
        if (!keys.has(0)) continue;
        let name = slug(tune.title);
        for (let n = 2; names.has(name); n++) name = `${slug(tune.title)}-${n}`;
        names.add(name);
        tunes.push({ ...tune, abc: written, slug: name, split: 'train', keys });
      }
    }
  }
  const order = shuffle(tunes.map((t) => t.slug).sort(), mulberry32(TUNE_SPLIT_SEED));
  const held = new Set(order.slice(0, Math.max(1, Math.round(tunes.length * TUNE_EVAL_FRACTION))));
  for (const t of tunes) t.split = held.has(t.slug) ? 'eval' : 'train';
  return tunes;
}

/** The MIDI of one single-tune ABC text, as the studio's ABC library (abcjs) renders it. */
function midiOf(abc: string): Uint8Array {
  return abcToMidi(abc)[0].midi;
}

export interface MusicSets {
  /** ABC tunes in every key (generative). */
  abc: Map<string, Uint8Array>;
  /** The same tunes as MIDI, in every key (generative). */
  midi: Map<string, Uint8Array>;
  /** ABC → MIDI pairs in the written key (conversion). */
  pairs: Map<string, Uint8Array>;
}

/** The three built-in music sets as relative path → bytes (`eval/` holds the eval split). */
export function musicSets(tunes: BuiltinTune[]): MusicSets {
  const sets: MusicSets = { abc: new Map(), midi: new Map(), pairs: new Map() };
  const enc = new TextEncoder();
  for (const t of tunes) {
    const dir = t.split === 'eval' ? 'eval/' : 'train/';
    for (const [shift, abc] of t.keys) {
      const stem = variantStem(t.slug, shift);
      sets.abc.set(`${dir}${stem}.abc`, enc.encode(abc));
      sets.midi.set(`${dir}${stem}.mid`, midiOf(abc));
    }
    sets.pairs.set(`${dir}${t.slug}.abc`, enc.encode(t.abc));
    sets.pairs.set(`${dir}${t.slug}.mid`, midiOf(t.abc));
  }
  return sets;
}

/** Folder names of the built-in music sets under datasets/. */
export const MUSIC_FOLDERS = { abc: 'abc-tunes', midi: 'midi-tunes', pairs: 'tunes' } as const;

/** Rebuilds the three music sets under `outRoot` from the tune books in `sourceDirs`. */
export async function buildMusic(sourceDirs: string[], outRoot: string): Promise<{ tunes: BuiltinTune[]; sets: MusicSets }> {
  const tunes = collectTunes(sourceDirs);
  const sets = musicSets(tunes);
  for (const k of ['abc', 'midi', 'pairs'] as const) await writeTreeAtomic(path.join(outRoot, MUSIC_FOLDERS[k]), sets[k]);
  return { tunes, sets };
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
