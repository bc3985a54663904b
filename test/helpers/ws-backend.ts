// Backends for the tunnel tests, on 127.0.0.1:0, each counting its open TCP connections:
// - startWsBackend: a `ws` WebSocketServer behind an http.Server, recording every upgrade request as received
//   (raw headers in order); the default connection handler echoes every message with its type.
// - startRawBackend: a plain TCP server (half-open allowed) that hands the request head and the socket to the test,
//   recording every byte received per connection; for answers ws would never give (200/426, a wrong 101, a
//   non-WebSocket protocol).
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';

export interface UpgradeRecord {
  readonly url: string;
  readonly rawHeaders: readonly string[];
}

async function waitCount(get: () => number, n: number, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (get() !== n) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: ${get()} open connections after ${timeoutMs} ms, expected ${n}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface WsBackend {
  readonly port: number;
  readonly wss: WebSocketServer;
  readonly upgrades: UpgradeRecord[];
  /** Plain (non-upgrade) requests' URLs (each answered 200 "plain", Connection: close). */
  readonly plain: string[];
  /** TCP connections accepted so far / open now / most open at once. */
  accepted(): number;
  open(): number;
  maxOpen(): number;
  resetMaxOpen(): void;
  waitOpen(n: number, timeoutMs?: number): Promise<void>;
  /** The open TCP sockets (to kill them). */
  sockets(): Socket[];
  /** Called for each upgrade request before ws answers it; call `accept()` to let ws do the handshake. */
  onUpgrade: (req: IncomingMessage, socket: Socket, head: Buffer, accept: () => void) => void;
  /** Called for each WebSocket once open (default: echo). */
  onConnection: (ws: WebSocket, req: IncomingMessage) => void;
  close(): Promise<void>;
}

export const echo = (ws: WebSocket): void => {
  ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
};

export async function startWsBackend(wsOptions: Omit<ServerOptions, 'noServer' | 'server' | 'port'> = {}): Promise<WsBackend> {
  const server = http.createServer((req, res) => {
    backend.plain.push(req.url ?? '');
    // Connection: close, so that a proxy's pooled connection does not count as one left open.
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5', Connection: 'close' }).end('plain');
  });
  const wss = new WebSocketServer({ noServer: true, ...wsOptions });
  const open = new Set<Socket>();
  let accepted = 0;
  let maxOpen = 0;
  const backend: WsBackend = {
    port: 0,
    wss,
    upgrades: [],
    plain: [],
    accepted: () => accepted,
    open: () => open.size,
    maxOpen: () => maxOpen,
    resetMaxOpen: () => void (maxOpen = open.size),
    waitOpen: (n, timeoutMs = 5000) => waitCount(() => open.size, n, timeoutMs, 'ws backend'),
    sockets: () => [...open],
    onUpgrade: (_req, _socket, _head, accept) => accept(),
    onConnection: echo,
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const s of open) s.destroy();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('connection', (s: Socket) => {
    accepted++;
    open.add(s);
    maxOpen = Math.max(maxOpen, open.size);
    s.on('error', () => undefined);
    s.on('close', () => open.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    backend.upgrades.push({ url: req.url ?? '', rawHeaders: [...req.rawHeaders] });
    // While the answer is pending, the proxy's FIN means it gave up (http.Server sockets allow half-open).
    const gaveUp = (): void => void socket.destroy();
    socket.on('end', gaveUp);
    backend.onUpgrade(req, socket, head, () => {
      socket.off('end', gaveUp);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
  });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('error', () => undefined);
    backend.onConnection(ws, req);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (backend as { port: number }).port = (server.address() as AddressInfo).port;
  return backend;
}

export interface RawConn {
  readonly socket: Socket;
  /** Every byte received on this connection, the request head included. */
  readonly received: Buffer[];
  bytes(): Buffer;
  /** The peer ended its write side or the connection closed. */
  finished: boolean;
  /** Resolves when the peer ended its write side (true) or the connection closed first (false). */
  readonly ended: Promise<boolean>;
  readonly closed: Promise<void>;
}

export interface RawBackend {
  readonly port: number;
  readonly conns: RawConn[];
  open(): number;
  waitOpen(n: number, timeoutMs?: number): Promise<void>;
  /** Everything every connection received, concatenated in connection order. */
  allBytes(): Buffer;
  /** Called once per connection with the request head (up to and including CRLFCRLF) and the bytes after it. */
  onHead: (conn: RawConn, head: string, rest: Buffer) => void;
  close(): Promise<void>;
}

export async function startRawBackend(onHead: RawBackend['onHead'] = () => undefined): Promise<RawBackend> {
  const open = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true });
  const backend: RawBackend = {
    port: 0,
    conns: [],
    open: () => open.size,
    waitOpen: (n, timeoutMs = 5000) => waitCount(() => open.size, n, timeoutMs, 'raw backend'),
    allBytes: () => Buffer.concat(backend.conns.map((c) => c.bytes())),
    onHead,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    const received: Buffer[] = [];
    let resolveEnded!: (v: boolean) => void;
    const conn: RawConn = {
      socket,
      received,
      bytes: () => Buffer.concat(received),
      finished: false,
      ended: new Promise<boolean>((r) => (resolveEnded = r)),
      closed: new Promise<void>((r) => socket.on('close', () => r())),
    };
    backend.conns.push(conn);
    socket.on('end', () => {
      conn.finished = true;
      resolveEnded(true);
    });
    socket.on('close', () => {
      conn.finished = true;
      open.delete(socket);
      resolveEnded(false);
    });
    let headDone = false;
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (headDone) return;
      const all = Buffer.concat(received);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      headDone = true;
      backend.onHead(conn, all.subarray(0, end + 4).toString('latin1'), all.subarray(end + 4));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (backend as { port: number }).port = (server.address() as AddressInfo).port;
  return backend;
}
