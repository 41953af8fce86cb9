// A model in a musician's words (issue 24 item 8): size and whole-file length, the jargon kept for the tooltip.
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../../src-main/shared/config';
import { modelJargon, modelWords } from '../../../../src-renderer/lib/model-words';

describe('modelWords', () => {
  it('says how big a model is and how long a file it takes whole', () => {
    expect(modelWords(presetConfig('tunes'))).toBe('small model, whole files up to 992 B');
    expect(modelWords(presetConfig('small'))).toBe('medium model, whole files up to 4.0 KB');
    expect(modelWords(presetConfig('paper'))).toBe('large model, whole files up to 8.0 KB');
    expect(modelWords(presetConfig('tiny'), true)).toBe('small classifier, reads files up to 992 B');
  });

  it('keeps the engineer terms for the tooltip', () => {
    expect(modelJargon(presetConfig('tunes'), 'tunes')).toMatch(/^preset tunes · [\d,]+ parameters · hidden size \d+ · \d patch \+ \d byte layers · window 64 patches of 16 bytes$/);
  });
});
