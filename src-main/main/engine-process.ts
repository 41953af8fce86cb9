// The engine as an Electron utility process (no Node integration in any window; the UI thread never
// waits on a training step). Same protocol as the Node child used by `bgpt serve`.
import { utilityProcess } from 'electron';
import path from 'node:path';
import type { EngineProcess, EngineRequest, EngineResponse } from '../engine-host/protocol';

export function spawnUtilityEngine(): EngineProcess {
  // electron-vite builds the worker as out/main/engine.js beside this file's bundle.
  const child = utilityProcess.fork(path.join(__dirname, 'engine.js'), [], { serviceName: 'bGPT engine', stdio: 'inherit' });
  return {
    send: (msg: EngineRequest) => child.postMessage(msg),
    onMessage: (l) => child.on('message', (m) => l(m as EngineResponse)),
    onExit: (l) => child.on('exit', (code) => l(code, null)),
    kill: () => void child.kill(),
  };
}
