// Browser uploads split into batches under the server's message limit, reports merged.
import { describe, expect, it } from 'vitest';
import { mergeReports, uploadBatches } from '../../../../src-renderer/lib/uploads';
import { MAX_WIRE_MESSAGE_BYTES, UPLOAD_BATCH_BYTES } from '../../../../src-main/shared/wire';

describe('uploads', () => {
  it('keeps each batch under the limit and every file in order', () => {
    const files = [30, 30, 30, 5, 60, 1].map((mb, i) => ({ name: `f${i}`, size: mb * 2 ** 20 }));
    const batches = uploadBatches(files, 64 * 2 ** 20);
    expect(batches.map((b) => b.map((f) => f.name))).toEqual([['f0', 'f1'], ['f2', 'f3'], ['f4', 'f5']]);
    expect(batches.flat().map((f) => f.name)).toEqual(files.map((f) => f.name));
    for (const b of batches) if (b.length > 1) expect(b.reduce((a, f) => a + f.size, 0)).toBeLessThanOrEqual(64 * 2 ** 20);
  });

  it('refuses one file over the limit with its name', () => {
    expect(() => uploadBatches([{ name: 'huge.wav', size: 65 * 2 ** 20 }], 64 * 2 ** 20)).toThrow(/huge\.wav/);
  });

  it('a full batch, base64-encoded in JSON, fits one message the server can decode', () => {
    expect(Math.ceil(UPLOAD_BATCH_BYTES / 3) * 4 + 64 * 1024).toBeLessThan(MAX_WIRE_MESSAGE_BYTES);
    // V8 strings hold at most 2^29 - 24 UTF-16 units: every accepted message must fit one.
    expect(MAX_WIRE_MESSAGE_BYTES).toBeLessThan(2 ** 29 - 24);
  });

  it('merges reports of one dataset', () => {
    const a = { dataset: 'd', datasetId: 'ds_1', imported: 2, duplicates: 1, skipped: [{ path: 'x', reason: 'r' }], byModality: { abc: 2 } };
    const b = { dataset: 'd', datasetId: 'ds_1', imported: 3, duplicates: 0, skipped: [], byModality: { abc: 1, midi: 2 } };
    expect(mergeReports(mergeReports(null, a), b)).toEqual({ dataset: 'd', datasetId: 'ds_1', imported: 5, duplicates: 1, skipped: [{ path: 'x', reason: 'r' }], byModality: { abc: 3, midi: 2 } });
  });
});
