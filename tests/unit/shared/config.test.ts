// One window figure (issue 24 item 7): the data bytes a window holds after its start patch, and the two
// limits every view, the CLI and the engine derive from it (a whole file; a prompt).
import { describe, expect, it } from 'vitest';
import { maxFileBytes, maxPromptBytes, presetConfig, windowDataBytes } from '../../../src-main/shared/config';

describe('the window', () => {
  it('is the patches after the start patch; a whole file leaves room for its end patch, a prompt for one byte', () => {
    for (const preset of ['tiny', 'tunes'] as const) {
      const c = presetConfig(preset);
      // tiny and tunes: 64 patches of 16 bytes, the first the start patch.
      expect([c.patchLength, c.patchSize]).toEqual([64, 16]);
      expect(windowDataBytes(c)).toBe(1008);
      expect(maxFileBytes(c)).toBe(992);
      expect(maxPromptBytes(c)).toBe(1007);
    }
    const paper = presetConfig('paper');
    expect(windowDataBytes(paper)).toBe((paper.patchLength - 1) * paper.patchSize);
    expect(maxFileBytes(paper)).toBe(windowDataBytes(paper) - paper.patchSize);
  });
});
