// The layering rule (docs/ARCHITECTURE.md): which top-level folder of src-main may import which, after
// VS Code's layer check. `npm test` runs it (tests/unit/architecture/layers.test.ts); run it by hand with
// `npx tsx scripts/layers.ts`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Each layer and the layers it may import (itself always allowed). Lower layers never see higher ones. */
export const LAYERS: Record<string, readonly string[]> = {
  shared: [],
  node: ['shared'],
  formats: ['shared'],
  /** The checkpoint vocabulary (layout, config reader, kinds, PyTorch recognition): Node, never TF.js. */
  checkpoint: ['shared', 'node'],
  engine: ['shared', 'node', 'formats', 'checkpoint'],
  'engine-host': ['shared', 'node', 'formats', 'checkpoint', 'engine'],
  catalogue: ['shared', 'node', 'formats', 'checkpoint'],
  datasets: ['shared', 'node', 'formats', 'checkpoint', 'catalogue'],
  studio: ['shared', 'node', 'formats', 'checkpoint', 'engine', 'engine-host', 'catalogue', 'datasets'],
  server: ['shared', 'node', 'studio'],
  /** The CLI reaches the engine only through the studio's services and an engine host. */
  cli: ['shared', 'node', 'formats', 'engine-host', 'catalogue', 'datasets', 'studio', 'server'],
  main: ['shared', 'node', 'formats', 'engine-host', 'catalogue', 'datasets', 'studio', 'server'],
  preload: ['shared'],
  /** The Svelte renderer (src-renderer): the browser world sees only the pure layers. */
  renderer: ['shared', 'formats'],
};

/** Layers that run in a browser as well as in Node: no Node built-ins. */
const PURE = new Set(['shared', 'formats', 'renderer']);
/** Only the Electron shell may import electron. */
const ELECTRON = new Set(['main', 'preload']);

export interface Violation {
  file: string;
  specifier: string;
  why: string;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...files(full));
    else if (/\.(ts|svelte|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The layer a file belongs to, or null outside src-main/src-renderer. */
function layerOf(root: string, file: string): string | null {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'src-renderer') return 'renderer';
  if (rel[0] === 'src-main' && rel.length > 2) return rel[1];
  return null;
}

/** Every import in src-main and src-renderer that breaks the rule, with the reason. */
export function checkLayers(root: string): Violation[] {
  const violations: Violation[] = [];
  const scan = ['src-main', 'src-renderer'].map((d) => path.join(root, d)).filter((d) => statSync(d, { throwIfNoEntry: false }));
  for (const file of scan.flatMap(files)) {
    const from = layerOf(root, file);
    if (!from) continue;
    const rel = path.relative(root, file);
    const allowed = LAYERS[from];
    if (!allowed) {
      violations.push({ file: rel, specifier: '', why: `folder src-main/${from} has no place in the layering (add it to scripts/layers.ts)` });
      continue;
    }
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1];
      if (spec === 'electron' && !ELECTRON.has(from)) violations.push({ file: rel, specifier: spec, why: `${from} must not import electron` });
      if ((spec.startsWith('node:') || spec === 'fs' || spec === 'path') && PURE.has(from)) {
        violations.push({ file: rel, specifier: spec, why: `${from} is pure TypeScript (it runs in the browser too): no Node built-ins` });
      }
      if (!spec.startsWith('.')) continue;
      const to = layerOf(root, path.resolve(path.dirname(file), spec));
      if (!to || to === from) continue;
      if (!allowed.includes(to)) violations.push({ file: rel, specifier: spec, why: `${from} may not import ${to} (allowed: ${allowed.join(', ') || 'nothing'})` });
    }
  }
  return violations;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const found = checkLayers(process.cwd());
  for (const v of found) console.log(`${v.file}: '${v.specifier}': ${v.why}`);
  console.log(found.length === 0 ? 'layers: ok' : `layers: ${found.length} violation(s)`);
  process.exitCode = found.length === 0 ? 0 : 1;
}
