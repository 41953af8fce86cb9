// Memorisation check (docs/music.md): how much of a generated file is copied verbatim from the training
// files. A byte counts as copied when it lies inside a run of at least MIN_COPY_RUN bytes that occurs
// somewhere in the training set (every such run is found through its first MIN_COPY_RUN-byte window;
// overlapping windows chain into longer runs). The closest training file is the one that shares the
// most of those windows with the sample. Pure TypeScript: the engine, the studio and scripts use it.

/** Shortest verbatim run that counts as copying: about two bars of ABC, two MIDI events' worth more. */
export const MIN_COPY_RUN = 32;
/** A sample whose copied share reaches this is flagged as mostly a copy (and not counted as new music). */
export const COPY_FLAG_SHARE = 0.5;

export interface MemorisationReport {
  /** Share of the sample's bytes inside verbatim runs of ≥ MIN_COPY_RUN bytes, in [0, 1]. */
  copiedShare: number;
  /** Longest verbatim run found, in bytes (0 when none reaches MIN_COPY_RUN). */
  longestRun: number;
  /** Name of the training file sharing the most windows with the sample (null when none). */
  closest: string | null;
  /** Share of the sample's bytes covered by windows found in `closest`. */
  closestShare: number;
  /** copiedShare ≥ COPY_FLAG_SHARE. */
  isCopy: boolean;
}

/** Bytes as a latin-1 string: one char per byte, so a window is a cheap exact map key. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i += 4096) s += String.fromCharCode(...bytes.subarray(i, Math.min(to, i + 4096)));
  return s;
}

/** An index of every MIN_COPY_RUN-byte window of the training files (built once, queried per sample). */
export class CopyIndex {
  private readonly windows = new Map<string, number>();
  private readonly names: string[] = [];

  constructor(files: Iterable<{ name: string; bytes: Uint8Array }>, private readonly run = MIN_COPY_RUN) {
    for (const f of files) {
      const id = this.names.push(f.name) - 1;
      const text = latin1(f.bytes, 0, f.bytes.length);
      for (let i = 0; i + run <= text.length; i++) {
        const w = text.slice(i, i + run);
        // The first file holding a window keeps it: exact duplicates across files are rare after dedup.
        if (!this.windows.has(w)) this.windows.set(w, id);
      }
    }
  }

  /** Training files indexed. */
  get size(): number {
    return this.names.length;
  }

  /** The memorisation report of one sample. */
  check(sample: Uint8Array): MemorisationReport {
    const n = sample.length;
    const text = latin1(sample, 0, n);
    const covered = new Uint8Array(n);
    const perFile = new Map<number, Uint8Array>();
    let runStart = -1;
    let longest = 0;
    let lastHit = -2;
    for (let i = 0; i + this.run <= n; i++) {
      const id = this.windows.get(text.slice(i, i + this.run));
      if (id === undefined) continue;
      covered.fill(1, i, i + this.run);
      let mine = perFile.get(id);
      if (!mine) perFile.set(id, (mine = new Uint8Array(n)));
      mine.fill(1, i, i + this.run);
      // Consecutive window hits form one verbatim run of (hits + run - 1) bytes.
      if (lastHit !== i - 1) runStart = i;
      lastHit = i;
      longest = Math.max(longest, i + this.run - runStart);
    }
    const count = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
    let closest: number | null = null;
    let closestBytes = 0;
    for (const [id, mask] of perFile) {
      const c = count(mask);
      if (c > closestBytes) { closest = id; closestBytes = c; }
    }
    const copiedShare = n === 0 ? 0 : count(covered) / n;
    return {
      copiedShare,
      longestRun: longest,
      closest: closest === null ? null : this.names[closest],
      closestShare: n === 0 ? 0 : closestBytes / n,
      isCopy: copiedShare >= COPY_FLAG_SHARE,
    };
  }
}
