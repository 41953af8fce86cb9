// `bgpt train`'s first time line (issue 24 item 3): the Train form's estimate in the CLI's words.
import { describe, expect, it } from 'vitest';
import { timeLine } from '../../../../src-main/cli/commands/train';
import type { TrainEstimate } from '../../../../src-main/shared/contract';

const base = { config: {}, parameters: 1, memoryBytes: 1, secondsPerEpoch: null, stepsPerEpoch: 10, backend: 'wasm', warnings: [] } as unknown as TrainEstimate;

describe('timeLine', () => {
  it('promises a time only when this machine measured one, and says from what', () => {
    expect(timeLine({ ...base, totalSteps: 400, totalSeconds: 750, timeBasis: 'measured on this machine by run “tunes · tiny”' }))
      .toBe('time: about 12m30s for 400 steps (measured on this machine by run “tunes · tiny”)');
    expect(timeLine({ ...base, totalSteps: 400, totalSeconds: null, timeBasis: null })).toBe('time: not measured on this machine yet; the bar shows the time left after the first steps');
  });
});
