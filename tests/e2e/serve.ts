// Starts the real `bgpt serve` on a fresh temporary studio home for an e2e suite, and stops it. The home is a
// tempDir: made in beforeAll, it goes when the file ends, after the afterAll that stops the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { tempDir } from '../helpers/temp';

export interface Served {
  url: string;
  home: string;
  proc: ChildProcess;
  /** Everything the server printed on stderr so far (for failure messages). */
  log(): string;
  stop(): Promise<number | null>;
}

export async function startServe(opts: { home?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const home = opts.home ?? tempDir('bgpt-e2e-');
  const proc = spawn(process.execPath, ['bin/bgpt.js', 'serve', '--port', '0', '--home', home], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`bgpt serve exited with ${code}: ${err}`)));
  });
  return {
    url,
    home,
    proc,
    log: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGTERM');
      }),
  };
}
