// How the recording backend answers a request that reached it as an upgrade (Node's 'upgrade' event: the request
// carries both "Connection: upgrade" and "Upgrade"): with a 101 and then a byte echo or a real WebSocket echo (the
// `ws` package), with a 101 whose Upgrade is wrong or missing, or with any other status. Either way it records every
// byte it receives on that connection after the request head ("afterHead": a pre-payload, the tunnelled bytes, or
// bytes a proxy let through after a refused upgrade, which is websocket smuggling).
//
// After a non-101 answer the connection stays an HTTP/1.1 keep-alive connection, as a real backend's would: it is
// handed back to the HTTP server, so a proxy that reuses it for a later request is served, while raw bytes a proxy
// tunnels after the refusal are recorded (and then rejected by the HTTP parser).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { acceptFor } from './ws-frames.js';

export type Pairs = readonly (readonly [string, string])[];

export interface UpgradeBehaviour {
  /** Default 101. */
  readonly status?: number;
  /**
   * The answer's header fields in order, instead of the defaults (for a 101: Upgrade as `upgradeAs`,
   * Connection: Upgrade, and Sec-WebSocket-Accept when the request has a Sec-WebSocket-Key; otherwise
   * Content-Type: text/plain). Content-Length is added to a non-101 answer that has none.
   */
  readonly headers?: Pairs;
  /** The default 101's Upgrade value; default the request's own value; null leaves the field out. */
  readonly upgradeAs?: string | null;
  /** A non-101 answer's body; default "no upgrade here\n". */
  readonly body?: string;
  /**
   * After a 101: "echo" (default) returns every byte as received; "ws" lets a `ws` WebSocketServer do the
   * handshake itself (its own 101, subprotocol and permessage-deflate negotiation) and echo every message.
   */
  readonly mode?: 'echo' | 'ws';
  /** Bytes sent right after the 101, before any echo (a protocol where the server speaks first). */
  readonly greeting?: string;
  /** After the 101 (and the greeting), close the connection: the backend ends the tunnel. */
  readonly endAfterAnswer?: boolean;
  /** Destroy the connection on the request head, without a byte of answer. */
  readonly close?: boolean;
}

/** What the upgrade path adds to a recorded request. */
export interface UpgradeRecord {
  /** Bytes received on the connection after the request head, latin1. */
  afterHead?: string;
  /** The status the backend answered (0 = none). */
  answered?: number;
}

/** An HTTP/1.1 answer written by hand: status line, the fields as given, Content-Length for a non-1xx body. */
export function rawAnswer(status: number, headers: Pairs, body?: string): Buffer {
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? 'Whatever'}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  const hasBody = status >= 200 && status !== 204 && status !== 304;
  if (hasBody && !headers.some(([k]) => k.toLowerCase() === 'content-length')) lines.push(`Content-Length: ${Buffer.byteLength(body ?? '')}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), Buffer.from(hasBody ? (body ?? '') : '', 'latin1')]);
}

const REASONS: Readonly<Record<number, string>> = {
  101: 'Switching Protocols',
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
};

function default101(req: IncomingMessage, upgradeAs: string | null | undefined): [string, string][] {
  const value = upgradeAs === undefined ? req.headers.upgrade : upgradeAs;
  const out: [string, string][] = [];
  if (value !== null && value !== undefined) out.push(['Upgrade', value]);
  out.push(['Connection', 'Upgrade']);
  const key = req.headers['sec-websocket-key'];
  if (typeof key === 'string') out.push(['Sec-WebSocket-Accept', acceptFor(key)]);
  return out;
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });

function wsEcho(req: IncomingMessage, socket: Duplex, record: UpgradeRecord): void {
  wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws: WebSocket) => {
    record.answered = 101;
    ws.on('message', (data: RawData, isBinary: boolean) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on('error', () => ws.terminate());
  });
}

/**
 * Answers an upgrade request on its raw socket as `b` says; `plain` is the answer when the case gives no upgrade
 * behaviour (the request's ordinary status/headers/body). `rehttp` hands the socket back to the HTTP server.
 */
export function answerUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  b: UpgradeBehaviour | undefined,
  plain: { readonly status: number; readonly headers: Pairs; readonly body: string },
  record: UpgradeRecord,
  rehttp: (socket: Duplex) => void,
): void {
  socket.on('error', () => socket.destroy());
  // `head` goes back into the stream, so every reader (the tap, the echo, ws, the HTTP parser) sees it first.
  if (head.length) socket.unshift(head);
  socket.on('data', (d: Buffer) => {
    record.afterHead = (record.afterHead ?? '') + d.toString('latin1');
  });
  if (b?.close) {
    socket.destroy();
    return;
  }
  const status = b === undefined ? plain.status : (b.status ?? 101);
  if (status !== 101) {
    const headers = b === undefined ? plain.headers : (b.headers ?? [['Content-Type', 'text/plain']]);
    socket.write(rawAnswer(status, headers, b === undefined ? plain.body : (b.body ?? 'no upgrade here\n')));
    record.answered = status;
    rehttp(socket);
    return;
  }
  if (b?.mode === 'ws') {
    wsEcho(req, socket, record);
    return;
  }
  socket.write(rawAnswer(101, b?.headers ?? default101(req, b?.upgradeAs)));
  record.answered = 101;
  if (b?.greeting) socket.write(Buffer.from(b.greeting, 'latin1'));
  if (b?.endAfterAnswer) {
    socket.end();
    return;
  }
  socket.on('data', (d: Buffer) => socket.write(d));
  socket.on('end', () => socket.end());
}
