// The generation form: sampling fields with their hints and limits (mirroring samplingSchema and
// requests.generateRequest in the contract) and the request it becomes.
import type { CheckpointRef, GenerateRequest } from '../../src-main/shared/contract';
import type { Precision } from '../../src-main/shared/config';
import type { FieldSpec } from '../lib/validate';
import { samplingDefaults } from '../../src-main/shared/recipe';
import { SEED_LIMIT } from '../../src-main/shared/seeds';

export type SamplingKey = 'topK' | 'topP' | 'temperature' | 'seed' | 'count' | 'maxBytes';

export const SAMPLING_FIELDS: Record<SamplingKey, FieldSpec> = {
  topK: { label: 'Top-k', min: 0, max: 257, integer: true, hint: 'Sample only from the k likeliest bytes; 0 = no limit.' },
  topP: { label: 'Top-p', min: 0, max: 1, exclusiveMin: true, step: 0.05, hint: 'Sample from the smallest set of bytes holding this much probability.' },
  temperature: { label: 'Temperature', min: 0, max: 10, exclusiveMin: true, step: 0.1, hint: 'Below 1: safer, more repetitive; above 1: more surprising.' },
  seed: { label: 'Seed', min: SEED_LIMIT.min, max: SEED_LIMIT.max, integer: true, optional: true, hint: 'Same seed, same output; empty = random. Sample i uses seed + i.' },
  count: { label: 'Samples', min: 1, max: 64, integer: true, hint: 'How many files to generate (made at once, sharing each weight read).' },
  maxBytes: { label: 'Max bytes', min: 1, max: 1 << 24, integer: true, optional: true, hint: "Stop a file at this size; empty = up to the window (the run's window caps it)." },
};

export type InputKind = 'none' | 'prompt' | 'input';

export interface GenerateForm {
  /** The chosen run's or model's id (checkpointRef turns it into the request's reference). */
  runId: string;
  checkpoint: 'best' | 'last';
  /** Format-aware sampling (the UTF-8 and ABC grammars where the format has one); off: the model's bytes as drawn. */
  constrain: boolean;
  ext: string;
  /** What is sent besides the extension: nothing, prompt bytes, or a file to convert. */
  inputKind: InputKind;
  /** The prompt or input file, read in the browser. */
  file: { name: string; bytes: Uint8Array<ArrayBuffer> } | null;
  sampling: Record<SamplingKey, number | null>;
  /** How much of the prompt file to use, in `promptUnit`s; null = all of it (docs/walkthrough.md). */
  promptLength?: number | null;
  promptUnit?: 'bytes' | 'patches';
  /** The weights' format on the inference kernels (docs/performance.md). */
  precision: Precision;
}

/** The precisions the form offers, each with what it trades (docs/performance.md). */
export const PRECISION_CHOICES: Array<{ value: Precision; label: string; hint: string }> = [
  { value: 'f32', label: 'float32', hint: 'exact: the model as trained' },
  { value: 'f16', label: 'float16', hint: 'half the memory, faster; losses within 0.1 %' },
  { value: 'q8', label: '8-bit (Q8_0)', hint: 'a quarter of the memory, fastest; losses within 1 %' },
];

/** The prompt bytes a form sends: the file's first `promptLength` bytes or patches (patches of `patchSize`). */
export function promptBytes(form: GenerateForm, patchSize = 16): Uint8Array<ArrayBuffer> | undefined {
  if (form.inputKind !== 'prompt' || !form.file) return undefined;
  const n = form.promptLength;
  if (n === null || n === undefined) return form.file.bytes;
  return form.file.bytes.slice(0, form.promptUnit === 'patches' ? n * patchSize : n);
}

export function defaultGenerateForm(): GenerateForm {
  return {
    runId: '',
    checkpoint: 'best',
    constrain: true,
    ext: 'abc',
    inputKind: 'none',
    file: null,
    // Max bytes empty: up to the window of the chosen run, whatever its size.
    sampling: { ...samplingDefaults('abc'), seed: null, count: 1, maxBytes: null },
    precision: 'f32',
  };
}

/**
 * The sampling defaults follow the target extension (shared/recipe.ts samplingDefaults: the tunes
 * recipe's for abc, no truncation otherwise) while the user has not changed them from `fromExt`'s.
 */
export function followSamplingDefaults(form: GenerateForm, fromExt: string): void {
  const was = samplingDefaults(fromExt);
  const s = form.sampling;
  if (s.topK !== was.topK || s.topP !== was.topP || s.temperature !== was.temperature) return;
  Object.assign(s, samplingDefaults(form.ext.trim().replace(/^\./, '')));
}

/** The request a valid form stands for; `ext` is already normalized, `from` is the chosen checkpoint. */
export function toGenerateRequest(form: GenerateForm, ext: string, from: CheckpointRef, patchSize = 16): GenerateRequest {
  const s = form.sampling;
  return {
    from,
    ext,
    prompt: promptBytes(form, patchSize),
    promptName: form.inputKind === 'prompt' ? form.file?.name : undefined,
    input: form.inputKind === 'input' && form.file ? form.file : undefined,
    count: s.count ?? 1,
    precision: form.precision,
    sampling: {
      topK: s.topK ?? 0,
      topP: s.topP ?? 1,
      temperature: s.temperature ?? 1,
      seed: s.seed ?? undefined,
      maxBytes: s.maxBytes ?? undefined,
      constrain: form.constrain,
    },
  };
}
