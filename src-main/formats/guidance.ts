// Guidance instead of dead ends (docs/music.md): a generated file's verdict, why it failed in words a
// musician can act on (not UTF-8, no header, cut by the window…) and what to try next. The CLI prints
// it after `bgpt generate`; the studio's sample view shows it.
import { decodeUtf8 } from './text';
import { validate } from './validate';
import { expectedModality } from './validate';
import type { Verdict } from './verdict';

/** How generation ended, as the engine reports it (infer/generate.ts StopReason). */
export type StopKind = 'end' | 'max-bytes' | 'window' | 'cancelled';

export interface SampleContext {
  stoppedBy?: StopKind;
  /** The model's window in patches (named in the message when the window cut the file). */
  windowPatches?: number;
}

export interface SampleJudgement extends Verdict {
  /** Why the file failed (or what limited it), in words; empty for a clean valid file. */
  causes: string[];
  /** Next steps to try, most useful first; empty for a clean valid file. */
  advice: string[];
  /** Generation stopped because the window was full: the file may be cut short. */
  stoppedAtWindow: boolean;
}

const ADVICE = {
  longer: 'train longer (more steps), or with more data (the built-in ABC tunes hold every tune in twelve keys)',
  bigger: 'use a bigger preset (tunes → small) if the loss has stopped falling',
  window: 'use a preset with a longer window (small: 256 patches), or generate shorter files with --max-bytes',
  conversion: 'to make MIDI, convert ABC instead (conversion mode abc->mid on the built-in ABC → MIDI pairs): far easier than free MIDI',
  published: 'fine-tune a published bGPT model (`bgpt models download conversion`, then train with --init) instead of starting from scratch',
  sampling: 'sample more conservatively: lower --temperature (e.g. 0.7) or --top-p (e.g. 0.8)',
};

/**
 * Whether some line starts with `X:` after its leading whitespace. A scan of lines: `/^\s*X:/m`
 * retried its `\s*` (which crosses newlines) from every line start, quadratic in blank lines.
 */
function hasXLine(text: string): boolean {
  for (let start = 0; start <= text.length; ) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    if (line.trimStart().startsWith('X:')) return true;
    if (end < 0) return false;
    start = end + 1;
  }
  return false;
}

/** The cause of an invalid verdict, in words, from the validator's reason and the bytes. */
function causeOf(bytes: Uint8Array, ext: string, reason: string): string {
  const modality = expectedModality(bytes, ext);
  if (bytes.length === 0) return 'the model ended the file at once: it is empty';
  if ((modality === 'abc' || modality === 'text') && decodeUtf8(bytes) === null) return 'not UTF-8 text: the model has not yet learned the characters of the format';
  if (modality === 'abc' && !hasXLine(decodeUtf8(bytes) ?? '')) return `no tune header (no X: line): ${reason}`;
  if (modality === 'midi' && !(bytes[0] === 0x4d && bytes[1] === 0x54 && bytes[2] === 0x68 && bytes[3] === 0x64)) return 'no MIDI header (the file does not start with MThd)';
  return reason;
}

/** Judges a generated file and explains the outcome. */
export function judgeSample(bytes: Uint8Array, ext: string, ctx: SampleContext = {}): SampleJudgement {
  const v = validate(bytes, ext);
  const stoppedAtWindow = ctx.stoppedBy === 'window';
  const causes: string[] = [];
  const advice: string[] = [];
  if (stoppedAtWindow) {
    causes.push(`generation stopped at the window size (${ctx.windowPatches ?? '?'} patches) before the model ended the file: it may be cut short`);
  }
  if (v.verdict === 'invalid') {
    causes.push(causeOf(bytes, ext, v.reason ?? 'invalid'));
    if (stoppedAtWindow) advice.push(ADVICE.window);
    advice.push(ADVICE.longer, ADVICE.sampling, ADVICE.bigger);
    if (expectedModality(bytes, ext) === 'midi') advice.push(ADVICE.conversion);
    advice.push(ADVICE.published);
  } else if (v.verdict === 'repaired') {
    causes.push(`repaired: ${v.reason}`);
    advice.push(ADVICE.longer);
  } else if (stoppedAtWindow) {
    advice.push(ADVICE.window);
  }
  return { ...v, causes, advice, stoppedAtWindow };
}

/** One line for a CLI: the causes, then 'try: …' with the first two suggestions. */
export function guidanceLine(j: SampleJudgement): string {
  if (j.causes.length === 0) return '';
  const tries = j.advice.slice(0, 2);
  return j.causes.join('; ') + (tries.length > 0 ? `. Try: ${tries.join('; or ')}` : '');
}
