// Before a target is measured, a real WebSocket client (the `ws` package) checks the tunnel end to end: an echoed
// binary and text message, a ping answered, a clean close with its code and reason, and one whole 1 MiB message
// from /ws/bulk. So the hand-made frames of the backend and the load generator are checked against a real
// implementation, and a target that does not tunnel is reported with what it did instead.
import WebSocket from 'ws';
import net from 'node:net';
import { BULK_MESSAGE_BYTES } from './backend.js';
import { setTimeout as sleep } from 'node:timers/promises';

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000 });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`answered ${res.statusCode} ${res.statusMessage ?? ''} to the upgrade (expected 101)`.trim()));
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

function next<T>(ws: WebSocket, event: string, timeoutMs = 5000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${event}' within ${timeoutMs} ms`)), timeoutMs);
    ws.once(event, (...args: T[]) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

/** undefined when the tunnel works; otherwise what went wrong. */
export async function probe(port: number): Promise<string | undefined> {
  let ws: WebSocket | undefined;
  try {
    ws = await connect(`ws://127.0.0.1:${port}/ws/echo`);
    const bin = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    ws.send(bin);
    const [b] = await next<Buffer>(ws, 'message');
    if (!Buffer.isBuffer(b) || !b.equals(bin)) return 'binary message not echoed intact';
    ws.send('héllo');
    const [t, isBinary] = await next<Buffer | boolean>(ws, 'message');
    if (isBinary !== false || String(t) !== 'héllo') return 'text message not echoed intact';
    ws.ping();
    await next(ws, 'pong');
    ws.close(1000, 'bye');
    const [code, reason] = await next<number | Buffer>(ws, 'close');
    if (code !== 1000) return `close code ${String(code)} (expected 1000; reason '${String(reason)}')`;

    ws = await connect(`ws://127.0.0.1:${port}/ws/bulk`);
    const [m] = await next<Buffer>(ws, 'message');
    if (!Buffer.isBuffer(m) || m.length !== BULK_MESSAGE_BYTES) return `bulk message of ${Buffer.isBuffer(m) ? m.length : '?'} bytes (expected ${BULK_MESSAGE_BYTES})`;
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    ws?.terminate();
  }
}

/** Waits until 127.0.0.1:port accepts a connection; false after timeoutMs, or as soon as stillAlive() is false. */
export async function waitListening(port: number, timeoutMs: number, stillAlive: () => boolean): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && stillAlive()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}
