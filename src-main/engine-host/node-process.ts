// The engine as a Node child process (bgpt serve, the CLI, tests). Electron uses a utility process
// instead (src-main/main/engine-process.ts); both satisfy EngineProcess.
import { fork } from 'node:child_process';
import { nodeEntry, needsTsx } from '../node/app-root';
import type { EngineProcess, EngineRequest, EngineResponse } from './protocol';


export function spawnNodeEngine(env: NodeJS.ProcessEnv = process.env): EngineProcess {
  const child = fork(nodeEntry('engine'), [], {
    // From sources (development, tests) the engine is TypeScript and runs through tsx; built, it is plain JS.
    execArgv: needsTsx ? ['--import', 'tsx'] : [],
    // 'advanced' = structured clone: Uint8Array / Float32Array arrive as typed arrays.
    serialization: 'advanced',
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    send: (msg: EngineRequest) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (l) => child.on('message', (m) => l(m as EngineResponse)),
    onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
    kill: () => child.kill('SIGKILL'),
  };
}
