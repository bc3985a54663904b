// The recording backend for request cases: one per case, shared by apache2 and tsproxyd (run one after the other),
// listening on 127.0.0.1:0. It records what reached it (method, request-target exactly as sent, HTTP version,
// header names in order with their case, the decoded body, how the body was framed, trailers) and answers as the
// current request's behaviour says: a fixed status/headers/body, a delay before the headers, chunked with
// trailers, closing without an answer, a final status without reading a 100-continue body. It can also stop
// listening (refused connections, existing ones dropped) to show what a proxy does with a backend that goes away.
//
// node:http with rawHeaders keeps the header names as sent and in order; insecureHTTPParser keeps the backend from
// refusing what a proxy forwards, so the case sees it instead of a 400 from the backend.
//
// A request that reaches it as an upgrade ("Connection: upgrade" + "Upgrade") is answered by backend-upgrade.ts
// (`upgrade` behaviour: a 101 and a tunnel, or a refusal); with `backendTls` the backend speaks HTTPS.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { answerUpgrade, rawAnswer, type UpgradeBehaviour } from './backend-upgrade.js';

export interface BackendBehaviour {
  /** Default 200. */
  readonly status?: number;
  /** Response headers in order; default [["Content-Type", "text/plain"]]. */
  readonly headers?: readonly (readonly [string, string])[];
  /** Default "hello from the backend\n". */
  readonly body?: string;
  /** Wait this long before sending anything (the proxy's timeout= shows as 502/504). */
  readonly delayMs?: number;
  /** Send the body with Transfer-Encoding: chunked, in these pieces (body is then ignored). */
  readonly chunks?: readonly string[];
  /** Trailer fields after a chunked body. */
  readonly trailers?: readonly (readonly [string, string])[];
  /** Destroy the connection as soon as the request head arrives, without a byte of response. */
  readonly close?: boolean;
  /** For "Expect: 100-continue": answer this final status at once, without sending 100 or reading the body. */
  readonly rejectContinue?: number;
  /** Stop listening (connections refused, open ones dropped) before the request is sent; back up for the next. */
  readonly down?: boolean;
  /**
   * How to answer a request that arrives as an upgrade; without it such a request gets the answer above (written
   * by hand, connection kept). A `status` of 101 above answers a request that did NOT ask to upgrade with a 101.
   */
  readonly upgrade?: UpgradeBehaviour;
}

export interface BackendRequest {
  readonly method: string;
  /** The request-target exactly as on the request line. */
  readonly target: string;
  readonly httpVersion: string;
  /** Header fields in order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body as received (chunked decoded), latin1 so every byte survives. */
  body: string;
  trailers: readonly (readonly [string, string])[];
  /** The body was complete (false when the connection was cut first). */
  complete: boolean;
  /** An upgrade request: every byte received on its connection after the head (latin1); "" otherwise. */
  afterHead?: string;
  /** With `backendTls`: the SNI name the proxy sent ("" = none). */
  sni?: string;
  /** The status the backend answered (0 = none yet, or it dropped the connection). */
  answered?: number;
}

export interface BackendOptions {
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

export class RecordingBackend {
  readonly port: number;
  private readonly server: Server;
  private behaviour: BackendBehaviour = {};
  private received: BackendRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private listening = true;
  private readonly pending = new Set<Promise<void>>();

  private constructor(server: Server, port: number, private readonly tls = false) {
    this.server = server;
    this.port = port;
  }

  static async start(opts: BackendOptions = {}): Promise<RecordingBackend> {
    const httpOpts = { insecureHTTPParser: true, maxHeaderSize: 256 * 1024, keepAlive: true };
    const server = opts.tls ? createTlsServer({ ...httpOpts, ...opts.tls }) : createServer(httpOpts);
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 60_000;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('backend: unexpected address');
    const backend = new RecordingBackend(server, addr.port, opts.tls !== undefined);
    backend.attach(opts.tls ? 'secureConnection' : 'connection');
    return backend;
  }

