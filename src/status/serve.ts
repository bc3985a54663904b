// Answers a request route() gave to a handler tsproxyd serves itself (src/route/handler.ts): the server-status
// page, its `?auto` text, its Prometheus text (`?format=prometheus`), the read-only balancer-manager, or the live view's WebSocket (<path>/ws). Access was
// decided by route() from the section's Require rules; this only serves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { applyHeaderOps, type HeaderOpContext } from '../proxy/header-ops.js';
import { HeaderList } from '../proxy/header-list.js';
import { connectionFields } from '../proxy/connection-policy.js';
import { httpDate } from '../proxy/http-date.js';
import { sendErrorPage } from '../proxy/respond.js';
import type { Decision } from '../route/types.js';
import { buildAuto } from './auto.js';
import { buildManagerHtml, buildStatusHtml } from './html.js';
import { buildPrometheus } from './prometheus.js';
import type { StatusLive } from './live.js';
import { takeSnapshot, type ServerView } from './snapshot.js';
import type { LocalHandler } from './types.js';

type HandlerDecision = Extract<Decision, { kind: 'respond' }> & { readonly handler: LocalHandler };

export interface StatusQuery {
  readonly auto: boolean;
  /** format=prometheus: Prometheus' text format (tsproxyd's own). */
  readonly prometheus: boolean;
  /** ?refresh=N (N ≥ 1; httpd reads it with atol, and 0 or garbage means 1). */
  readonly refresh: number | undefined;
}

/** mod_status's query words: `auto`, `refresh=N`, `notable` (ignored), separated by '&'. */
export function parseStatusQuery(target: string): StatusQuery {
  const q = target.indexOf('?');
  let auto = false;
  let prometheus = false;
  let refresh: number | undefined;
  if (q >= 0) {
    for (const word of target.slice(q + 1).split('&')) {
      if (word === 'auto') auto = true;
      else if (word === 'format=prometheus') prometheus = true;
      else if (word.startsWith('refresh')) {
        const n = Number.parseInt(word.slice(word.indexOf('=') + 1), 10);
        refresh = Number.isFinite(n) && n > 0 ? Math.min(n, 86400) : 1;
      }
    }
  }
  return { auto, prometheus, refresh };
}

const pathOf = (target: string) => {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
};

/** Whether the live view's WebSocket may be opened: a WebSocket upgrade to <path>/ws from this page's origin. */
function liveRequest(req: IncomingMessage): 'yes' | 'no' | 'cross-origin' {
  if (!/^websocket$/i.test(req.headers.upgrade ?? '') || !pathOf(req.url ?? '').endsWith('/ws')) return 'no';
  const origin = req.headers.origin;
  if (origin === undefined) return 'yes'; // not a browser: same-origin rules do not apply
  try {
    return new URL(origin).host.toLowerCase() === (req.headers.host ?? '').toLowerCase() ? 'yes' : 'cross-origin';
  } catch {
    return 'cross-origin';
  }
}

export interface HandlerContext {
  readonly view: ServerView;
  readonly live: StatusLive;
}

export function serveLocalHandler(
  req: IncomingMessage,
  res: ServerResponse,
  d: HandlerDecision,
  ctx: HandlerContext,
  upgrade: { readonly socket: Socket; readonly head: Buffer } | undefined,
): void {
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  if (upgrade !== undefined) {
    const live = liveRequest(req);
    if (live === 'cross-origin') return sendErrorPage(res, 403, { method, notes: 'The live status view is only served to pages of the same origin.', close: true });
    if (live === 'yes') {
      res.statusCode = 101; // for the access log, written when the connection closes
      ctx.live.accept(req, upgrade.socket, upgrade.head, d.handler);
      return;
    }
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return sendErrorPage(res, 405, { method, extraHeaders: [['Allow', 'GET,HEAD']] });
  }
  const query = parseStatusQuery(target);
  const snapshot = takeSnapshot(ctx.view, d.handler.scope);
  const hostname = (req.headers.host ?? d.handler.scope.serverName).replace(/:\d+$/, '');
  const local = req.socket.localAddress ?? '';
  let body: string;
  let type: string;
  if (d.handler.name === 'server-status' && query.prometheus) {
    body = buildPrometheus(snapshot);
    type = 'text/plain; version=0.0.4; charset=utf-8';
  } else if (d.handler.name === 'server-status' && query.auto) {
    body = buildAuto(snapshot, hostname);
    type = 'text/plain; charset=utf-8';
  } else {
    const opts = { hostname, localAddress: local.replace(/^::ffff:/, ''), ...(query.refresh !== undefined ? { refresh: query.refresh } : {}) };
    body = d.handler.name === 'server-status' ? buildStatusHtml(snapshot, opts) : buildManagerHtml(snapshot, opts);
    type = 'text/html; charset=utf-8';
  }
  const bytes = Buffer.from(body, 'utf8');
  const fields: [string, string][] = [['Date', httpDate()]];
  if (query.refresh !== undefined) fields.push(['Refresh', String(query.refresh)]);
  fields.push(['Content-Length', String(bytes.length)], ['Cache-Control', 'no-store'], ...connectionFields(res), ['Content-Type', type]);
  const list = new HeaderList(fields);
  const ops: HeaderOpContext = { env: d.env ?? new Map<string, string>(), requestTimeUs: Date.now() * 1000, startedAt: process.hrtime.bigint() };
  applyHeaderOps(d.settings?.responseHeaders ?? [], list, ops);
  res.writeHead(200, 'OK', list.toRaw());
  res.end(method === 'HEAD' ? undefined : bytes);
}
