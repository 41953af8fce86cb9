// The browser import's photo conversion: PNG and JPEG become the paper's 32×32 24-bit BMP under a
// .bmp name in the same folder; other files pass untouched; an undecodable image is kept, with a reason.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { bmpName, convertImages, isConvertibleImage } from '../../../../src-renderer/lib/image-import';
import { detectModality, validate } from '../../../../src-main/formats';

const fixture = (name: string) => new Uint8Array(readFileSync(`tests/fixtures/formats/${name}`));

describe('image conversion on import', () => {
  it('offers PNG and JPEG (any case), not BMP or other files', () => {
    expect(['a.png', 'b.JPG', 'c.jpeg', 'd.bmp', 'e.mid', 'png'].map(isConvertibleImage)).toEqual([true, true, true, false, false, false]);
    expect(bmpName('photos/eval/Cat.JPEG')).toBe('photos/eval/Cat.bmp');
    const taken = new Set(['cat.bmp']);
    expect([bmpName('cat.png', taken), bmpName('cat.jpg', taken), bmpName('dog.jpg', taken)]).toEqual(['cat-2.bmp', 'cat-3.bmp', 'dog.bmp']);
  });

  it('converts the images of a batch and leaves the rest as they are', () => {
    const tune = fixture('coleraine.abc');
    const out = convertImages([
      { name: 'pics/g.png', bytes: fixture('gradient48x40.png') },
      { name: 'pics/eval/g.jpg', bytes: fixture('gradient48x40.jpg') },
      { name: 'coleraine.abc', bytes: tune },
      { name: 'broken.jpg', bytes: fixture('gradient48x40.jpg').subarray(0, 200) },
      { name: 'pics/G.png', bytes: fixture('gradient48x40.png') }, // same name as the first but for case
    ]);
    expect(out.converted).toBe(3);
    expect(out.files.map((f) => f.name)).toEqual(['pics/g.bmp', 'pics/eval/g.bmp', 'coleraine.abc', 'broken.jpg', 'pics/G-2.bmp']);
    for (const f of out.files.slice(0, 2)) {
      expect(f.bytes.length).toBe(54 + 32 * 32 * 3);
      expect(validate(f.bytes, 'bmp')).toEqual({ verdict: 'valid' });
      expect(detectModality(f.bytes, 'bmp')).toBe('bmp');
    }
    expect(out.files[2].bytes).toBe(tune);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0].path).toBe('broken.jpg');
    expect(out.failed[0].reason).toMatch(/^not converted \(.+\); imported as it is$/);
  });
});
