// The layering rule holds for the whole tree, and the checker really catches a breach.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers } from '../../../scripts/layers';
import { tempDir } from '../../helpers/temp';

describe('layering (docs/ARCHITECTURE.md)', () => {
  it('src-main and src-renderer import only downwards', () => {
    const found = checkLayers(path.resolve(__dirname, '../../..'));
    expect(found.map((v) => `${v.file}: ${v.specifier}: ${v.why}`)).toEqual([]);
  });

  const tmp = tempDir('bgpt-layers-');

  it('reports an upward import, electron outside the shell, Node in a pure layer and an unknown folder', () => {
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
      writeFileSync(path.join(tmp, rel), text);
    };
    put('src-main/engine/a.ts', "import { x } from '../studio/b';\nimport { app } from 'electron';\n");
    put('src-main/studio/b.ts', "export const x = 1;\n");
    put('src-main/shared/c.ts', "import { readFileSync } from 'node:fs';\n");
    put('src-main/gadgets/d.ts', "export {};\n");
    put('src-renderer/e.ts', "import { x } from '../src-main/studio/b';\n");
    // The CLI reaches the engine only through the studio and an engine host; the checkpoint module never sees the engine.
    put('src-main/cli/f.ts', "import { x } from '../engine/a';\n");
    put('src-main/checkpoint/g.ts', "import { x } from '../engine/a';\n");
    const why = checkLayers(tmp).map((v) => v.why);
    expect(why).toEqual(expect.arrayContaining([
      expect.stringContaining('engine may not import studio'),
      'engine must not import electron',
      expect.stringContaining('shared is pure TypeScript'),
      expect.stringContaining('src-main/gadgets has no place'),
      expect.stringContaining('renderer may not import studio'),
      expect.stringContaining('cli may not import engine'),
      expect.stringContaining('checkpoint may not import engine'),
    ]));
    expect(why).toHaveLength(7);
  });

  it('reports a package outside its layer, a package no layer owns, and TF.js reached through a chain of imports', () => {
    const dir = mkdtempSync(path.join(tmp, 'packages-'));
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    put('src-main/studio/a.ts', "import sqlite3 from 'sqlite3';\nimport leftpad from 'left-pad';\nexport const a = [sqlite3, leftpad];\n");
    // server → studio → engine → TF.js: a static value chain is a violation; type-only and dynamic imports are not.
    put('src-main/server/s.ts', "import { run } from '../studio/b';\nexport const s = run;\n");
    put('src-main/server/t.ts', "import type { Run } from '../studio/b';\nexport const t = () => import('../studio/b');\nexport type T = Run;\n");
    put('src-main/studio/b.ts', "import { step } from '../engine/c';\nexport type Run = number;\nexport const run = step;\n");
    put('src-main/engine/c.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const step = tf;\n");
    put('src-renderer/C.svelte', "<script lang=\"ts\">\n  import { x } from 'svelte';\n</script>\n<p>the text 'from \"nowhere\"' is not an import</p>\n");
    const found = checkLayers(dir).map((v) => `${v.file}: ${v.why}`);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^src-main\/studio\/a\.ts: studio may not import the package sqlite3 \(only catalogue\)/),
      expect.stringMatching(/^src-main\/studio\/a\.ts: the package left-pad has no layer/),
      'src-main/server/s.ts: server must never load TF.js, but does through src-main/server/s.ts → src-main/studio/b.ts → src-main/engine/c.ts → @tensorflow/tfjs-core',
      // The studio is TF.js-free too (docs/ARCHITECTURE.md): the chain's middle link is its own violation.
      'src-main/studio/b.ts: studio must never load TF.js, but does through src-main/studio/b.ts → src-main/engine/c.ts → @tensorflow/tfjs-core',
    ]));
    expect(found).toHaveLength(4);
  });
});
