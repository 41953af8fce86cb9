// ABC notation verdict (ABC standard 2.1, abcnotation.com/wiki/abc:standard:v2.1): a tune is valid only
// when the tools musicians use take it as it is: abc2midi would convert it without an error and with
// every bar matching its meter (abc-music.ts reads it as abc2midi does), and abcjs parses it without a
// warning (unknown decorations, characters or bar lines). Each tune needs X: first and a K: closing its
// header, and every music line must tokenise as ABC. Trivial repairs: a missing X: or K: line is added.
import abcjs from 'abcjs';
import { MAX_MUSIC_LINE, readAbcMusic, type BadBar } from './abc-music';
import { decodeUtf8 } from './text';
import { invalid, type Verdict } from './verdict';

/** One ABC music token, tried at each position in order (sticky regex). */
const MUSIC_TOKEN = new RegExp([
  String.raw`\s+`,
  String.raw`%.*$`,                                  // comment to end of line
  String.raw`"[^"]*"`,                               // chord symbol or annotation
  String.raw`![^!]*!`, String.raw`\+[^+]*\+`,        // decorations !trill! +trill+
  String.raw`!`,                                     // old-style score line break
  String.raw`:*\|+[\]:]*\d*(?:[,-]\d+)*`,            // bar lines | || |] |: :| :|2 |1
  String.raw`:+|\[\|`, String.raw`\[\d+(?:[,-]\d+)*`, // :: [| [1 (and stray repeat colons)
  String.raw`\(\d(?::\d?(?::\d?)?)?`,                // tuplet (3 (3:2:3
  String.raw`\]\d*\/*\d*`,                          // end of a chord, with its length
  String.raw`[()\[{}]`, String.raw`\{\/`,           // slurs, chords, grace notes
  String.raw`(?:\^{1,2}|_{1,2}|=)?(?:\d*\/\d*|\d+)?[A-Ga-g][,']*\d*\/*\d*`, // note, microtone accidentals _/e _22/100E
  String.raw`[zZxy]\d*\/*\d*`,                       // rests and spacer
  String.raw`[.~HLMOPSTuv]`,                         // one-letter decorations
  String.raw`[<>]+|-|&|\\|\$|\``,                    // broken rhythm, tie, overlay, continuation
].join('|'), 'y');
/** A note or a rest: a tune of rests only (a drum track) is still music. */
const NOTE = /^(?:\^{1,2}|_{1,2}|=)?(?:\d*\/\d*|\d+)?[A-Ga-gzZx]/;
const FIELD_LINE = /^[A-Za-z+]:/;

/** `[K:` (an inline field's opening: a letter and a colon after the bracket). */
function opensInlineField(line: string, at: number): boolean {
  const c = line.charCodeAt(at + 1);
  return line[at] === '[' && line[at + 2] === ':' && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122));
}

/**
 * Why a music line is not ABC (with its column), and how many notes it holds. Inline fields ([K:G],
 * to the next ']') are found here rather than by a `[^\]]*` alternative of MUSIC_TOKEN: that one
 * rescanned to the end of the line from every unclosed `[K:`, quadratic in the line (docs/security.md).
 */
function scanMusicLine(line: string): { notes: number; error?: string } {
  let notes = 0;
  let close = -1; // the first ']' at or after the position, cached: positions only grow
  MUSIC_TOKEN.lastIndex = 0;
  while (MUSIC_TOKEN.lastIndex < line.length) {
    const at = MUSIC_TOKEN.lastIndex;
    if (opensInlineField(line, at)) {
      if (close < at) {
        const found = line.indexOf(']', at);
        close = found < 0 ? Infinity : found;
      }
      if (close !== Infinity) {
        MUSIC_TOKEN.lastIndex = close + 1;
        continue;
      }
    }
    const m = MUSIC_TOKEN.exec(line);
    if (!m) return { notes, error: `column ${at + 1}: '${line[at]}' is not ABC music` };
    if (NOTE.test(m[0])) notes++;
  }
  return { notes };
}

interface TuneCheck { error?: string; fixes: string[]; lines: string[] }

/** Checks one tune (its lines, X: first unless missing); repairs a missing X: or K:. */
function checkTune(lines: string[], firstLine: number, index: number): TuneCheck {
  const fixes: string[] = [];
  const out = [...lines];
  if (!/^X:/.test(out[0])) {
    out.unshift(`X:${index + 1}`);
    fixes.push(`added a missing X: line before line ${firstLine}`);
  }
  let inHeader = true;
  let inTextBlock = false;
  let notes = 0;
  for (let i = 1; i < out.length; i++) {
    const line = out[i];
    const lineNo = firstLine + i - (out.length - lines.length);
    // %%begintext … %%endtext holds free text for typesetting, not music.
    if (/^%%begintext/.test(line)) inTextBlock = true;
    if (/^%%endtext/.test(line)) inTextBlock = false;
    if (inTextBlock || line.startsWith('%') || line.trim() === '') continue;
    if (FIELD_LINE.test(line)) {
      if (/^K:/.test(line)) inHeader = false;
      continue;
    }
    if (inHeader) {
      out.splice(i, 0, 'K:C');
      fixes.push(`added a missing K: line before line ${lineNo}`);
      inHeader = false;
      continue;
    }
    const scan = scanMusicLine(line);
    if (scan.error) return { error: `line ${lineNo}, ${scan.error}`, fixes, lines: out };
    notes += scan.notes;
  }
  if (notes === 0) return { error: `tune ${index + 1} (line ${firstLine}) has no notes or rests`, fixes, lines: out };
  const music = readAbcMusic(out, firstLine - (out.length - lines.length));
  if (music.error) return { error: music.error, fixes, lines: out };
  if (music.badBars.length > 0) return { error: barError(music.badBars), fixes, lines: out };
  return { fixes, lines: out };
}

