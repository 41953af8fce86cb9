// Preload bridge (sandboxed, context-isolated): exposes exactly the typed StudioApi as
// `window.studio` and nothing else. Every call goes through one prefixed channel; main validates it.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNEL_PREFIX, EVENT_NAMES, METHOD_NAMES, subscriptionName, type EventName, type StudioApi, type WireError } from '../shared/contract';

const CALL = `${CHANNEL_PREFIX}call`;
const EVENT = `${CHANNEL_PREFIX}event`;

type Outcome = { ok: true; value: unknown } | { ok: false; error: WireError };

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT, (_e, event: EventName, payload: unknown) => {
  for (const l of listeners.get(event) ?? []) l(payload);
});

const api: Record<string, unknown> = {};
for (const method of METHOD_NAMES) {
  api[method] = async (arg?: unknown) => {
    const outcome = (await ipcRenderer.invoke(CALL, method, arg)) as Outcome;
    if (outcome.ok) return outcome.value;
    // Errors lose their class across contextBridge; the code travels in the message's companion field.
    const err = new Error(outcome.error.message);
    (err as Error & { code: string }).code = outcome.error.code;
    throw err;
  };
}
for (const event of EVENT_NAMES) {
  api[subscriptionName(event)] = (listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  };
}

contextBridge.exposeInMainWorld('studio', api as StudioApi);
