// Byte-by-byte generation with bGPT (docs/model.md "Generation", the reference's inference.py): start from
// the target extension's start patch (after an optional prompt, or after an input file for conversion),
// sample within each patch, stop at the first 256, at max bytes or when the window is full.
import { randomInt } from 'node:crypto';
import { maxPromptBytes, VOCAB_SIZE } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { SPECIAL, fileSequence, startPatch } from '../../shared/patches';
import { Rng } from '../model/rng';
import type { InferenceModel } from './model';
import { Sampler, type SamplingOptions } from './sampling';
import { constraintFor, type ByteConstraint } from '../../formats/constraints';
import { SEED_LIMIT, sampleSeed } from '../../shared/seeds';

export type StopReason = 'end' | 'max-bytes' | 'window' | 'cancelled';

/** Reported when a patch is finished, or when generation stops inside it. */
export interface PatchEvent {
  /** Index of the patch in the sequence (the start patch is 0). */
  patch: number;
  /** The bytes sampled into this patch (prompt bytes excluded). */
  bytes: Uint8Array;
  /** Bytes sampled so far, this patch's included. */
  generated: number;
  /** Which sample of a batched generation (0 for a single one). */
  sample?: number;
}

/** What generation and conversion share: sampling, limits, progress and cancellation. */
export interface SampleRunOptions {
  /** Keep the k most likely bytes; 0 (default) keeps all. */
  topK?: number;
  /** Nucleus probability in (0, 1]; 1 (default) keeps all. */
  topP?: number;
  /** > 0; 1 by default. */
  temperature?: number;
  /** Seed of the sampler; omitted: a random seed, reported in the result. */
  seed?: number;
  /** Stop after this many sampled bytes (default: when the window is full). */
  maxBytes?: number;
  /** Never sample 256, so generation only stops at maxBytes or the window (the bench uses this). */
  excludeEnd?: boolean;
  /** Called per finished patch (and for the patch generation stops in); it becomes a UI progress event. */
  onPatch?: (event: PatchEvent) => void;
  /** Aborting stops at the next patch boundary; the bytes made so far are returned, flagged 'cancelled'. */
  signal?: AbortSignal;
  /**
   * Format-aware sampling (formats/constraints.ts): keep the target format's byte grammar (well-formed
   * UTF-8; an ABC tune's header fields). Default: on where the format has one (abc, txt).
   */
  constrain?: boolean;
}

export interface GenerateOptions extends SampleRunOptions {
  /** Extension of the file to make; its UTF-8 bytes (cut to patchSize) fill the start patch. */
  ext: string;
  /** Bytes the file starts with; they may end inside a patch. */
  prompt?: Uint8Array;
}

export interface ConvertOptions extends SampleRunOptions {
  /** The input file's bytes and extension. */
  input: Uint8Array;
  inputExt: string;
  /** Extension of the file to make. */
  to: string;
}

export interface GenerateResult {
  /** The file: the prompt (if any) then the sampled bytes; for a conversion, the sampled bytes. */
  bytes: Uint8Array;
  /** Bytes sampled (the prompt excluded). */
  generated: number;
  /** Patches in the sequence at the end, start patch (and input, prompt) included. */
  patches: number;
  stoppedBy: StopReason;
  /** Sampled bytes per second of wall time, prompt processing included. */
  bytesPerSecond: number;
  seconds: number;
  /** The sampler's seed (the one given, or the random one drawn). */
  seed: number;
  /** Whether a format constraint was applied. */
  constrained: boolean;
  /**
   * Positions where the constraint overruled the model: its most likely byte was refused by the
   * grammar (0 when unconstrained). A sample with repairs > 0 needed the grammar to stay valid.
   */
  repairs: number;
}

/** Where decoding starts: whole patches the model reads, then bytes forced at the start of the next patch. */
interface Prefix {
  patches: Int32Array;
  forced: Uint8Array;
}

interface RunOutcome {
  repairs: number;
  generated: Uint8Array;
  patches: number;
  stoppedBy: StopReason;
  seconds: number;
}

const MAX_SEED = SEED_LIMIT.max + 1;

