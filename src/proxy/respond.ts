// Writes one of httpd's error pages on a ServerResponse (or a raw socket before any response exists).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HeaderOp } from '../modules/headers/directives.js';
import { connectionFields } from './connection-policy.js';
import { errorPage, type ErrorPageOptions } from './error-page.js';
import { HeaderList } from './header-list.js';
import { httpDate } from './http-date.js';
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
  // A redirect (mod_rewrite [R]): Location comes before Content-Length and is shown in the page; 304 has no body.
  const location = status >= 300 && status < 400 ? opts.extraHeaders?.find(([n]) => n.toLowerCase() === 'location')?.[1] : undefined;
  if (location !== undefined) return sendRedirect(res, status, location, opts);
  const page = errorPage(status, opts);
  const body = Buffer.from(page.body, 'latin1');
  if (page.close || opts.close) res.shouldKeepAlive = false;
  // httpd's order: Date, (Server), Content-Length, Keep-Alive/Connection, Content-Type.
  const extra = (opts.extraHeaders ?? []).map(([n, v]): [string, string] => [n, v]);
  const connection = connectionFields(res);
  // A decision's own Connection value ("Upgrade") replaces the keep-alive policy's.
  const fields = extra.some(([n]) => n.toLowerCase() === 'connection') ? connection.filter(([n]) => n.toLowerCase() !== 'connection') : connection;
  const list = new HeaderList([['Date', httpDate()], ['Content-Length', String(body.length)], ...fields, ...extra, ['Content-Type', page.contentType]]);
  if (opts.alwaysOps && opts.ops) applyHeaderOps(opts.alwaysOps.filter((o) => o.table === 'always'), list, opts.ops);
  res.writeHead(status, page.reasonPhrase, list.toRaw());
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** httpd's order for a redirect: Date, (Server), Location, Content-Length, Keep-Alive/Connection, Content-Type. */
function sendRedirect(res: ServerResponse, status: number, location: string, opts: RespondOptions): void {
  const page = errorPage(status, { ...opts, location });
  const body = status === 304 ? Buffer.alloc(0) : Buffer.from(page.body, 'latin1');
  if (opts.close) res.shouldKeepAlive = false;
  const others = (opts.extraHeaders ?? []).filter(([n]) => n.toLowerCase() !== 'location').map(([n, v]): [string, string] => [n, v]);
  const fields: [string, string][] = [['Date', httpDate()], ['Location', location]];
  if (status !== 304) fields.push(['Content-Length', String(body.length)]);
  fields.push(...connectionFields(res), ...others);
  if (status !== 304) fields.push(['Content-Type', page.contentType]);
  const list = new HeaderList(fields);
  if (opts.alwaysOps && opts.ops) applyHeaderOps(opts.alwaysOps.filter((o) => o.table === 'always'), list, opts.ops);
  res.writeHead(status, page.reasonPhrase, list.toRaw());
  res.end(res.req?.method === 'HEAD' || status === 304 ? undefined : body);
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
    `HTTP/1.1 ${status} ${page.reasonPhrase}\r\nDate: ${httpDate()}\r\nContent-Length: ${body.length}\r\n` +
    `Connection: close\r\nContent-Type: ${page.contentType}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
