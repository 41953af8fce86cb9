// The recipe that turns the built-in ABC tunes into playable music on 2 CPU cores (docs/music.md):
// model, training and sampling defaults chosen by measurement with `npm run quality` (docs/quality.md).
// The `tunes` preset, `bgpt train` on an ABC dataset, the Train form and `bgpt generate --ext abc`
// all take their defaults from here, so the measured recipe is what a new user gets.

export const TUNES_RECIPE = {
  /** Whole tunes fit one window (the built-in tunes are at most 992 bytes: 62 patches of 16). */
  config: { patchSize: 16, patchLength: 64, hiddenSize: 128, patchNumLayers: 2, byteNumLayers: 1, numHeads: 2 },
  lr: 1e-3,
  steps: 1500,
  batchSize: 8,
  dropout: 0.1,
  /** Evaluations (with the valid-sample rate) per run. */
  evals: 5,
  // Temperature chosen by measurement on samples the reported figure does not use (seeds 5000–5059 of the
  // recipe's checkpoint, docs/quality.md): 0.6 gave 43 % accepted tunes, 0.5 35 %, 0.8 30 %.
  sampling: { topK: 0, topP: 0.9, temperature: 0.6 },
};

/** Sampling defaults by extension: the recipe's for ABC, the reference's (no truncation) otherwise. */
export function samplingDefaults(ext: string): { topK: number; topP: number; temperature: number } {
  return ext.toLowerCase() === 'abc' ? { ...TUNES_RECIPE.sampling } : { topK: 0, topP: 1, temperature: 1 };
}
