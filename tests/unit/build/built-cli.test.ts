// The shipped code paths: the CLI, the engine process and the gradient worker built by scripts/build-node.mjs
// run with plain `node` (no tsx), and a training step uses the worker thread on the second core.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
// Built inside the repository (git-ignored .tmp/) so npm packages resolve from node_modules, as in out/node.
const outdir = path.join(root, '.tmp', `build-test-${process.pid}`);
const home = mkdtempSync(path.join(os.tmpdir(), 'bgpt-built-'));

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, 'scripts/build-node.mjs'), outdir], { stdio: 'pipe' });
  writeFileSync(BLOCKER, BLOCKER_SOURCE);
}, 120_000);
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
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
  // A launcher that imports the bundle exactly as bin/bgpt.js does, without tsx anywhere on the way.
  const launcher = `const { main } = await import(${JSON.stringify(path.join(outdir, 'cli.js'))}); process.exitCode = await main(process.argv.slice(1));`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', launcher, ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: BLOCK_TSX, ...env }, timeout: 240_000,
  });
}

describe('built CLI and engine', () => {
  it('bundles import no TypeScript loader and the guard really blocks one', () => {
    for (const name of ['cli.js', 'engine.js', 'grad-worker.js', 'inspect-worker.js']) {
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
});
