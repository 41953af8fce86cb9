// Wire envelopes (Electron IPC and WebSocket share them): tagged requests and replies with a sequence
// number, replies in an {ok, value | error} envelope (Signal's sql/channels.ts).
import type { EventName } from './events';
import type { MethodName } from './index';

/** Channel prefix for Electron IPC; the preload refuses anything else. */
export const CHANNEL_PREFIX = 'studio:';

export type WireRequest = { type: 'call'; seq: number; method: MethodName; arg?: unknown };
export type WireReply = { type: 'reply'; seq: number } & ({ ok: true; value: unknown } | { ok: false; error: WireError });
export type WireEvent = { type: 'event'; event: EventName; payload: unknown };
export interface WireError {
  message: string;
  code: string;
}
