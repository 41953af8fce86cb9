// Tune books cut into tunes (formats/abc-book.ts) on Debian's real books: every tune found or refused
// with a reason, file-header fields inherited, a blank line ends a tune, and "same music" ignores
// numbering, titles, comments and layout.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { cleanTuneLines, musicKey, readTuneBook, tuneHeader, tuneSlug } from '../../../src-main/formats/abc-book';
import { validate } from '../../../src-main/formats';

const source = (rel: string): string => readFileSync(new URL(`../../../datasets/sources/${rel}`, import.meta.url), 'utf8');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('readTuneBook', () => {
  it('cuts Debian abcmidi demo.abc into its 12 tunes, each a valid single tune starting X:1', () => {
    const text = source('abcmidi/demo.abc');
    const book = readTuneBook(text);
    expect(book.tunes.length + book.refused.length).toBe(text.match(/^X:/gm)!.length);
    // Three are refused as abc2midi refuses or warns about them (a tie to a different note, a bar off the meter, a stray character).
    expect(book.tunes.length).toBeGreaterThanOrEqual(9);
    for (const t of book.tunes) {
      expect(t.abc.startsWith('X:1\n'), t.title).toBe(true);
      expect(t.abc.match(/^X:/gm), t.title).toHaveLength(1);
      expect(t.abc.endsWith('\n') && !t.abc.endsWith('\n\n')).toBe(true);
      expect(/^%/m.test(t.abc), t.title).toBe(false);
      expect(validate(enc(t.abc), 'abc').verdict, t.title).toBe('valid');
    }
    expect(book.tunes.map((t) => t.index)).toEqual([...book.tunes.map((t) => t.index)].sort((a, b) => a - b));
  });

  it('gives the tunes of abcm2ps sample.abc that use its M symbol the file header U: line, and refuses what the checker refuses, one reason each', () => {
    const book = readTuneBook(source('abcm2ps/sample.abc'));
    expect(book.header).toEqual(['U:M = !tenuto!']);
    const music = (abc: string) => abc.split('\n').filter((l) => !/^[A-Za-z]:/.test(l)).join('\n').replace(/"[^"]*"|![^!]*!|\[[A-Za-z]:[^\]]*\]/g, '');
    const using = book.tunes.filter((t) => music(t.abc).includes('M'));
    for (const t of book.tunes) expect(t.abc.includes('U:M = !tenuto!'), t.title).toBe(using.includes(t));
    expect(book.refused.length).toBeGreaterThan(0);
    for (const r of book.refused) expect(r.reason).toMatch(/\S/);
    expect(book.refused).toContainEqual(expect.objectContaining({ index: 3, title: 'Key signature, Accidentals and Decorations' }));
  });

  it('gives a user-defined symbol only to the tunes that use it', () => {
    // The letter in an annotation or an inline field is not the symbol (a chord symbol "T" or a decoration !T! the checker refuses).
    const book = readTuneBook('U:T = !trill!\n\nX:1\nT:Uses\nK:C\nTC D E|\n\nX:2\nT:Does not\nK:C\n"^T"C [P:T] D|\n');
    expect(book.tunes.map((t) => t.abc)).toEqual(['X:1\nT:Uses\nU:T = !trill!\nK:C\nTC D E|\n', 'X:1\nT:Does not\nK:C\n"^T"C [P:T] D|\n']);
  });

  it('lets a tune keep its own L: and M: over the file header, and puts inherited fields after the titles', () => {
    const book = readTuneBook('%abc-2.1\nM:6/8\nL:1/8\nR:jig\nI:linebreak $\n\nX:7\nT:One\nK:G\nGAB cde|\n\nX:8\nT:Two\nT:Second title\nM:3/4\nK:D\nDEF|\n');
    expect(book.tunes.map((t) => t.abc)).toEqual([
      'X:1\nT:One\nM:6/8\nL:1/8\nR:jig\nK:G\nGAB cde|\n',
      'X:1\nT:Two\nT:Second title\nL:1/8\nR:jig\nM:3/4\nK:D\nDEF|\n',
    ]);
  });

  it('ends a tune at a blank line: free text after it is not music (abcm2ps newfeatures.abc)', () => {
    const book = readTuneBook(source('abcm2ps/newfeatures.abc'));
    for (const t of book.tunes) expect(t.abc).not.toContain('Summary of changes');
    const inline = readTuneBook('X:1\nT:A\nK:C\nCDE|\n\nSome words about it.\nMore words.\nX:2\nT:B\nK:C\nGAB|\n');
    expect(inline.tunes.map((t) => t.abc)).toEqual(['X:1\nT:A\nK:C\nCDE|\n', 'X:1\nT:B\nK:C\nGAB|\n']);
  });

  it('refuses a tune without K: and one that is not ABC, with the line of its X:', () => {
    const book = readTuneBook('X:1\nT:No key\nCDE|\n\nX:2\nT:Broken\nK:C\nC D E ? ?|\n\nX:3\nT:Fine\nK:C\nCDE|\n');
    expect(book.tunes.map((t) => t.title)).toEqual(['Fine']);
    expect(book.refused).toEqual([
      { index: 1, line: 1, title: 'No key', reason: 'no K: line (a tune needs a key to be played)' },
      { index: 2, line: 5, title: 'Broken', reason: expect.stringMatching(/'\?' is not ABC music/) },
    ]);
  });

  it('joins an ABC 2.0 field continued with a backslash, and takes a file without X: as one tune', () => {
    expect(cleanTuneLines(['X:3', 'T:A long\\', 'title', 'K:C', 'CDE|\\', 'FGA|'])).toEqual(['X:1', 'T:A longtitle', 'K:C', 'CDE|\\', 'FGA|']);
    expect(readTuneBook('T:Bare\nK:D\nDEF|\n').tunes.map((t) => t.abc)).toEqual(['X:1\nT:Bare\nK:D\nDEF|\n']);
    expect(readTuneBook('% nothing\n\n').tunes).toEqual([]);
  });
});