function checkOptions(opts: SampleRunOptions): { maxBytes: number; seed: number } {
  const { maxBytes, seed } = opts;
  if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes >= 1)) throw new UserError(`max bytes must be a whole number ≥ 1, got ${maxBytes}`, 'BAD_ARGS');
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < MAX_SEED)) throw new UserError(`seed must be a whole number from 0 to ${MAX_SEED - 1}, got ${seed}`, 'BAD_ARGS');
  return { maxBytes: maxBytes ?? Infinity, seed: seed ?? randomInt(MAX_SEED) };
}

function checkExt(ext: string, what: string): void {
  if (ext.length === 0) throw new UserError(`${what} extension must not be empty`, 'BAD_ARGS');
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Decodes one patch: forced bytes first, then sampled ones; a sampled 256 ends the file. Fills `patch`
 * (the rest stays 256) and appends sampled bytes to `out` from `at`; returns the new length and why it stopped early.
 */
function decodePatch(model: InferenceModel, sampler: Sampler, forced: Uint8Array, patch: Int32Array, out: Uint8Array, at: number, maxBytes: number, guard: Guard | null): { at: number; stop?: StopReason } {
  patch.fill(SPECIAL);
  let logits = model.beginBytes();
  for (let j = 0; j < patch.length; j++) {
    let b: number;
    if (j < forced.length) b = forced[j];
    else {
      if (guard && !guard.off && !guard.allows(argmax(logits)) && !anyAllowed(guard)) {
        // A state the grammar cannot leave: keep what always holds (UTF-8) and drop the format rules; else stop guarding.
        if (!(guard.constraint.relax?.() && anyAllowed(guard))) guard.off = true;
      }
      const active = guard && !guard.off ? guard : null;
      if (active && !active.constraint.allows(argmax(logits))) active.repairs += 1;
      b = active ? sampler.sample(logits, active.allows) : sampler.sample(logits);
      if (b === SPECIAL) return { at, stop: 'end' };
      out[at++] = b;
    }
    if (guard && !guard.off) guard.constraint.push(b);
    patch[j] = b;
    if (at >= maxBytes) return { at, stop: 'max-bytes' };
    if (j + 1 < patch.length) logits = model.pushByte(b);
  }
  return { at };
}

/** A format constraint in use, and how often it overruled the model. */
interface Guard {
  constraint: ByteConstraint;
  allows: (b: number) => boolean;
  repairs: number;
  /** Set when the grammar allowed nothing even after relaxing its format rules: the model continues unconstrained. */
  off: boolean;
}

function anyAllowed(g: Guard): boolean {
  for (let b = 0; b < VOCAB_SIZE; b++) if (g.allows(b)) return true;
  return false;
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * The constraint for `ext` when asked for (default on), fed the bytes the file already starts with.
 * `budget` is the most bytes the whole file may have: what the window leaves after the prompt, less
 * the place of the end mark (or `maxBytes`), so a grammar can plan its ending.
 */
function guardFor(ext: string, opts: SampleRunOptions, known: Uint8Array, budget?: number): Guard | null {
  if (opts.constrain === false || opts.excludeEnd) return null;
  const constraint = constraintFor(ext, { budget });
  if (!constraint) return null;
  for (const b of known) constraint.push(b);
  return { constraint, allows: (b) => constraint.allows(b), repairs: 0, off: false };
}

/** The decoding loop shared by generate and convert. */
async function run(model: InferenceModel, prefix: Prefix, opts: SampleRunOptions, maxBytes: number, seed: number, guard: Guard | null = null): Promise<RunOutcome> {
  const { patchSize, patchLength } = model.config;
  const sampler = new Sampler({ topK: opts.topK, topP: opts.topP, temperature: opts.temperature, exclude: opts.excludeEnd ? [SPECIAL] : [] } satisfies SamplingOptions, new Rng(seed), VOCAB_SIZE);
  const release = model.claim();
  const started = performance.now();
  try {
    model.reset();
    const prefixPatches = prefix.patches.length / patchSize;
    const out = new Uint8Array(Math.min(maxBytes, (patchLength - prefixPatches) * patchSize));
    let last: Int32Array = prefix.patches.slice((prefixPatches - 1) * patchSize);
    // The prompt (or conversion input) is read `batch` patches a pass: same arithmetic, fewer weight reads.
    for (let p = 0; p + 1 < prefixPatches; p += model.batch) {
      const n = Math.min(model.batch, prefixPatches - 1 - p);
      model.prefillPatches(prefix.patches.subarray(p * patchSize, (p + n) * patchSize));
    }
    let at = 0;
    let index = prefixPatches;
    let stoppedBy: StopReason = 'window';
    while (index < patchLength) {
      if (opts.signal?.aborted) {
        stoppedBy = 'cancelled';
        break;
      }
      model.pushPatch(last);
      const patch = new Int32Array(patchSize);
      const before = at;
      const result = decodePatch(model, sampler, index === prefixPatches ? prefix.forced : new Uint8Array(0), patch, out, at, maxBytes, guard);
      at = result.at;
      if (at > before) opts.onPatch?.({ patch: index, bytes: out.slice(before, at), generated: at });
      index++;
      last = patch;
      if (result.stop) {
        stoppedBy = result.stop;
        break;
      }
      await yieldToEventLoop();
    }
    return { generated: out.slice(0, at), patches: index, stoppedBy, seconds: (performance.now() - started) / 1000, repairs: guard?.repairs ?? 0 };
  } finally {
    release();
  }
}

/**
 * The decoding loop for `seeds.length` samples in lockstep: each sample has its own sampler, caches and
 * stop; the model's matrix products serve all of them with one weight read. Sample i makes exactly the
 * bytes a single run with seed seeds[i] makes (its arithmetic is the same, see kernels.wat matmat_*).
 */
async function runMany(model: InferenceModel, prefix: Prefix, opts: SampleRunOptions, maxBytes: number, seeds: number[]): Promise<RunOutcome[]> {
  const { patchSize, patchLength } = model.config;
  const rows = seeds.length;
  const samplers = seeds.map((seed) => new Sampler({ topK: opts.topK, topP: opts.topP, temperature: opts.temperature, exclude: opts.excludeEnd ? [SPECIAL] : [] } satisfies SamplingOptions, new Rng(seed), VOCAB_SIZE));
  const release = model.claim();
  const started = performance.now();
  try {
    model.reset();
    const prefixPatches = prefix.patches.length / patchSize;
    const capacity = Math.min(maxBytes, (patchLength - prefixPatches) * patchSize);
    const outs = seeds.map(() => new Uint8Array(capacity));
    const at = new Array<number>(rows).fill(0);
    const stops = new Array<StopReason | undefined>(rows).fill(undefined);
    const replicate = (patch: ArrayLike<number>): Int32Array => {
      const all = new Int32Array(rows * patchSize);
      for (let r = 0; r < rows; r++) all.set(patch as ArrayLike<number>, r * patchSize);
      return all;
    };
    for (let p = 0; p + 1 < prefixPatches; p++) model.pushPatches(replicate(prefix.patches.subarray(p * patchSize, (p + 1) * patchSize)));
    let last = replicate(prefix.patches.subarray((prefixPatches - 1) * patchSize));
    let index = prefixPatches;
    const feed = new Int32Array(rows);
    while (index < patchLength && stops.some((x) => x === undefined)) {
      if (opts.signal?.aborted) break;
      model.pushPatches(last);
      const next = new Int32Array(rows * patchSize).fill(SPECIAL);
      const forced = index === prefixPatches ? prefix.forced : new Uint8Array(0);
      const before = [...at];
      let logits = model.beginBytesAll();
      for (let j = 0; j < patchSize; j++) {
        for (let r = 0; r < rows; r++) {
          feed[r] = SPECIAL; // a finished sample's row is computed and ignored
          if (stops[r] !== undefined) continue;
          let b: number;
          if (j < forced.length) b = forced[j];
          else {
            b = samplers[r].sample(logits.subarray(r * VOCAB_SIZE, (r + 1) * VOCAB_SIZE));
            if (b === SPECIAL) {
              stops[r] = 'end';
              continue;
            }
            outs[r][at[r]++] = b;
          }
          next[r * patchSize + j] = b;
          feed[r] = b;
          if (at[r] >= maxBytes) stops[r] = 'max-bytes';
        }
        if (stops.every((x) => x !== undefined)) break;
        if (j + 1 < patchSize) logits = model.pushBytes(feed);
      }
      for (let r = 0; r < rows; r++) {
        if (at[r] > before[r]) opts.onPatch?.({ patch: index, bytes: outs[r].slice(before[r], at[r]), generated: at[r], sample: r });
      }
      index++;
      last = next;
      await yieldToEventLoop();
    }
    const seconds = (performance.now() - started) / 1000;
    const cancelled = opts.signal?.aborted ?? false;
    return outs.map((out, r) => ({ repairs: 0, generated: out.slice(0, at[r]), patches: index, stoppedBy: stops[r] ?? (cancelled ? 'cancelled' : 'window'), seconds }));
  } finally {
    release();
  }
}

/**
 * The file bytes a grammar may know only at the end (a MIDI track length) set right; each fix counts
 * as a repair.
 */
function finished(bytes: Uint8Array, outcome: RunOutcome, guard: Guard | null): Uint8Array {
  if (!guard || guard.off || !guard.constraint.finish) return bytes;
  const fixed = guard.constraint.finish(bytes);
  outcome.repairs += fixed.repairs;
  return fixed.bytes;
}

/**
 * Bytes a file may have in the window after a prefix of `patches` patches and `forced` bytes: one place
 * stays for the end mark. `maxBytes` sampled bytes stop the run before an end mark is drawn, so at most
 * `maxBytes - 1` come before it.
 */
function fileBudget(patchLength: number, patchSize: number, prefixPatches: number, prompt: number, forced: number, maxBytes: number): number {
  const window = (patchLength - prefixPatches) * patchSize - forced - 1;
  return prompt + Math.min(window, maxBytes - 1);
}

function result(bytes: Uint8Array, outcome: RunOutcome, seed: number, constrained: boolean): GenerateResult {
  const n = outcome.generated.length;
  return {
    bytes, generated: n, patches: outcome.patches, stoppedBy: outcome.stoppedBy, seconds: outcome.seconds, seed, constrained, repairs: outcome.repairs,
    bytesPerSecond: outcome.seconds > 0 ? n / outcome.seconds : 0,
  };
}

/**
 * Generates a file with the extension `opts.ext`, optionally continuing `opts.prompt`. Reads the prompt
 * through the caches once, then samples byte by byte. Throws a UserError on bad options or a prompt
 * that leaves no room in the window.
 */
export async function generate(model: InferenceModel, opts: GenerateOptions): Promise<GenerateResult> {
  const { patchSize, patchLength } = model.config;
  const { maxBytes, seed } = checkOptions(opts);
  checkExt(opts.ext, 'the');
  const prompt = opts.prompt ?? new Uint8Array(0);
  const whole = Math.floor(prompt.length / patchSize);
  const maxPrompt = maxPromptBytes(model.config);
  if (whole + 1 >= patchLength) {
    throw new UserError(`the prompt is ${prompt.length} bytes; this model's window of ${patchLength} patches leaves room for at most ${maxPrompt}`, 'BAD_ARGS');
  }
  const patches = new Int32Array((whole + 1) * patchSize);
  patches.set(startPatch(opts.ext, patchSize));
  patches.set(prompt.subarray(0, whole * patchSize), patchSize);
  // Forced prompt bytes pass through decodePatch's push; only the whole-patch part is fed here.
  const forced = prompt.length - whole * patchSize;
  const guard = guardFor(opts.ext, opts, prompt.subarray(0, whole * patchSize), fileBudget(patchLength, patchSize, whole + 1, prompt.length, forced, maxBytes));
  const outcome = await run(model, { patches, forced: prompt.subarray(whole * patchSize) }, opts, maxBytes, seed, guard);
  const bytes = new Uint8Array(prompt.length + outcome.generated.length);
  bytes.set(prompt);
  bytes.set(outcome.generated, prompt.length);
  return result(finished(bytes, outcome, guard), outcome, seed, guard !== null);
}

/** Options of `generateMany`: those of `generate`, and how many samples. */
export interface GenerateManyOptions extends GenerateOptions {
  /** Samples made at once (1..model.batch); sample i uses sampleSeed(seed, i) = (seed + i) mod 2^32 (shared/seeds.ts). */
  count: number;
}

/**
 * Generates `count` files at once, in lockstep, sharing every weight read: on a CPU where generation is
 * bound by memory bandwidth (docs/performance.md), N samples cost far less than N runs. Sample i is
 * byte for byte what `generate` makes with seed (seed + i) mod 2^32. The model must have been loaded
 * with `batch` ≥ count.
 */
export async function generateMany(model: InferenceModel, opts: GenerateManyOptions): Promise<GenerateResult[]> {
  const { patchSize, patchLength } = model.config;
  const { count } = opts;
  if (!(Number.isInteger(count) && count >= 1)) throw new UserError(`the number of samples must be a whole number ≥ 1, got ${count}`, 'BAD_ARGS');
  if (count > model.batch) throw new UserError(`this model was loaded for at most ${model.batch} samples at once, asked for ${count}`, 'BAD_ARGS');
  const { maxBytes, seed } = checkOptions(opts);
  checkExt(opts.ext, 'the');
  const prompt = opts.prompt ?? new Uint8Array(0);
  const whole = Math.floor(prompt.length / patchSize);
  if (whole + 1 >= patchLength) {
    throw new UserError(`the prompt is ${prompt.length} bytes; this model's window of ${patchLength} patches leaves room for at most ${maxPromptBytes(model.config)}`, 'BAD_ARGS');
  }
  const patches = new Int32Array((whole + 1) * patchSize);
  patches.set(startPatch(opts.ext, patchSize));
  patches.set(prompt.subarray(0, whole * patchSize), patchSize);
  const seeds = Array.from({ length: count }, (_, i) => sampleSeed(seed, i));
  // Format-aware sampling steers each sample by its own bytes (formats/constraints.ts): those samples are made
  // one after another, so sample i stays exactly what `generate` makes with its seed.
  if (guardFor(opts.ext, opts, prompt.subarray(0, whole * patchSize)) !== null) {
    const out: GenerateResult[] = [];
    for (const s of seeds) out.push(await generate(model, { ...opts, seed: s }));
    return out;
  }
  const outcomes = await runMany(model, { patches, forced: prompt.subarray(whole * patchSize) }, opts, maxBytes, seeds);
  return outcomes.map((outcome, i) => {
    const bytes = new Uint8Array(prompt.length + outcome.generated.length);
    bytes.set(prompt);
    bytes.set(outcome.generated, prompt.length);
    return result(bytes, outcome, seeds[i], false);
  });
}

/**
 * Converts a file to the extension `opts.to` as the reference does: the input's sequence without its
 * end patch, then the target's start patch, then sampling until the first 256 (or a limit).
 */
export async function convert(model: InferenceModel, opts: ConvertOptions): Promise<GenerateResult> {
  const { patchSize, patchLength } = model.config;
  const { maxBytes, seed } = checkOptions(opts);
  checkExt(opts.to, 'the target');
  const input = fileSequence(opts.input, opts.inputExt, patchSize);
  const inputPatches = input.length / patchSize - 1;
  if (inputPatches + 2 > patchLength) {
    const maxInput = (patchLength - 3) * patchSize;
    throw new UserError(`the input is ${opts.input.length} bytes; conversion needs it and two more patches in this model's window of ${patchLength} patches (at most ${maxInput} bytes)`, 'BAD_ARGS');
  }
  const patches = new Int32Array((inputPatches + 1) * patchSize);
  patches.set(input.subarray(0, inputPatches * patchSize));
  patches.set(startPatch(opts.to, patchSize), inputPatches * patchSize);
  const guard = guardFor(opts.to, opts, new Uint8Array(0), fileBudget(patchLength, patchSize, inputPatches + 1, 0, 0, maxBytes));
  const outcome = await run(model, { patches, forced: new Uint8Array(0) }, opts, maxBytes, seed, guard);
  return result(finished(outcome.generated, outcome, guard), outcome, seed, guard !== null);
}
