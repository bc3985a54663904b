// ws clients for the tunnel tests: open one and wait for the outcome, wait for events with a deadline, and
// terminate every client a file opened (after(), whatever failed).
import type { IncomingMessage } from 'node:http';
import { WebSocket, type ClientOptions, type RawData } from 'ws';

const opened = new Set<WebSocket>();

export function terminateAll(): void {
  for (const ws of opened) ws.terminate();
  opened.clear();
}

export interface Opened {
  readonly ws: WebSocket;
  /** The 101 as the client received it. */
  readonly response: IncomingMessage;
}

/** Opens a client; rejects with the HTTP status (`.status`) when the handshake is answered otherwise. */
export function openWs(url: string, protocols: string[] = [], opts: ClientOptions = {}, timeoutMs = 5000): Promise<Opened> {
  const ws = new WebSocket(url, protocols, opts);
  opened.add(ws);
  inboxOf(ws);
  ws.on('close', () => opened.delete(ws));
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    const t = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no handshake outcome for ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('upgrade', (res) => (response = res));
    ws.on('open', () => {
      clearTimeout(t);
      resolve({ ws, response: response! });
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(t);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      const done = (): void => {
        ws.terminate();
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
      };
      res.on('end', done);
      res.on('close', done);
    });
    ws.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** The handshake's HTTP status when it is not 101 (resolves 101 when it opened). */
export async function handshakeStatus(url: string, protocols: string[] = [], opts: ClientOptions = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  try {
    const { ws } = await openWs(url, protocols, opts);
    ws.terminate();
    return { status: 101, body: '', headers: {} };
  } catch (e) {
    const err = e as Error & { status?: number; body?: string; headers?: Record<string, unknown> };
    if (err.status === undefined) throw err;
    return { status: err.status, body: err.body ?? '', headers: err.headers ?? {} };
  }
}

/** Resolves with the next event `name` on `ws` (its arguments), or rejects after `timeoutMs`. */
export function once<T extends unknown[]>(ws: WebSocket, name: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      ws.off(name, on);
      reject(new Error(`no '${name}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (...args: unknown[]): void => {
      clearTimeout(t);
      resolve(args as T);
    };
    ws.once(name, on);
  });
}

export interface Message {
  readonly data: Buffer;
  readonly binary: boolean;
}

/** Every message a socket receives, queued from the moment inboxOf() is first called for it (none is lost). */
class Inbox {
  private readonly queue: Message[] = [];
  private waiter: ((m: Message) => void) | undefined;
  constructor(ws: WebSocket) {
    ws.on('message', (data: RawData, binary: boolean) => {
      const m = { data: Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data), binary };
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(m);
      else this.queue.push(m);
    });
  }
  next(timeoutMs: number): Promise<Message> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  }
}
const inboxes = new WeakMap<WebSocket, Inbox>();
export function inboxOf(ws: WebSocket): Inbox {
  let box = inboxes.get(ws);
  if (!box) inboxes.set(ws, (box = new Inbox(ws)));
  return box;
}

/** The next message (queued since the socket opened, or since the first inboxOf/nextMessage call for it). */
export const nextMessage = (ws: WebSocket, timeoutMs = 5000): Promise<Message> => inboxOf(ws).next(timeoutMs);

/** The next close event's code and reason, and how long it took from now. */
export function closeOf(ws: WebSocket, timeoutMs = 5000): Promise<{ code: number; reason: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(t);
      resolve({ code, reason: reason.toString(), ms: Date.now() - t0 });
    });
  });
}
