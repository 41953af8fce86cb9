// ABC tune books → one clean tune per text (ABC standard 2.1 §2.2, abcnotation.com/wiki/abc:standard:v2.1).
// A book is a file header (the lines before the first X:) and tunes, each from its X: line to the first
// blank line (§2.2.1: a blank line ends a tune; what follows is free text until the next X:). Each tune
// keeps the file-header fields that apply to it (§2.2.2: the file header sets defaults for every tune; a
// field the tune sets itself wins), loses its comments and typesetting directives (layout, not music: a
// small model should not spend its capacity on a book's remarks), and is renumbered X:1. The import of
// tune books (datasets/import.ts) and the built-in sets (datasets/builtin.ts) both cut books here.
import { validateAbc } from './abc';

/**
 * Fields a file header may hold that apply to every tune (§3, table of information fields, "file header"
 * column): area, book, composer, discography, file, group, history, note length, meter, macro, notes,
 * origin, rhythm, remark, source, user-defined symbol, transcription. I: (instructions) is layout only.
 */
const FILE_HEADER_FIELDS = 'ABCDFGHLMmNORrSUZ';
const FIELD_LINE = /^([A-Za-z+]):/;

/** One tune of a book, cleaned. */
export interface BookTune {
  /** 1-based position in the book. */
  index: number;
  /** Line of its X: in the book (1-based). */
  line: number;
  /** First T: value, or '' when it has none. */
  title: string;
  /** The single-tune text: X:1 first, inherited header fields, no comments, '\n' line ends, one final newline. */
  abc: string;
}

/** A tune the book held that is not taken, with the reason in words. */
export interface RefusedTune {
  index: number;
  line: number;
  title: string;
  reason: string;
}

export interface TuneBook {
  tunes: BookTune[];
  refused: RefusedTune[];
  /** The inherited file-header field lines. */
  header: string[];
}

/** Drops the lines of `%%begintext`…`%%endtext` (and `%%beginps`, `%%beginsvg`…) blocks: typesetting, not music. */
function withoutBlocks(lines: string[]): string[] {
  const out: string[] = [];
  let block: string | null = null;
  for (const line of lines) {
    if (block !== null) {
      if (line.startsWith(`%%end${block}`)) block = null;
      continue;
    }
    const begin = /^%%begin(\w+)/.exec(line);
    if (begin) block = begin[1];
    else out.push(line);
  }
  return out;
}

/**
 * A line without its `%` comment (outside quoted strings; `\%` is a literal) and trailing spaces.
 * trimEnd, not a `\s+$` regex: that one is quadratic on a line of many spaces (docs/security.md).
 */
export function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') { i++; continue; }
    if (c === '"') quoted = !quoted;
    else if (c === '%' && !quoted) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/**
 * One layout for every tune (what `abc2abc` did for the built-in set): a field line without spaces after
 * its colon and with single spaces inside (`Q: 1/4 = 120` → `Q:1/4=120`), tabs as spaces in music lines.
 */
function layout(line: string): string {
  const field = FIELD_LINE.exec(line);
  if (!field) return line.replace(/\t/g, ' ');
  let value = line.slice(2).trim().replace(/\s+/g, ' ');
  // No spaces around '=' and '/' (split on the one character, then trim: linear, where `\s*[=/]\s*` is not).
  if (field[1] === 'Q' || field[1] === 'L' || field[1] === 'M') value = value.split(/([=/])/).map((t) => t.trim()).join('');
  return `${field[1]}:${value}`;
}

/**
 * The lines of one tune without comments, `%%` directives, typesetting blocks or blank lines, in one
 * layout, X: renumbered to 1. Idempotent: a clean tune comes back as it was.
 */
export function cleanTuneLines(lines: string[]): string[] {
  const out: string[] = [];
  for (const raw of withoutBlocks(lines)) {
    if (raw.startsWith('%')) continue;
    const line = layout(stripComment(raw));
    if (line.trim() === '') continue;
    // ABC 2.0 continued a field with a final backslash (2.1 writes '+:'): one field line, as abc2abc joins it.
    const prev = out.length > 0 ? out[out.length - 1] : '';
    if (FIELD_LINE.test(prev) && prev.endsWith('\\')) out[out.length - 1] = prev.slice(0, -1) + line;
    else out.push(line);
  }
  if (out.length > 0 && /^X:/.test(out[0])) out[0] = 'X:1';
  return out;
}

/** The file-header fields of a book (the lines before its first X:). */
function fileHeaderFields(lines: string[]): string[] {
  return cleanTuneLines(lines).filter((l) => {
    const m = FIELD_LINE.exec(l);
    return m !== null && FILE_HEADER_FIELDS.includes(m[1]);
  });
}

/**
 * Adds the file-header fields the tune does not set itself, after its X: and T: lines. A user-defined
 * symbol (U:) comes only to a tune whose music uses its letter: elsewhere it defines nothing.
 */
function inherit(tune: string[], header: string[]): string[] {
  if (header.length === 0) return tune;
  const kEnd = tune.findIndex((l) => /^K:/.test(l));
  const own = new Set(tune.slice(0, kEnd === -1 ? tune.length : kEnd).flatMap((l) => FIELD_LINE.exec(l)?.[1] ?? []));
  const music = header.some((l) => l[0] === 'U') ? bareMusic(tune.filter((l) => !FIELD_LINE.test(l)).join('\n')) : '';
  const uses = (l: string) => {
    const symbol = /^U:\s*(\S)/.exec(l)?.[1];
    return symbol !== undefined && music.includes(symbol);
  };
  const add = header.filter((l) => !own.has(l[0]) && (l[0] !== 'U' || uses(l)));
  let at = 1;
  while (at < tune.length && /^T:/.test(tune[at])) at++;
  return [...tune.slice(0, at), ...add, ...tune.slice(at)];
}

