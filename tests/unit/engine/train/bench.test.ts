// The training bench on a checkpoint (what `bgpt bench --preset paper` times): its random files fill the window
// of the model being fine-tuned, not the bench config's (the paper preset timed 1 KB windows of an 8 KB model).
import { describe, it, expect, beforeEach } from 'vitest';
import { PRESETS, type BGPTConfig } from '../../../../src-main/shared/config';
import { LORA_DEFAULTS } from '../../../../src-main/checkpoint/adapter';
import { writeRandomCheckpoint } from '../../../../src-main/engine/infer/paper-bench';
import { benchTrain } from '../../../../src-main/engine/train/bench';
import { tempDir } from '../../../helpers/temp';

// A window of 80 patches of 16 bytes (1,280 bytes): longer than the bench config's 64 × 16, so files sized for
// the bench config would leave it short (a longer file is cut to the window either way).
const SMALL: BGPTConfig = { patchSize: 16, patchLength: 80, hiddenSize: 32, patchNumLayers: 1, byteNumLayers: 1, numHeads: 1 };

let dir: string;
beforeEach(async () => { dir = tempDir('bgpt-trainbench-'); });

describe('benchTrain on a checkpoint', () => {
  it('times windows of the checkpoint\'s size, with LoRA, one window an update', async () => {
    expect(SMALL.patchLength * SMALL.patchSize).toBeGreaterThan(PRESETS.bench.config.patchLength * PRESETS.bench.config.patchSize);
    await writeRandomCheckpoint(dir, SMALL, 3);
    const r = await benchTrain(1, 'cpu', false, { init: dir, lora: { ...LORA_DEFAULTS, rank: 2 }, batch: 1 });
    expect(r.config).toEqual(SMALL);
    expect(r.loraRank).toBe(2);
    expect(r.batch).toBe(1);
    // One full window of the checkpoint per update: bytes/s × s per update.
    expect(r.bytesPerSecond * r.secondsPerStep).toBeCloseTo(SMALL.patchLength * SMALL.patchSize, 6);
  }, 120_000);
});
