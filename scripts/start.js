#!/usr/bin/env node
// `npm start`: runs the Electron app through electron-vite. Electron's runtime is downloaded on
// first start (the install step skips it so `npm install` works offline); where it is missing and
// cannot be downloaded, say so in one line and point to the browser studio.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    return require('electron'); // the binary's path; throws when the runtime was never downloaded
  } catch {
    return null;
  }
}

if (!electronBinary()) {
  process.stderr.write('Downloading the Electron runtime (first start)…\n');
  const installer = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
  const r = spawnSync(process.execPath, [installer], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  if (r.status !== 0 || !electronBinary()) {
    process.stderr.write('bGPT Studio: the Electron runtime is not installed and could not be downloaded here; run the studio in your browser instead: npm run serve\n');
    process.exit(1);
  }
}

const bin = path.join(path.dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
const r = spawnSync(process.execPath, [bin, 'preview', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