  private attach(connectionEvent: string): void {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res, false));
    // Expect: 100-continue arrives here instead of 'request'; by default the backend says 100 and reads the body.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res, true));
    this.server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const b = this.behaviour;
      const record = this.record(req);
      record.complete = true; // its body, if any, is in afterHead
      if (b.close) {
        socket.destroy();
        return;
      }
      const plain = { status: b.status ?? 200, headers: b.headers ?? [['Content-Type', 'text/plain']], body: b.body ?? 'hello from the backend\n' };
      answerUpgrade(req, socket, head, b.upgrade, plain, record, (s) => this.server.emit(connectionEvent, s));
    });
  }

  private record(req: IncomingMessage): BackendRequest {
    const record: BackendRequest = {
      method: req.method ?? '',
      target: req.url ?? '',
      httpVersion: req.httpVersion,
      headers: pairs(req.rawHeaders),
      body: '',
      trailers: [],
      complete: false,
      afterHead: '',
      answered: 0,
      ...(this.tls ? { sni: String((req.socket as Socket & { servername?: string | false }).servername || '') } : {}),
    };
    this.received.push(record);
    return record;
  }

  private handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    const b = this.behaviour;
    const record = this.record(req);
    if (b.close) {
      req.socket.destroy();
      return;
    }
    if (expectsContinue && b.rejectContinue !== undefined) {
      record.answered = b.rejectContinue;
      res.writeHead(b.rejectContinue, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end('rejected before the body\n');
      return;
    }
    if (expectsContinue) res.writeContinue();
    const chunks: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      req.on('data', (c: Buffer) => chunks.push(c));
      const finish = (complete: boolean): void => {
        record.body = Buffer.concat(chunks).toString('latin1');
        record.trailers = pairs(req.rawTrailers);
        record.complete = complete;
        resolve();
      };
      req.on('end', () => finish(true));
      req.on('close', () => finish(req.complete));
    });
    this.pending.add(done);
    void done.then(() => {
      this.pending.delete(done);
      const respond = (): void => {
        if (res.destroyed || req.socket.destroyed) return;
        const headers = b.headers ?? [['Content-Type', 'text/plain']];
        record.answered = b.status ?? 200;
        if (b.status === 101) {
          // A 101 to a request that did not ask to upgrade, written by hand (node:http would add keep-alive fields).
          req.socket.write(rawAnswer(101, b.headers ?? [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]));
          return;
        }
        const flat: string[] = [];
        for (const [k, v] of headers) flat.push(k, v);
        if (b.chunks) {
          if (b.trailers) flat.push('Trailer', b.trailers.map(([k]) => k).join(', '));
          res.writeHead(b.status ?? 200, flat);
          for (const c of b.chunks) res.write(c);
          if (b.trailers) res.addTrailers(b.trailers.map(([k, v]): [string, string] => [k, v]));
          res.end();
        } else {
          const body = b.body ?? 'hello from the backend\n';
          const noBody = req.method === 'HEAD' || b.status === 204 || b.status === 304;
          if (!headers.some(([k]) => k.toLowerCase() === 'content-length') && !noBody) flat.push('Content-Length', String(Buffer.byteLength(body)));
          res.writeHead(b.status ?? 200, flat);
          res.end(noBody ? undefined : body);
        }
      };
      if (b.delayMs) setTimeout(respond, b.delayMs).unref();
      else respond();
    });
  }

  /** Sets the behaviour for the next requests and forgets what was received. Honors `down`. */
  async prepare(behaviour: BackendBehaviour): Promise<void> {
    this.behaviour = behaviour;
    this.received = [];
    if (behaviour.down && this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    } else if (!behaviour.down && !this.listening) {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.port, '127.0.0.1', () => {
          this.server.off('error', reject);
          resolve();
        });
      });
      this.listening = true;
    }
  }

  /** Drops every open connection, so the next server starts with nothing pooled. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /**
   * What reached the backend since prepare(), after bodies still arriving have finished (at most waitMs). A copy:
   * an upgrade connection keeps recording (a proxy may reuse it for the next request), the observation does not.
   */
  async requests(waitMs = 300): Promise<BackendRequest[]> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref());
    await Promise.race([Promise.all([...this.pending]), deadline]);
    return this.received.map((r) => ({ ...r }));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
