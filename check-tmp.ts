import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import * as tm from '@tonejs/midi'; const Midi = ((tm as any).Midi ?? (tm as any).default.Midi);
import { readTuneBook } from '/work/wt/musicdata/src-main/formats/abc-book';
import { transposeAbc } from '/work/wt/musicdata/src-main/formats/abc-transpose';
const dir = mkdtempSync(path.join(os.tmpdir(), 'tt-'));
function notes(abc: string): number[] | null {
  writeFileSync(path.join(dir, 't.abc'), abc);
  try { execFileSync('abc2midi', [path.join(dir, 't.abc'), '-o', path.join(dir, 't.mid')], { stdio: 'ignore' }); } catch { }
  try { const m = new Midi(readFileSync(path.join(dir, 't.mid'))); const ts = m.tracks.filter((t: any) => t.notes.length > 0); return ts.length ? [...ts[0].notes].sort((a: any, b: any) => a.ticks - b.ticks || a.midi - b.midi).map((n: any) => n.midi) : []; } catch { return null; }
}
let ok = 0, bad = 0, err = 0;
const errs = new Map<string, number>();
for (const f of process.argv.slice(2)) {
  const book = readTuneBook(readFileSync(f, 'utf8'));
  for (const t of book.tunes) {
    const base = notes(t.abc);
    if (!base) continue;
    for (const n of [-5, -2, 1, 2, 5, 6]) {
      const r = transposeAbc(t.abc, n);
      if ('error' in r) { err++; errs.set(r.error, (errs.get(r.error) ?? 0) + 1); continue; }
      const got = notes(r.abc);
      if (got && got.length === base.length && got.every((v, i) => v === base[i] + n)) ok++;
      else { bad++; if (true) { console.log('MISMATCH', f, t.index, t.title, n); const i = got ? got.findIndex((v, i) => v !== base[i] + n) : -1; console.log(i, base.slice(i-2, i+3), got?.slice(i-2, i+3)); } }
    }
  }
}
console.log({ ok, bad, err, errs: [...errs] });
