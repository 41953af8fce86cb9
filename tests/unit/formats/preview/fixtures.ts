// Reads the committed viewer fixtures (tests/fixtures/viewers) as bytes.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.resolve('tests/fixtures/viewers', name)));
}
