// How long `bgpt --help` and `bgpt generate --help` take as a user starts them (a new node process through
// bin/bgpt.js; issue 21 asks under 200 ms): `bgpt bench` reports it as `helpMs` (docs/cli.md, docs/performance.md).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { APP_ROOT } from '../node/app-root';

export interface HelpTiming {
  /** Median wall milliseconds of `bgpt --help`. */
  global: number;
  /** Median wall milliseconds of `bgpt generate --help` (a command's help). */
  command: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Starts the CLI `runs` times for each help and returns the medians (after one untimed start: a cold disk cache is not the CLI's). */
export function timeHelp(runs = 5): HelpTiming {
  const bin = path.join(APP_ROOT, 'bin', 'bgpt.js');
  const once = (args: string[]): number => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`bgpt ${args.join(' ')} exited with ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
    return ms;
  };
  once(['--help']);
  const g: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    g.push(once(['--help']));
    c.push(once(['generate', '--help']));
  }
  return { global: Math.round(median(g)), command: Math.round(median(c)), runs };
}
