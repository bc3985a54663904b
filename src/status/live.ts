// The live view: WebSocket clients of the status pages (ws in noServer mode; the server hands over the upgrade
// after route() allowed it), each sent the page's moving values once a second. One snapshot per tick and server,
// whatever the number of viewers; the timer runs only while someone watches. The owner (src/server) closes it.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { liveParts, liveValues } from './html.js';
import { takeSnapshot, type ServerView, type Snapshot } from './snapshot.js';
import type { HandlerScope, LocalHandler } from './types.js';

/** A viewer that does not read its updates is skipped once this much is waiting for it. */
const MAX_BUFFERED = 1 << 20;

export class StatusLive {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });
  readonly #clients = new Map<WebSocket, LocalHandler>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly view: ServerView,
    private readonly intervalMs = 1000,
  ) {}

  /** Viewers connected now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Complete the WebSocket handshake on `socket` and start sending `handler`'s values. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, handler: LocalHandler): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#clients.set(ws, handler);
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        this.#clients.delete(ws);
        if (this.#clients.size === 0) this.#stop();
      });
      this.#send(ws, handler, takeSnapshot(this.view, handler.scope));
      this.#start();
    });
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.intervalMs);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const snaps = new Map<HandlerScope, Snapshot>();
    for (const [ws, handler] of this.#clients) {
      let s = snaps.get(handler.scope);
      if (s === undefined) snaps.set(handler.scope, (s = takeSnapshot(this.view, handler.scope)));
      this.#send(ws, handler, s);
    }
  }

  #send(ws: WebSocket, handler: LocalHandler, s: Snapshot): void {
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount > MAX_BUFFERED) return;
    ws.send(JSON.stringify({ handler: handler.name, values: liveValues(s), parts: liveParts(s, handler.name) }));
  }

  /** Close every viewer (1001 "going away") and stop; later upgrades are refused. */
  close(): void {
    this.#closed = true;
    this.#stop();
    for (const ws of this.#clients.keys()) ws.close(1001, 'server stopping');
    const left = [...this.#clients.keys()];
    setTimeout(() => left.forEach((ws) => ws.terminate()), 1000).unref();
    this.#wss.close();
  }
}
