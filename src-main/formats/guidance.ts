// Guidance instead of dead ends (docs/music.md): a generated file's verdict, why it failed in words a
// musician can act on (not UTF-8, no header, cut by the window…) and what to try next. The advice reads
// the sample's real settings and run (no "lower the temperature to 0.7" at 0.6, no "use the built-in
// tunes" to a run trained on them) and names the control of the front end showing it: the flag in the
// CLI (`bgpt generate` prints it), the form field's label in the studio (its sample view).
import { decodeUtf8 } from './text';
import { validate } from './validate';
import { expectedModality } from './validate';
import type { Verdict } from './verdict';

/** How generation ended, as the engine reports it (infer/generate.ts StopReason). */
export type StopKind = 'end' | 'max-bytes' | 'window' | 'cancelled';

/** Where the guidance is shown: it names the controls of that front end. */
export type FrontEnd = 'cli' | 'ui';

/** The run a sample came from, as far as the advice needs it (absent for a model file). */
export interface SampleRunContext {
  /** It trained on the built-in ABC tunes (datasets/): more data is not the first thing to try. */
  usedBuiltInTunes: boolean;
  preset: string | null;
  steps: number;
}

export interface SampleContext {
  stoppedBy?: StopKind;
  /** The model's window in patches (named in the message when the window cut the file). */
  windowPatches?: number;
  /** The sampling settings the sample was made with. */
  sampling?: { temperature?: number | null; topP?: number | null };
  run?: SampleRunContext | null;
  /** Default 'cli'. */
  frontEnd?: FrontEnd;
}

export interface SampleJudgement extends Verdict {
  /** Why the file failed (or what limited it), in words; empty for a clean valid file. */
  causes: string[];
  /** Next steps to try, most useful first; empty for a clean valid file. */
  advice: string[];
  /** Generation stopped because the window was full: the file may be cut short. */
  stoppedAtWindow: boolean;
}

/** Each setting as a front end names it: the flag in the CLI, the form field's label in the studio. */
const CONTROL = {
  temperature: { cli: '--temperature', ui: 'Temperature (Generate)' },
  topP: { cli: '--top-p', ui: 'Top-p (Generate)' },
  maxBytes: { cli: '--max-bytes', ui: 'Max bytes (Generate)' },
  steps: { cli: '--steps', ui: 'Steps (Train)' },
  preset: { cli: '--preset', ui: 'Model (Train)' },
  published: { cli: '`bgpt models download conversion`, then train with --init', ui: 'Models → Published models, then Train → Start from that model' },
  conversion: { cli: '--conversion abc->mid', ui: 'Train → Mode: Conversion, abc->mid' },
} as const;

/** Below these, sampling is already conservative: lowering it further is not the advice. */
const LOW_TEMPERATURE = 0.5;
const LOW_TOP_P = 0.7;
/** The next preset up, for "use a bigger model". */
const BIGGER: Record<string, string> = { tiny: 'small', tunes: 'small', small: 'paper' };

function adviceFor(ctx: SampleContext) {
  const fe = ctx.frontEnd ?? 'cli';
  const c = (k: keyof typeof CONTROL) => CONTROL[k][fe];
  const run = ctx.run ?? null;
  return {
    longer: run?.usedBuiltInTunes
      ? `train longer: more ${c('steps')} than this run's ${run.steps} (it already trained on the built-in ABC tunes)`
      : `train longer (more ${c('steps')}${run ? ` than this run's ${run.steps}` : ''}), or with more data (the built-in ABC tunes hold every tune in twelve keys)`,
    bigger: (() => {
      const next = BIGGER[run?.preset ?? 'tunes'];
      return next ? `use a bigger model (${c('preset')}: ${run?.preset ?? 'tunes'} → ${next}) if the loss has stopped falling` : null;
    })(),
    window: `use a model with a longer window (${c('preset')}: small has 256 patches), or generate shorter files with ${c('maxBytes')}`,
    conversion: `to make MIDI, convert ABC instead (${c('conversion')} on the built-in ABC → MIDI pairs): far easier than free MIDI`,
    published: `fine-tune a published bGPT model (${c('published')}) instead of starting from scratch`,
    sampling: samplingAdvice(ctx.sampling ?? {}, c),
  };
}

/** Lower sampling settings than the sample's own, or null when they are already low. */
function samplingAdvice(s: NonNullable<SampleContext['sampling']>, c: (k: 'temperature' | 'topP') => string): string | null {
  const t = s.temperature ?? 1;
  const p = s.topP ?? 1;
  const parts: string[] = [];
  if (t > LOW_TEMPERATURE) parts.push(`lower ${c('temperature')} (${t} now, e.g. ${Math.max(LOW_TEMPERATURE, Math.round((t - 0.2) * 10) / 10)})`);
  if (p > LOW_TOP_P) parts.push(`lower ${c('topP')} (${p} now, e.g. ${Math.max(LOW_TOP_P, Math.round((p - 0.15) * 100) / 100)})`);
  return parts.length ? `sample more conservatively: ${parts.join(' or ')}` : null;
}

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
  const ADVICE = adviceFor(ctx);
  const push = (...items: (string | null)[]) => advice.push(...items.filter((a): a is string => a !== null));
  if (stoppedAtWindow) {
    causes.push(`generation stopped at the window size (${ctx.windowPatches ?? '?'} patches) before the model ended the file: it may be cut short`);
  }
  if (v.verdict === 'invalid') {
    causes.push(causeOf(bytes, ext, v.reason ?? 'invalid'));
    if (stoppedAtWindow) push(ADVICE.window);
    push(ADVICE.longer, ADVICE.sampling, ADVICE.bigger);
    if (expectedModality(bytes, ext) === 'midi') push(ADVICE.conversion);
    push(ADVICE.published);
  } else if (v.verdict === 'repaired') {
    causes.push(`repaired: ${v.reason}`);
    push(ADVICE.longer);
  } else if (stoppedAtWindow) {
    push(ADVICE.window);
  }
  return { ...v, causes, advice, stoppedAtWindow };
}

/** One line for a CLI: the causes, then 'try: …' with the first two suggestions. */
export function guidanceLine(j: SampleJudgement): string {
  if (j.causes.length === 0) return '';
  const tries = j.advice.slice(0, 2);
  return j.causes.join('; ') + (tries.length > 0 ? `. Try: ${tries.join('; or ')}` : '');
}
