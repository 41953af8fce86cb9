// abcmidi's word on a tune (Debian abcmidi, docs/music.md): whether `abc2midi` converts it without an
// error line, and how many of its bars it finds the wrong length. The built-in music sets keep only
// tunes abc2midi accepts; the report card counts them when abcmidi is installed. Cutting books into
// tunes and transposing them is pure TypeScript (formats/abc-book.ts, formats/abc-transpose.ts), so an
// import never needs abcmidi.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs an abcmidi tool on `abc` written to a temporary file. */
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

/** What abc2midi says about a tune. */
export interface Abc2midiReport {
  /** Its error lines, '\n'-joined ('' when it converts cleanly). */
  errors: string;
  /** Bars it warns about: "Bar N has X time units while the time signature has Y". */
  badBars: number;
  /** The first such warning ('' when none). */
  firstBadBar: string;
}

/** abc2midi's output on a tune; abcmidi must be installed. A run is capped at 20 s (a hostile tune cannot hang it). */
export function abc2midiReport(abc: string): Abc2midiReport {
  return withTuneFile(abc, (file, dir) => {
    let out: string;
    try {
      out = execFileSync('abc2midi', [file, '-o', path.join(dir, 'tune.mid')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: string };
      if (e.code === 'ENOENT') throw new Error('abc2midi not found: install Debian package abcmidi');
      return { errors: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || 'abc2midi failed', badBars: 0, firstBadBar: '' };
    }
    const lines = out.split('\n');
    const bad = lines.filter((l) => /Bar \d+ has [\d/]+ time units while the time signature has/.test(l));
    return { errors: lines.filter((l) => /error/i.test(l)).join('\n'), badBars: bad.length, firstBadBar: bad[0] ?? '' };
  });
}

/** abc2midi's complaints about a tune ('' when it converts cleanly); abcmidi must be installed. */
export function abc2midiErrors(abc: string): string {
  return abc2midiReport(abc).errors;
}

/** True when abc2midi can be run. */
export function hasAbcmidi(): boolean {
  try {
    execFileSync('abc2midi', ['-ver'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== 'ENOENT';
  }
}
