// A model's shape in a musician's words (docs/walkthrough.md, "Where to start"): how big it is and how
// long a file it takes whole, e.g. "small model, whole files up to 992 B"; the engineer's terms
// (hidden size, layers, window) go in the tooltip (`modelJargon`).
import { maxFileBytes, parameterCount, type BGPTConfig } from '../../src-main/shared/config';
import { formatBytes } from './format';

/** Parameter counts where the words change: the tiny/tunes presets are ~1 M, small ~16 M, the paper's ~110 M. */
const SIZE_WORDS: Array<[number, string]> = [[5e6, 'small'], [50e6, 'medium'], [Infinity, 'large']];

type Shape = Pick<BGPTConfig, 'patchSize' | 'patchLength' | 'hiddenSize' | 'patchNumLayers' | 'byteNumLayers' | 'numHeads'>;

/** "small model, whole files up to 992 B" (a classifier, which writes nothing, is "a classifier"). */
export function modelWords(c: Shape, classifier = false): string {
  const params = parameterCount(c as BGPTConfig);
  const size = SIZE_WORDS.find(([limit]) => params < limit)![1];
  return classifier ? `${size} classifier, reads files up to ${formatBytes(maxFileBytes(c))}` : `${size} model, whole files up to ${formatBytes(maxFileBytes(c))}`;
}

/** The same shape in the engineer's terms, for the tooltip. */
export function modelJargon(c: Shape, preset?: string | null): string {
  const p = preset ? `preset ${preset} · ` : '';
  return `${p}${parameterCount(c as BGPTConfig).toLocaleString('en')} parameters · hidden size ${c.hiddenSize} · ${c.patchNumLayers} patch + ${c.byteNumLayers} byte layers · window ${c.patchLength} patches of ${c.patchSize} bytes`;
}
