// Writes one of httpd's error pages on a ServerResponse (or a raw socket before any response exists).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HeaderOp } from '../modules/headers/directives.js';
import { connectionFields } from './connection-policy.js';
import { errorPage, type ErrorPageOptions } from './error-page.js';
import { HeaderList } from './header-list.js';
import { applyHeaderOps, type HeaderOpContext } from './header-ops.js';

export interface RespondOptions extends ErrorPageOptions {
  /** Force Connection: close (e.g. a request body was left unread). */
  readonly close?: boolean;
  /** `Header always …` ops apply to locally generated responses. */
  readonly alwaysOps?: readonly HeaderOp[];
  readonly ops?: HeaderOpContext;
  /** Fields the decision adds (the 426's Upgrade and Connection: Upgrade), before Content-Type. */
  readonly extraHeaders?: readonly (readonly [string, string])[];
}

export function sendErrorPage(res: ServerResponse, status: number, opts: RespondOptions = {}): void {
  if (res.headersSent || res.destroyed || res.writableEnded) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const page = errorPage(status, opts);
  const body = Buffer.from(page.body, 'latin1');
  if (page.close || opts.close) res.shouldKeepAlive = false;
  // httpd's order: Date, (Server), Content-Length, Keep-Alive/Connection, Content-Type.
  const extra = (opts.extraHeaders ?? []).map(([n, v]): [string, string] => [n, v]);
  const connection = connectionFields(res);
  // A decision's own Connection value ("Upgrade") replaces the keep-alive policy's.
  const fields = extra.some(([n]) => n.toLowerCase() === 'connection') ? connection.filter(([n]) => n.toLowerCase() !== 'connection') : connection;
  const list = new HeaderList([['Date', new Date().toUTCString()], ['Content-Length', String(body.length)], ...fields, ...extra, ['Content-Type', page.contentType]]);
  if (opts.alwaysOps && opts.ops) applyHeaderOps(opts.alwaysOps.filter((o) => o.table === 'always'), list, opts.ops);
  res.writeHead(status, page.reasonPhrase, list.toRaw());
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** For parser errors ('clientError'): no ServerResponse exists; write the page and close. */
export function writeRawErrorPage(socket: Socket, status: number, opts: ErrorPageOptions = {}): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const page = errorPage(status, opts);
  const body = Buffer.from(page.body, 'latin1');
  const head =
    `HTTP/1.1 ${status} ${page.reasonPhrase}\r\nDate: ${new Date().toUTCString()}\r\nContent-Length: ${body.length}\r\n` +
    `Connection: close\r\nContent-Type: ${page.contentType}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
