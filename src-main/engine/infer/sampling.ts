// Next-byte sampling as small composable logits processors (after transformers.js
// `generation/logits_process.js`), applied in the bGPT reference's order: top-k and top-p on the model's
// own distribution, then temperature (the reference's `samplings` calls), then one seeded draw.
import { UserError } from '../../shared/errors';
import type { Rng } from '../model/rng';

/** Rewrites logits in place; a removed candidate becomes -Infinity. */
/** Logit gap past which a value is negligible (e^-25 ≈ 1.4e-11 of the best value's probability). */
const NEGLIGIBLE_LOGIT_GAP = 25;

export type LogitsProcessor = (logits: Float32Array) => void;

/** Sampling settings; the defaults are the reference's (TOP_K 0, TOP_P 1, TEMPERATURE 1). */
export interface SamplingOptions {
  /** Keep the k most likely values; 0 keeps all. */
  topK?: number;
  /** Keep the smallest most-likely set whose probability reaches p, in (0, 1]; 1 keeps all. */
  topP?: number;
  /** Divides the logits; must be > 0. */
  temperature?: number;
  /** Values never sampled (the bench excludes 256 so generation runs to its byte count). */
  exclude?: readonly number[];
}

/** Drops `tokens` from the candidates. */
export function excludeTokens(tokens: readonly number[]): LogitsProcessor {
  return (logits) => {
    for (const t of tokens) logits[t] = -Infinity;
  };
}

/**
 * The candidates still in play (finite logits), most likely first, ties by index so the order is
 * deterministic. Skipping removed values keeps top-p after top-k a sort of k values, not of 257.
 */
function rankedCandidates(logits: Float32Array): number[] {
  const order: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] !== -Infinity) order.push(i);
  return order.sort((a, b) => logits[b] - logits[a] || a - b);
}

/** Keeps the `k` largest logits; k = 0 disables the step. */
export function topK(k: number): LogitsProcessor {
  if (!Number.isInteger(k) || k < 0) throw new UserError(`top-k must be a whole number ≥ 0 (0 = off), got ${k}`, 'BAD_ARGS');
  return (logits) => {
    if (k === 0 || k >= logits.length) return;
    const order = rankedCandidates(logits);
    for (let i = k; i < order.length; i++) logits[order[i]] = -Infinity;
  };
}

/**
 * Nucleus sampling (Holtzman et al. 2020): keeps the most likely values until their probability
 * reaches p, the one that crosses p included; p = 1 disables the step.
 */
export function topP(p: number): LogitsProcessor {
  if (!(p > 0 && p <= 1)) throw new UserError(`top-p must be in (0, 1], got ${p}`, 'BAD_ARGS');
  return (logits) => {
    if (p === 1) return;
    const order = rankedCandidates(logits);
    const max = logits[order[0]];
    let total = 0;
    for (let i = 0; i < order.length; i++) total += Math.exp(logits[order[i]] - max);
    let cumulative = 0;
    let keep = 0;
    while (keep < order.length && cumulative < p * total) cumulative += Math.exp(logits[order[keep++]] - max);
    for (let i = keep; i < order.length; i++) logits[order[i]] = -Infinity;
  };
}

/** Divides the logits by t (t < 1 sharpens, t > 1 flattens). */
export function temperature(t: number): LogitsProcessor {
  if (!(t > 0 && Number.isFinite(t))) throw new UserError(`temperature must be a number > 0, got ${t}`, 'BAD_ARGS');
  return (logits) => {
    if (t === 1) return;
    for (let i = 0; i < logits.length; i++) logits[i] /= t;
  };
}

/** The processors for `opts`, validated, in the reference's order. */
export function samplingSteps(opts: SamplingOptions): LogitsProcessor[] {
  const steps: LogitsProcessor[] = [];
  if (opts.exclude && opts.exclude.length > 0) steps.push(excludeTokens(opts.exclude));
  steps.push(topK(opts.topK ?? 0), topP(opts.topP ?? 1), temperature(opts.temperature ?? 1));
  return steps;
}

/** Draws an index from softmax(logits) with one uniform number from `rng` (inverse CDF). */
export function sampleLogits(logits: Float32Array, rng: Rng): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity) throw new Error('every candidate was removed before sampling');
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
  const target = rng.next() * total;
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === -Infinity) continue;
    cumulative += Math.exp(logits[i] - max);
    last = i;
    if (cumulative > target) return i;
  }
  return last; // rounding left the target just above the sum: the last candidate
}

/**
 * A sampler: copies the model's logits (which the model overwrites), applies the steps, draws a value.
 * Each sampler owns its scratch, so samplers never share state.
 */
export class Sampler {
  private readonly steps: LogitsProcessor[];
  private readonly scratch: Float32Array;

  constructor(opts: SamplingOptions, private readonly rng: Rng, vocabSize: number) {
    this.steps = samplingSteps(opts);
    this.scratch = new Float32Array(vocabSize);
  }

  /**
   * Removes what `allowed` refuses. Values more than NEGLIGIBLE_LOGIT_GAP below the best are dropped
   * without asking (their probability is under 1e-11 of the best's: top-p would drop them, and at
   * top-p 1 they change nothing measurable); a grammar check costs more than a draw, and this asks it
   * about a few values instead of 257. When that leaves nothing, every value is asked.
   */
  private mask(logits: Float32Array, allowed: (value: number) => boolean): void {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
    let any = false;
    for (let i = 0; i < this.scratch.length; i++) {
      if (this.scratch[i] < max - NEGLIGIBLE_LOGIT_GAP || !allowed(i)) this.scratch[i] = -Infinity;
      else any = true;
    }
    if (any) return;
    this.scratch.set(logits);
    for (let i = 0; i < this.scratch.length; i++) if (!allowed(i)) this.scratch[i] = -Infinity;
  }

  /**
   * The next value drawn from `logits` (left untouched). `allowed`, when given, removes the values a
   * format constraint refuses before the other steps, so top-p keeps its share of what remains.
   */
  sample(logits: Float32Array, allowed?: (value: number) => boolean): number {
    this.scratch.set(logits);
    if (allowed) this.mask(logits, allowed);
    for (const step of this.steps) step(this.scratch);
    return sampleLogits(this.scratch, this.rng);
  }
}
