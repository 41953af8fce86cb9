// The layering rule (docs/ARCHITECTURE.md): which top-level folder of src-main may import which, after
// VS Code's layer check. `npm test` runs it (tests/unit/scripts/layers.test.ts); run it by hand with
// `npx tsx scripts/layers.ts`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** Each layer and the layers it may import (itself always allowed). Lower layers never see higher ones. */
export const LAYERS: Record<string, readonly string[]> = {
  shared: [],
  node: ['shared'],
  formats: ['shared'],
  /** What a checkpoint folder holds and how to read its small files (layout, config reader, kinds, PyTorch recognition; no TF.js): engine and studio alike. */
  checkpoint: ['shared', 'node'],
  engine: ['shared', 'node', 'formats', 'checkpoint'],
  'engine-host': ['shared', 'node', 'formats', 'checkpoint', 'engine'],
  catalogue: ['shared', 'node', 'formats', 'checkpoint'],
  datasets: ['shared', 'node', 'formats', 'checkpoint', 'catalogue'],
  studio: ['shared', 'node', 'formats', 'checkpoint', 'engine', 'engine-host', 'catalogue', 'datasets'],
  server: ['shared', 'node', 'studio'],
  /** The CLI reaches the engine only through the studio's services and an engine host. */
  cli: ['shared', 'node', 'formats', 'checkpoint', 'engine-host', 'catalogue', 'datasets', 'studio', 'server'],
  main: ['shared', 'node', 'formats', 'checkpoint', 'engine-host', 'catalogue', 'datasets', 'studio', 'server'],
  preload: ['shared'],
  /** The Svelte renderer (src-renderer): the browser world sees only the pure layers. */
  renderer: ['shared', 'formats'],
};

/**
 * The npm packages each layer may import directly (VS Code's code-import-patterns do the same per layer): TF.js and
 * the GPU addon only in the engine, electron only in the shell, SQLite only in the catalogue, nothing heavy in the
 * pure layers. A package no layer lists is a violation too: adding a dependency means choosing its layer here.
 */
export const PACKAGES: Record<string, readonly string[]> = {
  shared: ['zod'],
  node: [],
  formats: ['@tonejs/midi', 'abcjs', 'fast-png', 'fflate', 'jpeg-js', 'wavefile'],
  checkpoint: [],
  engine: [
    '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu',
    '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', 'wabt', 'yauzl',
  ],
  'engine-host': [],
  catalogue: ['sqlite3'],
  datasets: ['yauzl'],
  studio: ['zod', 'yauzl'],
  server: ['ws'],
  /** vite: `bgpt serve` builds the renderer in a development checkout (loaded lazily). */
  cli: ['vite'],
  main: ['electron'],
  preload: ['electron'],
  renderer: ['abcjs', 'svelte', 'tone', 'uplot', '@tonejs/midi'],
};

/**
 * Layers whose modules must never load TF.js, even through other layers: the studio services, the catalogue, the
 * shells. Checked by following every static, value-level import (type-only imports are erased by TypeScript; a
 * dynamic `import()` is the sanctioned lazy door, e.g. the CLI's in-process engine host and the studio's .pth
 * inspector). The engine's tensor names (model/weights.ts), which the .pth reader needs, are kept apart from its TF.js
 * variables (model/variables.ts) so that the studio can read a .pth's names without loading TF.js.
 */
export const NO_TFJS = ['shared', 'node', 'formats', 'checkpoint', 'catalogue', 'datasets', 'server', 'preload', 'studio', 'cli', 'main'];
const TFJS = /^@tensorflow\//;

/** Layers that run in a browser as well as in Node: no Node built-ins. */
const PURE = new Set(['shared', 'formats', 'renderer']);
/** Only the Electron shell may import electron. */
const ELECTRON = new Set(['main', 'preload']);
const NODE_BUILTINS = new Set(builtinModules);

export interface Violation {
  file: string;
  specifier: string;
  why: string;
}

/** One import of a file: what it names, and whether it survives compilation as a static load. */
interface ImportRef {
  specifier: string;
  /** `import type`, `export type … from`, or every named binding type-only: erased by TypeScript. */
  typeOnly: boolean;
  /** `import('…')`: loaded only when that code runs. */
  dynamic: boolean;
}

/** The script blocks of a Svelte component (its imports live there). */
const SVELTE_SCRIPT = /<script\b[^>]*>([\s\S]*?)<\/script>/g;

