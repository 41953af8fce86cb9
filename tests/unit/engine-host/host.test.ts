// The engine process host with a real child process: start and backend report, typed errors across
// the boundary, a crash surfaced as an event and a clear error while the host stays usable, and stop.
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import type { EngineProcess } from '../../../src-main/engine-host/protocol';
import type { EngineStatus } from '../../../src-main/shared/contract';
import { isUserError } from '../../../src-main/shared/errors';

let host: ProcessEngineHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
});

describe('EngineHost', () => {
  it('starts the engine process and reports its backend', async () => {
    host = new ProcessEngineHost(() => spawnNodeEngine({ ...process.env, BGPT_BACKEND: 'cpu' }));
    const states: string[] = [];
    host.on('status', (s) => states.push(s.state));
    await host.start();
    expect(host.status).toMatchObject({ state: 'idle', backend: 'cpu', error: null });
    expect(states).toEqual(['starting', 'idle']);
  });

  it('carries a user error across the process boundary as a UserError', async () => {
    host = new ProcessEngineHost(() => spawnNodeEngine({ ...process.env, BGPT_BACKEND: 'cpu' }));
    const err = (await host.call('surprisal', { checkpoint: '/no/such/checkpoint', bytes: new Uint8Array([1, 2, 3]), ext: 'txt' }).catch((e: unknown) => e)) as Error;
    expect(isUserError(err)).toBe(true);
    expect(String(err.message)).toMatch(/checkpoint/);
    // A message naming no protocol method (as a damaged or hostile peer might send) is refused by the engine.
    const untyped = host.call.bind(host) as (method: string, arg: unknown) => Promise<unknown>;
    await expect(untyped('noSuchMethod', {})).rejects.toThrow(/unknown engine method/);
  });

  it('turns a crash into an event and a clear error, then restarts on the next call', async () => {
    let proc: EngineProcess | null = null;
    host = new ProcessEngineHost(() => (proc = spawnNodeEngine({ ...process.env, BGPT_BACKEND: 'cpu' })));
    await host.start();
    const crashed = new Promise<EngineStatus>((resolve) => host!.on('status', (s) => s.state === 'crashed' && resolve(s)));
    proc!.kill();
    const status = await crashed;
    expect(status.error).toMatch(/crashed \(signal SIGKILL\)/);
    // The host is still usable: the next call starts a fresh engine.
    const err = await host.call('surprisal', { checkpoint: '/no/such', bytes: new Uint8Array([1]), ext: 'txt' }).catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(host.status.state).toBe('idle');
  });

  it('stops by asking first, and the process exits on its own', async () => {
    host = new ProcessEngineHost(() => spawnNodeEngine({ ...process.env, BGPT_BACKEND: 'cpu' }));
    await host.start();
    await host.stop();
    expect(host.status.state).toBe('stopped');
  });
});
