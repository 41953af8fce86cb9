// Photos in a browser import (docs/walkthrough.md): PNG and JPEG files are not one of the paper's
// formats, so the import panel offers to convert them to its image shape (32×32 24-bit BMP, bGPT
// §4.1) before upload, with the converter the command line uses (src-main/formats/convert/image.ts),
// instead of filing them as "binary".
import { imageToBmp } from '../../src-main/formats/convert/image';

/** Extensions offered conversion (BMP already is the paper's format; the import keeps it as it is). */
const CONVERTIBLE = /\.(png|jpe?g)$/i;

export function isConvertibleImage(name: string): boolean {
  return CONVERTIBLE.test(name);
}

/** "photos/cat.JPG" → "photos/cat.bmp": the folder path is kept, so eval/ stays the eval split. A
 *  name already taken in this import (cat.png beside cat.jpg, or a cat.bmp) becomes cat-2.bmp, cat-3.bmp… */
export function bmpName(name: string, taken: Set<string> = new Set()): string {
  const stem = name.replace(CONVERTIBLE, '');
  let out = `${stem}.bmp`;
  for (let k = 2; taken.has(out.toLowerCase()); k++) out = `${stem}-${k}.bmp`;
  taken.add(out.toLowerCase());
  return out;
}

export interface ImageConversion {
  /** The files to upload: converted images under their .bmp names, everything else unchanged. */
  files: { name: string; bytes: Uint8Array }[];
  converted: number;
  /** Images that could not be decoded: uploaded as they are (the import files them as binary). */
  failed: { path: string; reason: string }[];
}

/** Converts the PNG/JPEG files of an upload batch; a file that fails keeps its bytes and gets a reason.
 *  `taken`: the (lower-cased) names of the whole import, shared across its batches, so no converted
 *  name replaces another file; it starts with every name that is not converted. */
export function convertImages(
  files: readonly { name: string; bytes: Uint8Array }[],
  taken: Set<string> = new Set(files.filter((f) => !isConvertibleImage(f.name)).map((f) => f.name.toLowerCase())),
): ImageConversion {
  const out: ImageConversion = { files: [], converted: 0, failed: [] };
  for (const f of files) {
    if (!isConvertibleImage(f.name)) {
      out.files.push(f);
      continue;
    }
    try {
      const bytes = imageToBmp(f.bytes); // first: a failed image takes no name
      out.files.push({ name: bmpName(f.name, taken), bytes });
      out.converted++;
    } catch (err) {
      out.failed.push({ path: f.name, reason: `not converted (${err instanceof Error ? err.message : String(err)}); imported as it is` });
      out.files.push(f);
    }
  }
  return out;
}
