// A recording backend on 127.0.0.1:0: every request's method, raw target, raw headers (order and case as sent),
// body bytes and trailers, and the connection it came on. The default answer is 200 "ok"; tests pass their own.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly httpVersion: string;
  readonly rawHeaders: readonly string[];
  /** The body when `keepBody` (default), else empty; `bodyLength` always. */
  body: Buffer;
  bodyLength: number;
  rawTrailers: readonly string[];
  readonly connection: number;
  /** Resolves when the whole body has arrived (or the request was aborted: false). */
  readonly done: Promise<boolean>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, rec: Recorded) => void;

export interface RecordingBackend {
  readonly port: number;
  readonly requests: Recorded[];
  /** Connections accepted so far. */
  connections(): number;
  /** Connections currently open. */
  open(): number;
  /** Resolves when the number of open connections is `n`. */
  waitOpen(n: number, timeoutMs?: number): Promise<void>;
  handler: Handler;
  /** Called for Expect: 100-continue requests (default: send 100, then `handler`). */
  onContinue: Handler | undefined;
  close(): Promise<void>;
}

export const okHandler: Handler = (req, res, rec) => {
  void rec.done.then(() => {
    if (!res.destroyed) res.writeHead(200, { 'Content-Length': '2', 'Content-Type': 'text/plain' }).end('ok');
  });
};

export async function startBackend(opts: { keepBody?: boolean; handler?: Handler } = {}): Promise<RecordingBackend> {
  const keepBody = opts.keepBody ?? true;
  const sockets = new Set<Socket>();
  const connIds = new WeakMap<Socket, number>();
  let accepted = 0;
  const requests: Recorded[] = [];
  const server = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 });

  const record = (req: IncomingMessage): Recorded => {
    let resolveDone!: (ok: boolean) => void;
    const rec: Recorded = {
      method: req.method ?? '',
      path: req.url ?? '',
      httpVersion: req.httpVersion,
      rawHeaders: [...req.rawHeaders],
      body: Buffer.alloc(0),
      bodyLength: 0,
      rawTrailers: [],
      connection: connIds.get(req.socket) ?? 0,
      done: new Promise<boolean>((r) => (resolveDone = r)),
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      rec.bodyLength += c.length;
      if (keepBody) chunks.push(c);
    });
    req.on('end', () => {
      rec.body = Buffer.concat(chunks);
      rec.rawTrailers = [...req.rawTrailers];
      resolveDone(true);
    });
    req.on('error', () => resolveDone(false));
    req.on('close', () => resolveDone(req.complete));
    requests.push(rec);
    return rec;
  };

  const backend: RecordingBackend = {
    port: 0,
    requests,
    connections: () => accepted,
    open: () => sockets.size,
    async waitOpen(n, timeoutMs = 5000) {
      const t0 = Date.now();
      while (sockets.size !== n) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`backend has ${sockets.size} open connections, expected ${n}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    handler: opts.handler ?? okHandler,
    onContinue: undefined,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('connection', (s: Socket) => {
    connIds.set(s, ++accepted);
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req, res) => {
    res.on('error', () => undefined);
    backend.handler(req, res, record(req));
  });
  server.on('checkContinue', (req, res) => {
    res.on('error', () => undefined);
    const rec = record(req);
    if (backend.onContinue) return backend.onContinue(req, res, rec);
    res.writeContinue();
    backend.handler(req, res, rec);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (backend as { port: number }).port = (server.address() as AddressInfo).port;
  return backend;
}

/** Header names in order, as the backend received them. */
export const headerNames = (rec: Recorded): string[] => rec.rawHeaders.filter((_, i) => i % 2 === 0);

/** The first value of a header (case-insensitive). */
export function headerOf(rec: { rawHeaders: readonly string[] }, name: string): string | undefined {
  for (let i = 0; i + 1 < rec.rawHeaders.length; i += 2) if (rec.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) return rec.rawHeaders[i + 1];
  return undefined;
}
