// Format-aware sampling grammars: real tunes pass, the failures docs/quality.md saw are refused.
import { MidiConstraint } from '../../../src-main/formats/constraints-midi';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AbcTuneGrammar, constraintFor, Utf8Constraint, type ByteConstraint } from '../../../src-main/formats/constraints';

const TUNES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets/abc-tunes/train');

/** Index of the first byte (256 = end) the constraint refuses, or -1 when it accepts the whole file. */
function firstRefused(c: ByteConstraint, bytes: Uint8Array, end = true): number {
  const seq = end ? [...bytes, 256] : [...bytes];
  for (const [i, b] of seq.entries()) {
    if (!c.allows(b)) return i;
    c.push(b);
  }
  return -1;
}
const enc = (s: string) => new TextEncoder().encode(s);

describe('format constraints', () => {
  it('UTF-8: accepts well-formed text, refuses stray continuation bytes, overlong forms and surrogates', () => {
    expect(firstRefused(new Utf8Constraint(), enc('Ça va — très bien 🎵\n'))).toBe(-1);
    expect(firstRefused(new Utf8Constraint(), Uint8Array.from([0x41, 0x80]))).toBe(1);
    expect(firstRefused(new Utf8Constraint(), Uint8Array.from([0xe0, 0x80, 0x80]))).toBe(1);
    expect(firstRefused(new Utf8Constraint(), Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstRefused(new Utf8Constraint(), Uint8Array.from([0xc3]), true)).toBe(1); // cannot end mid-character
  });

  it('ABC header: X: first, closed meter / length / key values, M: before K:, K: ends it', () => {
    const ok = 'X:1\nT:The Boys\nM:6/8\nL:1/8\nQ:1/4=120\nK:Ador\n';
    const c = new AbcTuneGrammar();
    expect(firstRefused(c, enc(ok), false)).toBe(-1);
    expect(c.inBody).toBe(true);
    // The abc2midi complaints of docs/quality.md: a length that is not a fraction, a key that is not a key.
    expect(firstRefused(new AbcTuneGrammar(), enc('X:1\nL:8\n'), false)).toBe(6);
    expect(firstRefused(new AbcTuneGrammar(), enc('X:1\nM:C\nK:Hm\n'), false)).toBe(10);
    expect(firstRefused(new AbcTuneGrammar(), enc('X:1\nK:G\n'), false)).toBe(4); // bars are checked against M:, so it comes first
    expect(firstRefused(new AbcTuneGrammar(), enc('T:no number\n'), false)).toBe(0);
    expect(firstRefused(new AbcTuneGrammar(), enc('X:1\nM:6/8'), true)).toBe(9); // cannot end in the header
  });

  it('ABC tune: plain built-in tunes pass whole; garbage bodies are refused', () => {
    // The grammar is a strict subset (one voice, no key or meter changes, no lyrics): the plain folk tunes pass.
    const names = readdirSync(TUNES).filter((n) => !n.includes('~'));
    const passing = names.filter((n) => firstRefused(constraintFor('abc') as ByteConstraint, new Uint8Array(readFileSync(path.join(TUNES, n)))) === -1);
    // (Most built-in tunes keep their books' layout: two spaces opening a line, `Q:140`, `P:` lines, clefs.)
    expect(passing.length).toBeGreaterThan(0);
    const head = 'X:1\nT:t\nM:4/4\nL:1/8\nK:G\n';
    for (const [body, at] of [['abc^|', 4], ['a ,c', 2], ['mab', 0], ['"Hm"a', 1], ['a/3', 2], ['[abcde]', 5], ['\n', 0]] as const) {
      expect(firstRefused(constraintFor('abc') as ByteConstraint, enc(head + body), false), body).toBe(head.length + at);
    }
    const bar = '"G"d2 B>c dB cd | A2 {g}A2 [DA]4 |';
    expect(firstRefused(constraintFor('abc') as ByteConstraint, enc(head + `|: ${bar.repeat(4)}\n${bar.repeat(3)} "G"d2 B>c dB cd | A2 {g}A2 [DA]4 :|\n`))).toBe(-1);
  });

  it('ABC: a text field keeps whole UTF-8 characters within its length limit', () => {
    // A header text field at its length limit that the model ends with the first byte of a 4-byte
    // character: the field wants a newline, UTF-8 wants a continuation byte (seen in a sample, 2026-12-01).
    // The grammar counts the character's bytes itself, so it never gets there.
    const push = (c: ByteConstraint, text: string | number[]) => { for (const b of typeof text === 'string' ? Buffer.from(text, 'latin1') : text) c.push(b); };
    const probe = constraintFor('abc')!;
    push(probe, 'X:1\nC:');
    let room = 0;
    while (probe.allows(0x61) && room < 10_000) { probe.push(0x61); room += 1; }
    expect(room).toBeGreaterThan(10);
    expect(room).toBeLessThan(10_000);
    const c = constraintFor('abc')!;
    push(c, 'X:1\nC:' + 'a'.repeat(room - 1));
    expect(c.allows(0xf1)).toBe(true);
    c.push(0xf1);
    const allowed = () => Array.from({ length: 257 }, (_, b) => b).filter((b) => c.allows(b));
    expect(allowed()).toEqual(Array.from({ length: 0x40 }, (_, i) => 0x80 + i)); // continuation bytes only
    push(c, [0x80, 0x80, 0x80]);
    expect(allowed()).toEqual([0x0a]); // then the line ends
  });

  it('ABC: a prompt outside the grammar relaxes it to UTF-8 only, never to no rules at all', () => {
    const c = constraintFor('abc')!;
    for (const b of enc('X:1\nM:4/4\nK:G\nV:2\n')) c.push(b); // a second voice: not in the grammar
    expect(c.allows(0x41)).toBe(true);
    expect(c.allows(0x80)).toBe(false); // still no stray continuation byte
    expect(c.allows(0x07)).toBe(false); // nor control characters
    expect(c.relax?.()).toBe(false); // nothing left to relax
  });

  it('MIDI has its grammar (formats/constraints-midi.ts); other binary formats have none', () => {
    expect(constraintFor('mid')).toBeInstanceOf(MidiConstraint);
    expect(constraintFor('wav')).toBeNull();
    expect(constraintFor('txt')).toBeInstanceOf(Utf8Constraint);
  });
});
