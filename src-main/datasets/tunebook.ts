// Tune books → one clean ABC tune per file, in every key, checked by abcmidi (docs/music.md).
// Each tune is cut at its X: line (ABC 2.1 §2.2), stripped of comments and typesetting directives,
// renumbered X:1, run through `abc2abc` (Debian abcmidi) so every tune has one layout, transposed
// with `abc2abc -t N` (more data, no invented music), and kept only if `abc2midi` accepts it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitTunes } from '../formats/abc';

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

/**
 * Lines of one tune without comments, %% directives or blank lines, X: renumbered to 1. Comments
 * and typesetting directives are layout, not music, and a generative model should not spend its
 * small capacity learning a book's remarks.
 */
export function cleanTuneLines(lines: string[]): string[] {
  const out = lines.map((l) => l.replace(/\s+$/, '')).filter((l) => l !== '' && !l.startsWith('%'));
  if (out.length > 0 && /^X:/.test(out[0])) out[0] = 'X:1';
  return out;
}

/** Every tune of a book's text, cleaned (tunes with no K: line are left out: not playable ABC). */
export function tunesOfBook(text: string, book: string): CleanTune[] {
  return splitTunes(text).tunes.flatMap(({ lines }) => {
    const clean = cleanTuneLines(lines);
    if (!clean.some((l) => /^K:/.test(l))) return [];
    const title = clean.find((l) => /^T:/.test(l))?.slice(2).trim() || 'tune';
    return [{ title, book, abc: clean.join('\n') + '\n' }];
  });
}

/** Runs an abcmidi tool on `abc` written to a temporary file; returns its stdout. */
function withTuneFile<T>(abc: string, use: (file: string, dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bgpt-tune-'));
  try {
    const file = path.join(dir, 'tune.abc');
    writeFileSync(file, abc);
    return use(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `abc2abc FILE -t N`: the tune transposed by N semitones (0 only re-lays it out). abc2abc writes its
 * complaints as `%Error`/`%Warning` comment lines into the tune; they and blank lines are removed.
 */
export function transposeAbc(abc: string, semitones: number): string {
  const out = withTuneFile(abc, (file) => execFileSync('abc2abc', [file, '-t', String(semitones)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  return cleanTuneLines(out.split(/\r?\n/)).join('\n') + '\n';
}

/** What abc2midi says about a tune: its error lines, and its bar-length warnings ("Track T Bar N has X time units…"). */
export interface Abc2midiReport {
  errors: string[];
  barWarnings: string[];
  /** Every line it printed. */
  lines: string[];
}

/** Runs abc2midi on a tune (abcmidi must be installed) and sorts what it prints. */
export function abc2midiReport(abc: string): Abc2midiReport {
  return withTuneFile(abc, (file, dir) => {
    let out: string;
    let failed = false;
    try {
      out = execFileSync('abc2midi', [file, '-o', path.join(dir, 'tune.mid')], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: string };
      if (e.code === 'ENOENT') throw new Error('abc2midi not found: install Debian package abcmidi');
      out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      failed = true;
    }
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    const errors = lines.filter((l) => /error/i.test(l));
    if (failed && errors.length === 0) errors.push(out.trim() || 'abc2midi failed');
    return { lines, errors, barWarnings: lines.filter((l) => /Bar \d+ has .* time units/.test(l)) };
  });
}

/** abc2midi's complaints about a tune ('' when it converts cleanly); abcmidi must be installed. */
export function abc2midiErrors(abc: string): string {
  return abc2midiReport(abc).errors.join('\n');
}

/** True when the abcmidi tools (abc2abc, abc2midi) can be run. */
export function hasAbcmidi(): boolean {
  try {
    execFileSync('abc2midi', ['-ver'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== 'ENOENT';
  }
}

/** Content key of a tune: its text without the X: and T: lines (titles differ across books). */
export function tuneKey(abc: string): string {
  const body = abc.split('\n').filter((l) => !/^[XT]:/.test(l)).join('\n');
  return createHash('sha256').update(body).digest('hex');
}
