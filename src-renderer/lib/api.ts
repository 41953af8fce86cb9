// The renderer's StudioApi client: the Electron preload bridge when present, else a WebSocket to
// `bgpt serve` (token from the page URL). Both speak the one contract in src-main/shared/contract/.
import {
  EVENT_NAMES, METHOD_NAMES, subscriptionName,
  type EventName, type StudioApi, type StudioEvents, type WireEvent, type WireReply, type WireRequest,
} from '../../src-main/shared/contract';
import { decodeWire, encodeWire } from '../../src-main/shared/wire';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge). */
    studio?: StudioApi;
  }
}

/** An API failure with the service's one-line message and code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

type Pending = { resolve(v: unknown): void; reject(e: Error): void };

/** Reconnect delays: quick first retry, then back off (the server may be restarting). */
const RECONNECT_MS = [250, 500, 1000, 2000, 5000];

class SocketClient {
  private ws: WebSocket | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private queue: string[] = [];
  private listeners = new Map<EventName, Set<(e: unknown) => void>>();
  private attempt = 0;
  /** Connection state for the status bar. */
  connected = false;
  onConnectionChange: ((connected: boolean) => void) | null = null;

  constructor(private url: string) {
    this.connect();
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setConnected(true);
      for (const m of this.queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (m) => this.receive(String(m.data));
    ws.onclose = () => {
      this.setConnected(false);
      for (const p of this.pending.values()) p.reject(new ApiError('connection to the studio was lost', 'DISCONNECTED'));
      this.pending.clear();
      const delay = RECONNECT_MS[Math.min(this.attempt++, RECONNECT_MS.length - 1)];
      setTimeout(() => this.connect(), delay);
    };
  }

  private setConnected(c: boolean): void {
    this.connected = c;
    this.onConnectionChange?.(c);
  }

  private receive(text: string): void {
    const msg = decodeWire<WireReply | WireEvent>(text);
    if (msg.type === 'reply') {
      const p = this.pending.get(msg.seq);
      if (!p) return;
      this.pending.delete(msg.seq);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new ApiError(msg.error.message, msg.error.code));
    } else if (msg.type === 'event') {
      for (const l of this.listeners.get(msg.event) ?? []) l(msg.payload);
    }
  }

  call(method: WireRequest['method'], arg: unknown): Promise<unknown> {
    const seq = ++this.seq;
    const text = encodeWire({ type: 'call', seq, method, arg } satisfies WireRequest);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
      else this.queue.push(text);
    });
  }

  subscribe(event: EventName, listener: (e: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
}

function socketApi(client: SocketClient): StudioApi {
  const api: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) api[m] = (arg?: unknown) => client.call(m, arg);
  for (const e of EVENT_NAMES) api[subscriptionName(e)] = (l: (ev: StudioEvents[typeof e]) => void) => client.subscribe(e, l as (x: unknown) => void);
  return api as StudioApi;
}

let cached: StudioApi | null = null;
let socket: SocketClient | null = null;

/** The studio API for this window. */
export function getApi(): StudioApi {
  if (cached) return cached;
  if (window.studio) return (cached = window.studio);
  // `bgpt serve` moves the page under /s/<token>/ (no cookie: cookies reach every port of the host).
  const token = /^\/s\/([^/]+)\//.exec(location.pathname)?.[1] ?? new URLSearchParams(location.search).get('token') ?? '';
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new SocketClient(`${proto}//${location.host}/api/ws?token=${encodeURIComponent(token)}`);
  return (cached = socketApi(socket));
}

/** Watches the transport's connection (always connected in Electron). */
export function onConnectionChange(listener: (connected: boolean) => void): void {
  getApi();
  if (socket) socket.onConnectionChange = listener;
  else listener(true);
}
