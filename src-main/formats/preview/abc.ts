// ABC view model: the notation text (ABC standard 2.1) and the parse warnings abcjs reports, as plain
// text; rendering and playback happen in the renderer with the same parser.
import abcjs from 'abcjs';
import { abcjsRefusal } from '../abc';
import { indexText } from './text';
import { issue, type ParseIssue } from './types';

export interface AbcView {
  text: string;
  tunes: number;
  /** abcjs may engrave and play it (false: a line or the file is beyond ABCJS_LIMITS; see issues). */
  engrave: boolean;
  /** abcjs warnings ("Music Line:7:1: Unknown parameter …") and invalid UTF-8, as plain text. */
  issues: ParseIssue[];
}

/**
 * abcjs marks up the offending characters with HTML; a list of warnings wants plain text. Tags are cut
 * by a scan: `/<[^>]*>/g` rescanned to the end from every '<' that has no '>' after it (quadratic).
 */
function plain(html: string): string {
  let out = '';
  for (let i = 0; i < html.length; ) {
    const lt = html.indexOf('<', i);
    const gt = lt < 0 ? -1 : html.indexOf('>', lt);
    if (gt < 0) { out += html.slice(i); break; } // no tag closes after here: the rest is text
    out += html.slice(i, lt);
    i = gt + 1;
  }
  return out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function parseAbc(bytes: Uint8Array): AbcView {
  const issues: ParseIssue[] = [];
  const index = indexText(bytes);
  if (index.invalidBytes) issues.push(issue(`${index.invalidBytes} bytes are not valid UTF-8 (first at byte ${index.firstInvalid})`, index.firstInvalid));
  const text = new TextDecoder().decode(bytes);
  const refusal = abcjsRefusal(text);
  if (refusal) {
    issues.push(issue(`not engraved: ${refusal} (the notation is shown as text)`));
    return { text, tunes: 0, engrave: false, issues };
  }
  const tunes = abcjs.parseOnly(text);
  for (const tune of tunes) for (const w of tune.warnings ?? []) issues.push(issue(plain(w)));
  const lineCount = tunes.reduce((n, t) => n + t.lines.length, 0);
  if (!/^X:/m.test(text)) issues.push(issue('no X: reference field: this may not be an ABC tune'));
  else if (lineCount === 0) issues.push(issue('the tune has no music lines'));
  return { text, tunes: tunes.length, engrave: true, issues };
}
