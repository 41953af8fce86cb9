// CPU-state datasets on disk (docs/cpu.md): writes seeded random programs as .bin files named by the hash
// of their prompt, and reads a folder of them back for evaluation.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../shared/errors';
import { mulberry32 } from '../formats/prng';
import { CPU_EXTENSION, PROMPT_BYTES, encodeProgram, programLengthError, randomProgram, traceLengthError } from '../formats/cpu';

export interface CpuDatasetOptions {
  programs: number;
  minLength: number;
  maxLength: number;
  seed: number;
}

/**
 * The paper names files by a hash of the program; we hash memory and initial state together, so two
 * draws of one short program with different registers do not overwrite each other.
 */
export function cpuFileName(bytes: Uint8Array): string {
  return `${createHash('sha256').update(bytes.subarray(0, PROMPT_BYTES)).digest('hex').slice(0, 32)}.${CPU_EXTENSION}`;
}

/** Draws `programs` programs and returns their files by name (a repeated draw keeps one copy). */
export function generateCpuFiles(options: CpuDatasetOptions): Map<string, Uint8Array> {
  const lengthError = programLengthError(options.minLength, options.maxLength);
  if (lengthError) throw new UserError(`--min-len/--max-len: ${lengthError}`, 'BAD_ARGS');
  if (!Number.isInteger(options.programs) || options.programs < 1) throw new UserError(`--programs must be a positive integer, got ${options.programs}`, 'BAD_ARGS');
  const rng = mulberry32(options.seed);
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < options.programs; i++) {
    const bytes = encodeProgram(randomProgram(rng, options.minLength, options.maxLength));
    files.set(cpuFileName(bytes), bytes);
  }
  return files;
}

/** The .bin files of a folder, sorted by name, at most `limit`; a file of the wrong length is a UserError. */
export async function readCpuFolder(dir: string, limit = Infinity): Promise<{ name: string; bytes: Uint8Array }[]> {
  const names = await fs.readdir(dir).catch(() => {
    throw new UserError(`cannot read the CPU-state folder ${dir}`, 'ENOENT');
  });
  const bins = names.filter((n) => n.endsWith(`.${CPU_EXTENSION}`)).sort().slice(0, limit);
  if (bins.length === 0) throw new UserError(`${dir} holds no .${CPU_EXTENSION} CPU-state files`);
  return Promise.all(bins.map(async (name) => {
    const bytes = new Uint8Array(await fs.readFile(path.join(dir, name)));
    const error = traceLengthError(bytes);
    if (error) throw new UserError(`${path.join(dir, name)}: ${error}`);
    return { name, bytes };
  }));
}
