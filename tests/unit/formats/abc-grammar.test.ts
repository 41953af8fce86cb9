// The ABC tune grammar (src-main/formats/abc-grammar.ts): whatever path a sampler takes through it ends
// in a tune abc2midi converts with every bar at the meter's length, within the bytes it was given.
import { describe, expect, it } from 'vitest';
import { AbcTuneGrammar, MIN_BARS } from '../../../src-main/formats/abc-grammar';
import { constraintFor, type ByteConstraint } from '../../../src-main/formats/constraints';
import { readAbcMusic } from '../../../src-main/formats/abc-music';
import { splitTunes } from '../../../src-main/formats/abc';
import { validate } from '../../../src-main/formats/validate';
import { mulberry32 } from '../../../src-main/formats/prng';
import { abc2midiReport, hasAbcmidi } from '../../../src-main/datasets/tunebook';

const END = 256;
const enc = (s: string) => new TextEncoder().encode(s);

/** Index of the first byte (END included when `end`) the grammar refuses, or -1. */
function firstRefused(c: ByteConstraint, text: string, end = true): number {
  const seq = [...enc(text), ...(end ? [END] : [])];
  for (const [i, b] of seq.entries()) {
    if (!c.allows(b)) return i;
    c.push(b);
  }
  return -1;
}

/**
 * A walk through the grammar drawn from random, peaky scores (printable ASCII and newlines favoured, as
 * a model's would be), masked by the grammar as the sampler masks them. Returns the bytes and whether
 * the end value was drawn.
 */
function walk(seed: number, room: number): { bytes: Uint8Array; ended: boolean; stuck: boolean } {
  const rng = mulberry32(seed);
  const c = constraintFor('abc', { budget: room })!;
  const bias = (b: number) => (b === END ? 2 : b === 10 ? 1.5 : b >= 0x20 && b < 0x7f ? 1 : -3);
  const out: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const w = new Float64Array(257);
    let total = 0;
    for (let b = 0; b <= END; b++) if (c.allows(b)) total += (w[b] = Math.exp(bias(b) + 2 * rng.next()));
    if (total === 0) return { bytes: Uint8Array.from(out), ended: false, stuck: true };
    let x = rng.next() * total;
    let pick = END;
    for (let b = 0; b <= END; b++) if (w[b] > 0 && (x -= w[b]) <= 0) { pick = b; break; }
    if (pick === END) return { bytes: Uint8Array.from(out), ended: true, stuck: false };
    c.push(pick);
    out.push(pick);
  }
  return { bytes: Uint8Array.from(out), ended: false, stuck: false };
}

const HEAD = 'X:1\nT:t\nM:4/4\nL:1/8\nK:G\n';

describe('ABC tune grammar', () => {
  it.each([1007, 300])('random walks end within %i bytes, as tunes the verdict calls valid, of at least MIN_BARS bars', (room) => {
    for (let seed = 1; seed <= 12; seed++) {
      const w = walk(seed * 7919 + room, room);
      expect(w.stuck, `seed ${seed}`).toBe(false);
      expect(w.ended, `seed ${seed}`).toBe(true);
      expect(w.bytes.length).toBeLessThanOrEqual(room);
      const v = validate(w.bytes, 'abc');
      expect(v.verdict, `seed ${seed}: ${v.reason}`).toBe('valid');
      const tunes = splitTunes(new TextDecoder().decode(w.bytes)).tunes;
      expect(tunes).toHaveLength(1);
      const music = readAbcMusic(tunes[0].lines, tunes[0].firstLine);
      expect(music.bars).toBeGreaterThanOrEqual(MIN_BARS);
      expect(music.badBars).toEqual([]);
    }
  });

  it.skipIf(!hasAbcmidi())('abc2midi converts random walks with no error and no bar off the meter', () => {
    for (let seed = 100; seed < 112; seed++) {
      const w = walk(seed, 600);
      const r = abc2midiReport(new TextDecoder().decode(w.bytes));
      expect(r.errors, `seed ${seed}`).toBe('');
      expect(r.firstBadBar, `seed ${seed}`).toBe('');
      expect(r.badBars).toBe(0);
    }
  });

  it('a bar closes exactly at the meter: nothing more after it is full, no short bar but a pickup', () => {
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A8B', false)).toBe(HEAD.length + 2);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A6|B8|', false)).toBe(-1); // a pickup
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A6|B6| ', false)).toBe(HEAD.length + 6); // the second bar is short
    expect(firstRefused(new AbcTuneGrammar(), HEAD + '(3ABc d6|', false)).toBe(-1); // a triplet takes the time of two
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A>B c6|', false)).toBe(-1);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A>B c8', false)).toBe(HEAD.length + 5); // would overfill
  });

  it('a tune ends only after MIN_BARS full bars, a final bar line and a newline', () => {
    const bars = (n: number) => 'B8|'.repeat(n);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + bars(MIN_BARS - 1) + '\n')).toBe(HEAD.length + 3 * (MIN_BARS - 1) + 1);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + bars(MIN_BARS) + '\n')).toBe(-1);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + bars(MIN_BARS))).toBe(HEAD.length + 3 * MIN_BARS); // the newline first
  });

  it('repeats close at the offset they opened at: a pickup inside |: makes the :| bar short by it', () => {
    const body = '|:A|' + 'B8|'.repeat(MIN_BARS);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + body + 'B4 A3:|\n')).toBe(-1);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + body + 'B8:|\n', false)).toBe(HEAD.length + body.length + 2);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + body + 'B4 A3|\n')).toBe(HEAD.length + body.length + 5); // a short bar inside it
    // An open repeat must close before the tune ends; endings follow their repeat.
    expect(firstRefused(new AbcTuneGrammar(), HEAD + '|:' + 'B8|'.repeat(MIN_BARS) + '\n')).toBe(HEAD.length + 2 + 3 * MIN_BARS + 1);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + '|:' + 'B8|'.repeat(MIN_BARS - 1) + '1 B8:|2 c8|\n')).toBe(-1);
  });

  it('a tie leads to the same note', () => {
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A4-B', false)).toBe(HEAD.length + 3);
    expect(firstRefused(new AbcTuneGrammar(), HEAD + 'A4-A4|', false)).toBe(-1);
  });

  it('the ending is planned from the room left: near it only the shortest way to a proper end remains', () => {
    // Room for exactly MIN_BARS bars of `B8|` after the header, and the newline.
    const room = HEAD.length + 3 * MIN_BARS + 1;
    const c = new AbcTuneGrammar(room);
    expect(firstRefused(c, HEAD + 'B8|', false)).toBe(-1);
    expect(c.allows('B'.charCodeAt(0))).toBe(true);
    expect(c.allows(' '.charCodeAt(0))).toBe(false); // a space would leave too little room
    expect(firstRefused(new AbcTuneGrammar(room), HEAD + 'B8|'.repeat(MIN_BARS) + '\n')).toBe(-1);
    // With room to spare, the grammar leaves the model its choices: every note letter, rests, a chord, a space.
    const free = new AbcTuneGrammar(1007);
    firstRefused(free, HEAD + 'B8|', false);
    for (const ch of 'ABCDEFGabcdefgz[" |') expect(free.allows(ch.charCodeAt(0)), ch).toBe(true);
  });
});
