// Collects the files of an import: walks folders without following links out of the imported tree,
// and turns every file it cannot take (unsafe or non-UTF-8 name, broken link, link out of the tree,
// not a regular file, empty, over the size cap, unreadable) into one report line.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Characters refused in names: control characters and those Windows forbids in file names. */
const UNSAFE_NAME = /[\u0000-\u001f\u007f<>:"\\|?*]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface Candidate {
  /** Absolute path to read (a real path inside the imported tree). */
  absPath: string;
  /** Path as shown to the user: the input path joined with the path inside it. */
  displayPath: string;
  /** Path relative to the imported folder ('/'-separated; the file name for a single file). */
  relPath: string;
  size: number;
}

export interface Skipped { path: string; reason: string }

export interface WalkResult { candidates: Candidate[]; skipped: Skipped[] }

interface Root { real: string; display: string; maxFileBytes: number; visited: Set<string>; out: WalkResult }

const errCode = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? String(err);
const mib = (n: number): string => `${Math.round((n / 2 ** 20) * 10) / 10} MiB`;
const isInside = (root: string, p: string): boolean => p === root || p.startsWith(root + path.sep);

/** Why a name read from disk is refused, or null. */
function nameProblem(raw: Buffer): string | null {
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    return 'name is not UTF-8';
  }
  return UNSAFE_NAME.test(name) ? 'name has control or reserved characters' : null;
}

/** Adds one file (stat already follows links) or refuses it. */
function addFile(root: Root, absPath: string, relPath: string, stat: { size: number; isFile(): boolean }): void {
  const display = path.join(root.display, relPath);
  if (!stat.isFile()) return void root.out.skipped.push({ path: display, reason: 'not a regular file' });
  if (stat.size === 0) return void root.out.skipped.push({ path: display, reason: 'empty file' });
  if (stat.size > root.maxFileBytes) return void root.out.skipped.push({ path: display, reason: `${mib(stat.size)} is over the ${mib(root.maxFileBytes)} cap` });
  root.out.candidates.push({ absPath, displayPath: display, relPath, size: stat.size });
}

/** Resolves an entry (following links that stay inside the tree) and adds or descends into it. */
async function visit(root: Root, absPath: string, relPath: string): Promise<void> {
  const display = path.join(root.display, relPath);
  let real: string;
  try {
    real = await fs.realpath(absPath);
  } catch (err) {
    return void root.out.skipped.push({ path: display, reason: errCode(err) === 'ENOENT' ? 'broken link' : `unreadable: ${errCode(err)}` });
  }
  if (!isInside(root.real, real)) return void root.out.skipped.push({ path: display, reason: 'link leads outside the imported tree' });
  const stat = await fs.stat(real).catch((err: unknown) => errCode(err));
  if (typeof stat === 'string') return void root.out.skipped.push({ path: display, reason: `unreadable: ${stat}` });
  if (stat.isDirectory()) return walkDir(root, real, relPath);
  addFile(root, real, relPath, stat);
}

async function walkDir(root: Root, realDir: string, relDir: string): Promise<void> {
  // A link back up the tree would loop forever: each real folder is walked once.
  if (root.visited.has(realDir)) return;
  root.visited.add(realDir);
  let names: Buffer[];
  try {
    names = await fs.readdir(realDir, { encoding: 'buffer' });
  } catch (err) {
    return void root.out.skipped.push({ path: path.join(root.display, relDir), reason: `unreadable folder: ${errCode(err)}` });
  }
  if (names.length === 0) root.out.skipped.push({ path: path.join(root.display, relDir), reason: 'empty folder' });
  for (const raw of names.sort(Buffer.compare)) {
    const problem = nameProblem(raw);
    const shown = raw.toString('utf8');
    const rel = relDir ? `${relDir}/${shown}` : shown;
    if (problem) {
      root.out.skipped.push({ path: path.join(root.display, rel), reason: problem });
      continue;
    }
    await visit(root, path.join(realDir, shown), rel);
  }
}

/** Walks each input (file or folder), in order; a missing input is one skipped line. */
export async function collectFiles(inputs: string[], maxFileBytes: number): Promise<WalkResult> {
  const out: WalkResult = { candidates: [], skipped: [] };
  for (const input of inputs) {
    const stat = await fs.stat(input).catch((err: unknown) => errCode(err));
    if (typeof stat === 'string') {
      out.skipped.push({ path: input, reason: stat === 'ENOENT' ? 'no such file or folder' : `unreadable: ${stat}` });
      continue;
    }
    const real = await fs.realpath(input);
    if (stat.isDirectory()) {
      await walkDir({ real, display: input, maxFileBytes, visited: new Set(), out }, real, '');
    } else {
      addFile({ real: path.dirname(real), display: path.dirname(input), maxFileBytes, visited: new Set(), out }, real, path.basename(input), stat);
    }
  }
  return out;
}
