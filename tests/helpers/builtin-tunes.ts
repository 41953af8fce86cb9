// A built-in tune's file (datasets/tunes) in whichever split the datasets build put it: the split is
// drawn by tune, so a rebuild may move a tune between train/ and eval/ (scripts' datasets build).
import { existsSync } from 'node:fs';
import path from 'node:path';

const TUNES = path.resolve('datasets/tunes');

/** `datasets/tunes/<split>/<file>` for the split that holds it (train/ when neither does, for the error). */
export function builtinTune(file: string): string {
  return ['train', 'eval'].map((s) => path.join(TUNES, s, file)).find((f) => existsSync(f)) ?? path.join(TUNES, 'train', file);
}