/**
 * Music without chord symbols and annotations ("…"), decorations (!…!) and inline fields ([K:…]): what a
 * U: symbol's letter may be found in. One pass; an unclosed one stays as text. The next ']' is found once
 * and kept while positions pass it (a regex `\[[A-Za-z]:[^\]]*\]` rescans the rest of the text from
 * every unclosed `[K:`: quadratic, docs/security.md).
 */
function bareMusic(music: string): string {
  const parts: string[] = [];
  let close = -1; // the first ']' at or after the position, or Infinity
  let from = 0;
  let i = 0;
  while (i < music.length) {
    const c = music[i];
    let end = -1;
    if (c === '"' || c === '!') end = music.indexOf(c, i + 1);
    else if (c === '[' && music[i + 2] === ':' && /[A-Za-z]/.test(music[i + 1] ?? '')) {
      if (close < i) {
        const found = music.indexOf(']', i);
        close = found < 0 ? Infinity : found;
      }
      if (close !== Infinity) end = close;
    }
    if (end === -1) {
      i++;
      continue;
    }
    parts.push(music.slice(from, i));
    i = from = end + 1;
  }
  parts.push(music.slice(from));
  return parts.join('');
}

/** The first T: value of a tune's lines. */
export function titleOf(lines: string[]): string {
  return lines.find((l) => /^T:/.test(l))?.slice(2).trim() ?? '';
}

/**
 * Every tune of a book, cut and cleaned; a tune with no K: line or that the studio's ABC checker
 * refuses is listed in `refused` with the reason. A file without any X: line is one tune.
 */
export function readTuneBook(text: string): TuneBook {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // A loop, not flatMap: a 1 MB run of newlines would make a million empty arrays.
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith('X:')) starts.push(i);
  if (starts.length === 0) {
    const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('%'));
    if (first === -1) return { tunes: [], refused: [], header: [] };
    starts.push(first);
  }
  const header = starts[0] > 0 && /^X:/.test(lines[starts[0]]) ? fileHeaderFields(lines.slice(0, starts[0])) : [];
  const tunes: BookTune[] = [];
  const refused: RefusedTune[] = [];
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? lines.length;
    // A blank line ends the tune (§2.2.1); free text may follow until the next X:.
    let stop = start + 1;
    while (stop < end && lines[stop].trim() !== '') stop++;
    const raw = lines.slice(start, stop);
    const index = k + 1;
    const line = start + 1;
    const clean = cleanTuneLines(/^X:/.test(raw[0]) ? raw : ['X:1', ...raw]);
    const title = titleOf(clean);
    const refuse = (reason: string) => refused.push({ index, line, title, reason });
    if (!clean.some((l) => /^K:/.test(l))) return refuse('no K: line (a tune needs a key to be played)');
    const abc = inherit(clean, header).join('\n') + '\n';
    const verdict = validateAbc(new TextEncoder().encode(abc));
    if (verdict.verdict === 'invalid') return refuse(verdict.reason ?? 'not ABC');
    tunes.push({ index, line, title, abc });
  });
  return { tunes, refused, header };
}

/** Free-text fields: who wrote it down and where, not the music (two books' copies of a tune differ in them). */
const TEXT_FIELDS = new Set('ABCDFGHINORSTWZrX'.split(''));

/**
 * What makes two tunes "the same music": the lines other than X:, titles and the other free-text
 * fields, with all whitespace removed (layout differs between books).
 */
export function musicKey(abc: string): string {
  return abc.split(/\r?\n/).map(stripComment)
    .filter((l) => !(FIELD_LINE.test(l) && TEXT_FIELDS.has(l[0])) && !l.startsWith('%'))
    .map((l) => l.replace(/\s+/g, ''))
    .filter((l) => l !== '')
    .join('\n');
}

/** A tune's title, key, meter and unit note length (its header fields), for an index of a book. */
export interface TuneHeader {
  title: string;
  key: string | null;
  meter: string | null;
  unitLength: string | null;
}

/** The header fields of the first tune in `abc` (the first K: ends the header). */
export function tuneHeader(abc: string): TuneHeader {
  const out: TuneHeader = { title: '', key: null, meter: null, unitLength: null };
  for (const raw of abc.split(/\r?\n/)) {
    const l = stripComment(raw);
    if (/^T:/.test(l) && out.title === '') out.title = l.slice(2).trim();
    else if (/^M:/.test(l) && out.meter === null) out.meter = l.slice(2).trim();
    else if (/^L:/.test(l) && out.unitLength === null) out.unitLength = l.slice(2).trim();
    else if (/^K:/.test(l)) {
      out.key = l.slice(2).trim();
      break;
    }
  }
  return out;
}

/** 'The First Slip "Arranged by…"' → 'the-first-slip-arranged-by': a file name for a tune ('tune' when untitled). */
export function tuneSlug(title: string): string {
  return title.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60).replace(/-$/, '') || 'tune';
}
