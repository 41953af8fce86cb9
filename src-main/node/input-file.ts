// A file named on the command line, read as `{ name, ext, bytes }` with one-line errors (a missing,
// unreadable or empty file names itself): the CLI's prompts, inputs and files to score, and the engine's
// training folders, all read through here.
import { promises as fs } from 'node:fs';
import { UserError } from '../shared/errors';
import { extOf } from '../shared/patches';

/** One file as the engine sees it: `ext` fills the start patch. */
export interface InputFile {
  name: string;
  ext: string;
  bytes: Uint8Array;
}

/** Reads one file; a missing, unreadable or empty file is a UserError naming it. */
export async function readInputFile(file: string): Promise<InputFile> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code ?? 'error'})`, 'BAD_INPUT');
  }
  if (bytes.length === 0) throw new UserError(`${file}: file is empty`, 'BAD_INPUT');
  return { name: file, ext: extOf(file), bytes };
}
