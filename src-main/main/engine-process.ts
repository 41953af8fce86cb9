// The engine as an Electron utility process (no Node integration in any window; the UI thread never
// waits on a training step). Same protocol as the Node child used by `bgpt serve`.
import { utilityProcess } from 'electron';
import { builtEntry } from '../node/app-root';
import type { EngineProcess, EngineRequest, EngineResponse } from '../engine-host/protocol';

export function spawnUtilityEngine(): EngineProcess {
  // The same engine bundle as the CLI's (scripts/build-node.mjs, run by `npm run build`): out/node/engine.js.
  const child = utilityProcess.fork(builtEntry('engine'), [], { serviceName: 'bGPT engine', stdio: 'inherit' });
  return {
    send: (msg: EngineRequest) => child.postMessage(msg),
    onMessage: (l) => child.on('message', (m) => l(m as EngineResponse)),
    onExit: (l) => child.on('exit', (code) => l(code, null)),
    kill: () => void child.kill(),
  };
}