/** abc2midi's bar warning in words, for the first bar that does not add up (and how many do not). */
function barError(bad: BadBar[]): string {
  const b = bad[0];
  const more = bad.length > 1 ? ` (${bad.length} bars do not match the meter)` : '';
  return `line ${b.line}: bar ${b.bar}${b.voice === '1' ? '' : ` of voice ${b.voice}`} has ${b.has} time units where the meter has ${b.needs}${b.inRepeat ? ' (when repeated)' : ''}${more}`;
}

/** abcjs marks up the offending characters with HTML; a verdict wants plain text. */
function plain(html: string): string {
  return html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}

/** The first warning abcjs (the studio's renderer and player) gives for the text, or null. */
function abcjsWarning(text: string): string | null {
  for (const tune of abcjs.parseOnly(text)) {
    const w = tune.warnings?.[0];
    if (w) return `abcjs: ${plain(w)}`;
  }
  return null;
}

/** Splits a tune book at its X: lines (text before the first X: is the file header). */
export function splitTunes(text: string): { header: string[]; tunes: { lines: string[]; firstLine: number }[] } {
  const lines = text.split(/\r?\n/);
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith('X:')) starts.push(i);
  if (starts.length === 0) {
    // No X: at all: the music starts at the first field or music line.
    const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('%'));
    return { header: [], tunes: first === -1 ? [] : [{ lines: lines.slice(first), firstLine: first + 1 }] };
  }
  const tunes = starts.map((s, k) => ({ lines: lines.slice(s, starts[k + 1] ?? lines.length), firstLine: s + 1 }));
  return { header: lines.slice(0, starts[0]), tunes };
}

/**
 * What the studio hands abcjs (the renderer's engraver and ABC → MIDI) at most (docs/security.md,
 * "Bounded time"). abcjs is quadratic in the length of a line (16,384 dashes on one line: 30 s) and
 * costs up to ~0.1 ms a character on some runs ('>') and ~1 ms a tune; real ABC is far inside these:
 * the repository's 610 tunes and books have lines of at most 162 characters and files of at most 11 KB,
 * and a generated sample is at most one window (8 KB at paper size).
 */
export const ABCJS_LIMITS = { maxLineChars: MAX_MUSIC_LINE, maxChars: 16 * 1024, maxLines: 2_000, maxTunes: 200 };

/** Why `text` is not given to abcjs (a line or the text too long, too many tunes), or null. */
export function abcjsRefusal(text: string, limits = ABCJS_LIMITS): string | null {
  if (text.length > limits.maxChars) return `${text.length} characters, more than the ${limits.maxChars} abcjs is given`;
  let tunes = 0;
  for (let start = 0, line = 1; start <= text.length; line++) {
    const found = text.indexOf('\n', start);
    const end = found < 0 ? text.length : found;
    if (end - start > limits.maxLineChars) return `line ${line} has ${end - start} characters, more than the ${limits.maxLineChars} abcjs is given`;
    if (text.startsWith('X:', start) && ++tunes > limits.maxTunes) return `more than ${limits.maxTunes} tunes`;
    if (line > limits.maxLines) return `more than ${limits.maxLines} lines`;
    if (found < 0) break;
    start = found + 1;
  }
  return null;
}

export function validateAbc(bytes: Uint8Array): Verdict {
  const text = decodeUtf8(bytes);
  if (text === null) return invalid('ABC must be UTF-8 text');
  const { header, tunes } = splitTunes(text);
  if (tunes.length === 0) return invalid('no tune: the file has no ABC fields or music');
  const fixes: string[] = [];
  const fixedTunes: string[][] = [];
  for (const [k, tune] of tunes.entries()) {
    const check = checkTune(tune.lines, tune.firstLine, k);
    if (check.error) return invalid(check.error);
    fixes.push(...check.fixes);
    fixedTunes.push(check.lines);
  }
  const fixedText = [...header, ...fixedTunes.flat()].join('\n');
  // abcjs is quadratic in a line's length: what the studio would not hand it is not a tune it renders.
  const refusal = abcjsRefusal(fixedText);
  if (refusal) return invalid(`abcjs is not given it: ${refusal}`);
  const warning = abcjsWarning(fixedText);
  if (warning) return invalid(warning);
  if (fixes.length === 0) return { verdict: 'valid' };
  const repaired = new TextEncoder().encode(fixedText);
  return { verdict: 'repaired', reason: fixes.join('; '), repaired };
}