describe('cleaning and identity', () => {
  it('drops comments, directives and typesetting blocks; cleaning a clean tune changes nothing', () => {
    const lines = ['X:12', 'T:A % the title', '%%scale 0.8', '%%begintext', 'free text', '%%endtext', 'K:G', 'GAB "Em"e2 | % end', '% a remark', ''];
    const clean = cleanTuneLines(lines);
    expect(clean).toEqual(['X:1', 'T:A', 'K:G', 'GAB "Em"e2 |']);
    expect(cleanTuneLines(clean)).toEqual(clean);
    expect(cleanTuneLines(['X:1', 'T:50\\% off', 'K:C', '"a%b"C|'])).toEqual(['X:1', 'T:50\\% off', 'K:C', '"a%b"C|']);
  });
  it('calls two copies the same music despite numbers, titles, sources, comments and spacing, and not a changed note', () => {
    const a = 'X:1\nT:The Kesh\nS:a book\nM:6/8\nK:G\nGAG GAB|ABA ABd|\n';
    const b = 'X:214\nT:Kesh Jig\nZ:someone\nM:6/8\nK:G\nGAG GAB | ABA ABd |   % same\n';
    expect(musicKey(a)).toBe(musicKey(b));
    expect(musicKey(a)).not.toBe(musicKey(a.replace('ABd', 'ABc')));
    expect(musicKey(a)).not.toBe(musicKey(a.replace('K:G', 'K:D')));
  });
  it('reads a tune header for an index, and names tunes as files', () => {
    expect(tuneHeader('X:1\nT:Coleraine\nT:other\nM:6/8\nL:1/8\nK:Am % minor\nM:3/4\nabc|\n')).toEqual({ title: 'Coleraine', key: 'Am', meter: '6/8', unitLength: '1/8' });
    expect(tuneHeader('X:1\nK:C\nC|\n')).toEqual({ title: '', key: 'C', meter: null, unitLength: null });
    expect(tuneSlug('The First Slip "Arranged by…"')).toBe('the-first-slip-arranged-by');
    expect(tuneSlug('')).toBe('tune');
    expect(tuneSlug('x'.repeat(200)).length).toBeLessThanOrEqual(60);
  });
});

describe('layout', () => {
  it('writes fields one way and music without tabs, as abc2abc laid out the built-in tunes', () => {
    expect(cleanTuneLines(['X: 4', 'T:  Two   spaces', 'Q: 1/4 = 142', 'M: 6 / 8', 'K: G', 'GAB\tcde|'])).toEqual(['X:1', 'T:Two spaces', 'Q:1/4=142', 'M:6/8', 'K:G', 'GAB cde|']);
  });
});