/** The imports of a TypeScript file, read with TypeScript's own parser (so strings and comments never count). */
function tsImports(file: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      out.push({ specifier: node.moduleSpecifier.text, typeOnly, dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)), dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      out.push({ specifier: node.arguments[0].text, typeOnly: false, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ specifier: node.argument.literal.text, typeOnly: true, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function importsOf(file: string): ImportRef[] {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return tsImports(file, text);
  return [...text.matchAll(SVELTE_SCRIPT)].flatMap((m) => tsImports(file, m[1]));
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

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

/** The file a relative specifier names (`./x` → x.ts, x/index.ts, or the .js/.svelte file itself). */
function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile()) ?? null;
}

/** Every import in src-main and src-renderer that breaks the rule, with the reason. */
export function checkLayers(root: string): Violation[] {
  const violations: Violation[] = [];
  const scan = ['src-main', 'src-renderer'].map((d) => path.join(root, d)).filter((d) => statSync(d, { throwIfNoEntry: false }));
  const all = scan.flatMap(files);
  const imports = new Map(all.map((f) => [f, importsOf(f)]));
  for (const file of all) {
    const from = layerOf(root, file);
    if (!from) continue;
    const rel = path.relative(root, file);
    const allowed = LAYERS[from];
    if (!allowed) {
      violations.push({ file: rel, specifier: '', why: `folder src-main/${from} has no place in the layering (add it to scripts/layers.ts)` });
      continue;
    }
    for (const { specifier: spec, typeOnly } of imports.get(file) ?? []) {
      if (spec === 'electron' && !ELECTRON.has(from)) violations.push({ file: rel, specifier: spec, why: `${from} must not import electron` });
      const builtin = spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);
      if (builtin && PURE.has(from)) {
        violations.push({ file: rel, specifier: spec, why: `${from} is pure TypeScript (it runs in the browser too): no Node built-ins` });
      }
      if (spec.startsWith('.')) {
        const to = layerOf(root, path.resolve(path.dirname(file), spec));
        if (!to || to === from) continue;
        if (!allowed.includes(to)) violations.push({ file: rel, specifier: spec, why: `${from} may not import ${to} (allowed: ${allowed.join(', ') || 'nothing'})` });
        continue;
      }
      if (builtin || typeOnly || spec === 'electron') continue;
      const pkg = packageName(spec);
      if (!(PACKAGES[from] ?? []).includes(pkg)) {
        const owners = Object.keys(PACKAGES).filter((l) => PACKAGES[l].includes(pkg));
        violations.push({ file: rel, specifier: spec, why: owners.length > 0
          ? `${from} may not import the package ${pkg} (only ${owners.join(', ')})`
          : `the package ${pkg} has no layer: add it to PACKAGES in scripts/layers.ts under the layer that owns it` });
      }
    }
  }
  violations.push(...checkNoTfjs(root, all, imports));
  return violations;
}

/**
 * Files of the NO_TFJS layers that load TF.js through a chain of static value imports, with the chain (one
 * violation per starting file, the shortest chain found).
 */
function checkNoTfjs(root: string, all: string[], imports: Map<string, ImportRef[]>): Violation[] {
  const out: Violation[] = [];
  // Breadth-first from each file over static value imports, stopping at the first file that imports TF.js.
  const chainToTfjs = (start: string): string[] | null => {
    const prev = new Map<string, string | null>([[start, null]]);
    const queue = [start];
    while (queue.length > 0) {
      const f = queue.shift() as string;
      for (const imp of imports.get(f) ?? []) {
        if (imp.typeOnly || imp.dynamic) continue;
        if (TFJS.test(imp.specifier)) {
          const chain = [imp.specifier];
          for (let at: string | null = f; at; at = prev.get(at) ?? null) chain.unshift(path.relative(root, at));
          return chain;
        }
        if (!imp.specifier.startsWith('.')) continue;
        const next = resolveRelative(f, imp.specifier);
        if (next && !prev.has(next)) { prev.set(next, f); queue.push(next); }
      }
    }
    return null;
  };
  for (const file of all) {
    const layer = layerOf(root, file);
    if (!layer || !NO_TFJS.includes(layer)) continue;
    const chain = chainToTfjs(file);
    if (chain) out.push({ file: path.relative(root, file), specifier: chain[chain.length - 1], why: `${layer} must never load TF.js, but does through ${chain.join(' → ')}` });
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const found = checkLayers(process.cwd());
  for (const v of found) console.log(`${v.file}: '${v.specifier}': ${v.why}`);
  console.log(found.length === 0 ? 'layers: ok' : `layers: ${found.length} violation(s)`);
  process.exitCode = found.length === 0 ? 0 : 1;
}
