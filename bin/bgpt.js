#!/usr/bin/env node
// `bgpt` launcher: runs the built CLI (out/node/cli.js, made by `npm run build:node`, which `npm install`
// runs). In a development checkout without a build it runs the TypeScript sources through tsx (a dev
// dependency); an installed app never needs tsx.
import { existsSync } from 'node:fs';

const built = new URL('../out/node/cli.js', import.meta.url);
let main;
if (existsSync(built) && process.env.BGPT_FROM_SOURCE !== '1') {
  ({ main } = await import(built.href));
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('bgpt: the CLI is not built (out/node/cli.js is missing): run npm run build:node\n');
    process.exit(1);
  }
  register();
  ({ main } = await import('../src-main/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
