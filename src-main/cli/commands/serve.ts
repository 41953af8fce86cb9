// `bgpt serve`: the studio in a browser — the same services as the desktop app, over HTTP/WebSocket
// on 127.0.0.1, until SIGINT/SIGTERM (docs/cli.md).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { APP_ROOT } from '../../node/app-root';
import { HOME_OPTION, type CommandSpec } from '../framework';
import { ProcessEngineHost } from '../../engine-host/host';
import { spawnNodeEngine } from '../../engine-host/node-process';
import { createDispatcher } from '../../studio/dispatch';
import { resolveHome } from '../../catalogue/paths';
import { openStudio } from '../../studio/studio';
import { startServer } from '../../server/server';
import { UserError } from '../../shared/errors';

const REPO = APP_ROOT;
const RENDERER_DIR = path.join(REPO, 'out/renderer');

/** Builds the renderer on first use so `npx bgpt serve` works on a fresh clone. */
async function ensureRenderer(progress: (m: string) => void): Promise<void> {
  if (existsSync(path.join(RENDERER_DIR, 'index.html'))) return;
  progress('building the studio UI (first run)…');
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new UserError('the studio UI is not built and Vite is not installed: run npm install, then npm run build:renderer');
  }
  await vite.build({ configFile: path.join(REPO, 'vite.renderer.config.ts'), root: path.join(REPO, 'src-renderer'), logLevel: 'warn' });
}

export const serve: CommandSpec = {
  name: 'serve',
  summary: 'serve the studio in your browser (127.0.0.1 only, token in the URL)',
  usage: 'bgpt serve [--port N] [--home DIR]',
  options: [
    { name: 'port', type: 'number', description: 'port to listen on (0 = any free port)', default: 7860 },
    HOME_OPTION,
  ],
  maxPositionals: 0,
  async run({ opts, progress, signal }) {
    const port = opts.port as number;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be an integer 0..65535, got ${port}`);
    await ensureRenderer(progress);
    const home = resolveHome(opts.home as string | undefined);
    const engine = new ProcessEngineHost(() => spawnNodeEngine());
    const studio = await openStudio({ home, engine, transport: 'http', builtIns: 'background' });
    const dispatch = createDispatcher(studio.handlers, (method, err) => progress(`internal error in ${method}: ${(err as Error)?.stack ?? err}`));
    let server;
    try {
      server = await startServer({ port, rendererDir: RENDERER_DIR, dispatch, subscribe: (l) => studio.subscribe(l) });
    } catch (err) {
      await studio.close();
      throw err;
    }
    // The contract line (docs/cli.md): tools and tests read the URL from it.
    process.stdout.write(`listening on ${server.url}\n`);
    void engine.start().catch(() => {});
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    progress('stopping…');
    await server.close();
    await studio.close();
    return { url: server.url, stopped: true };
  },
  format: () => 'stopped',
};
