// The built-in classification sets (datasets/README.md, "Classification"): the image sets are the
// paper's 32×32 24-bit BMP shape, balanced, labelled as train-cls.py reads them, and no eval file is a
// copy of a training file.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeBmp, validateBmp } from '../../../../src-main/formats/bmp';
import { nameLabel } from '../../../../src-main/engine/classify/labels';

const ROOT = fileURLToPath(new URL('../../../../datasets/classify', import.meta.url));

async function split(set: string, name: string): Promise<{ label: string; bytes: Buffer }[]> {
  const dir = path.join(ROOT, set, name);
  const names = (await fs.readdir(dir)).sort();
  return Promise.all(names.map(async (n) => ({ label: nameLabel(n), bytes: await fs.readFile(path.join(dir, n)) })));
}

function perLabel(files: { label: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  return counts;
}

describe.each(['digits', 'fashion'])('built-in image set %s', (set) => {
  it('holds ten balanced labels of valid 32×32 24-bit BMPs, eval disjoint from train', async () => {
    const train = await split(set, 'train');
    const evalFiles = await split(set, 'eval');
    expect([...perLabel(train).values()]).toEqual(Array(10).fill(100));
    expect([...perLabel(evalFiles).values()]).toEqual(Array(10).fill(20));
    expect([...perLabel(evalFiles).keys()]).toEqual([...perLabel(train).keys()]);
    for (const f of [...train, ...evalFiles]) {
      expect(f.bytes.length).toBe(54 + 32 * 32 * 3);
      expect(validateBmp(f.bytes).verdict).toBe('valid');
      const image = decodeBmp(f.bytes);
      if (typeof image === 'string') throw new Error(image);
      expect([image.width, image.height]).toEqual([32, 32]);
    }
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const trainHashes = new Set(train.map((f) => hash(f.bytes)));
    expect(evalFiles.filter((f) => trainHashes.has(hash(f.bytes)))).toEqual([]);
    // Real pictures, not blanks: every image has both ink and ground.
    for (const f of train.slice(0, 50)) {
      const px = f.bytes.subarray(54);
      expect(Math.max(...px) - Math.min(...px)).toBeGreaterThan(100);
    }
  });
});
