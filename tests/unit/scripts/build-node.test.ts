// The shipped code paths: the CLI, the engine process and the gradient worker built by scripts/build-node.mjs
// run with plain `node` (no tsx), and a training step uses the worker thread on the second core.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpSpecs } from '../../../src-main/cli/help';
import { tempDir } from '../../helpers/temp';

const root = path.resolve(__dirname, '../../..');
// Built inside the repository (git-ignored .tmp/) so npm packages resolve from node_modules, as in out/node.
const outdir = path.join(root, '.tmp', `build-test-${process.pid}`);
const home = tempDir('bgpt-built-');

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, 'scripts/build-node.mjs'), outdir], { stdio: 'pipe' });
  writeFileSync(BLOCKER, BLOCKER_SOURCE);
}, 120_000);
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

/**
 * Makes `tsx` unresolvable in this process, its engine child and their worker threads (NODE_OPTIONS is
 * inherited): if any built path still reached for the TypeScript loader, the run would fail.
 */
const BLOCKER = path.join(outdir, 'block-tsx.mjs');
const BLOCK_TSX = `--import=${pathToFileURL(BLOCKER).href}`;
const BLOCKER_SOURCE = [
  "import { register } from 'node:module';",
  "const hook = 'export async function resolve(s, c, n) { if (s === \"tsx\" || s.startsWith(\"tsx/\")) throw new Error(\"no TypeScript loader here\"); return n(s, c); }';",
  "register('data:text/javascript,' + encodeURIComponent(hook));",
].join('\n');

function bgpt(args: string[], env: NodeJS.ProcessEnv = {}) {
  // A launcher that imports the bundle exactly as bin/bgpt.js does, without tsx anywhere on the way (a file, so
  // that flags such as --help reach the CLI rather than node).
  const launcher = path.join(outdir, 'launch.mjs');
  if (!existsSync(launcher)) {
    writeFileSync(launcher, `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(outdir, 'cli.js')).href)}); process.exitCode = await main(process.argv.slice(2));\n`);
  }
  return spawnSync(process.execPath, [launcher, ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: BLOCK_TSX, ...env }, timeout: 240_000,
  });
}

describe('built CLI and engine', () => {
  it('bundles import no TypeScript loader and the guard really blocks one', () => {
    for (const name of ['cli.js', 'engine.js', 'grad-worker.js', 'inspect-worker.js', 'infer-worker.js']) {
      expect(readFileSync(path.join(outdir, name), 'utf8')).not.toMatch(/^import .*["']tsx/m);
    }
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('tsx/esm/api')"], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: BLOCK_TSX } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Error: no TypeScript loader here/);
  });

  it('trains a step through the built engine process with the gradient worker on', () => {
    const r = bgpt(['train', '--home', home, '--data', path.join(root, 'datasets/tunes'), '--preset', 'tiny', '--steps', '1', '--batch', '2', '--json'], { BGPT_BACKEND: 'wasm' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/gradient worker unavailable/);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(out).toMatchObject({ steps: 1, backend: 'wasm', workers: 2 });
    expect(out.trainLoss).toBeGreaterThan(0);
    expect(existsSync(path.join(out.checkpoint, 'model.safetensors'))).toBe(true);
  }, 240_000);

  it('answers --help from the built specs, loading no command: the specs equal the sources\' and no npm package loads', async () => {
    const { commands } = await import('../../../src-main/cli/commands/index');
    const built = JSON.parse(readFileSync(path.join(outdir, 'commands.json'), 'utf8'));
    expect(built).toEqual(JSON.parse(JSON.stringify(helpSpecs(commands))));
    // A resolve hook names every package the process loads (node: built-ins and the bundle's own files aside).
    const hooks = path.join(outdir, 'log-packages-hooks.mjs');
    writeFileSync(hooks, [
      'export async function resolve(specifier, context, next) {',
      '  if (!/^(node:|[.]|file:|data:)/.test(specifier)) process.stderr.write(`PACKAGE ${specifier}\\n`);',
      '  return next(specifier, context);',
      '}',
    ].join('\n'));
    const logger = path.join(outdir, 'log-packages.mjs');
    writeFileSync(logger, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const loaded = (args: string[]) => {
      const r = bgpt(args, { NODE_OPTIONS: `${BLOCK_TSX} --import=${pathToFileURL(logger).href}` });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, packages: r.stderr.split('\n').filter((l) => l.startsWith('PACKAGE ')) };
    };
    for (const args of [['--help'], ['generate', '--help'], ['train', '--help'], ['models', 'download', '--help'], ['serve', '--help'], ['models']]) {
      const r = loaded(args);
      expect(r.packages, args.join(' ')).toEqual([]);
      expect(r.stdout, `${args.join(' ')}: ${r.stderr}`).toMatch(/usage: bgpt/);
    }
    // The guard can fail: a command that runs loads its packages.
    expect(loaded(['models', 'list', '--home', home, '--json']).packages.length).toBeGreaterThan(0);
  }, 120_000);
});
