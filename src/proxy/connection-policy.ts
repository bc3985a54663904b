// The client connection's Keep-Alive/Connection response fields as httpd writes them (ap_set_keepalive), instead
// of Node's: checked against apache2 2.4.71 —
//   HTTP/1.1 request without "Connection: keep-alive", connection kept: no Connection field at all
//   request with "Connection: keep-alive" (1.0 or 1.1), connection kept: "Keep-Alive: timeout=5, max=N" and
//     "Connection: Keep-Alive", N = MaxKeepAliveRequests minus the requests already served on the connection
//   connection closing (HTTP/1.0 without keep-alive, KeepAlive Off, an error that drops it): "Connection: close"
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderField } from './header-list.js';

export interface ConnectionPolicy {
  readonly clientAskedKeepAlive: boolean;
  readonly keepAliveTimeoutSec: number;
  /** Requests this connection may still serve after this one's response (httpd's "max="), or undefined: unlimited. */
  readonly remaining: number | undefined;
}

// Kept on the response itself: a WeakMap keyed by a new object per request costs an ephemeron-table insertion and
// GC work for every request (measured at ~1.5% of the CPU of small keep-alive GETs).
const kPolicy = Symbol('tsproxyd.connectionPolicy');
type WithPolicy = ServerResponse & { [kPolicy]?: ConnectionPolicy };

/** The client's Connection names keep-alive (httpd's ap_find_token, case-insensitive). */
function askedKeepAlive(connection: string | undefined): boolean {
  if (connection === undefined) return false;
  for (const t of connection.split(',')) if (t.trim().toLowerCase() === 'keep-alive') return true;
  return false;
}

/** Called by the server for each response; Node's own Connection/Keep-Alive fields are switched off. */
export function setConnectionPolicy(req: IncomingMessage, res: ServerResponse, p: Omit<ConnectionPolicy, 'clientAskedKeepAlive'>): void {
  (res as WithPolicy)[kPolicy] = { keepAliveTimeoutSec: p.keepAliveTimeoutSec, remaining: p.remaining, clientAskedKeepAlive: askedKeepAlive(req.headers.connection) };
  res.removeHeader('Connection'); // Node then writes no Connection field and keeps res.shouldKeepAlive's decision
}

/** The fields to append to a response about to be written (none when the server set no policy). */
export function connectionFields(res: ServerResponse): HeaderField[] {
  const p = (res as WithPolicy)[kPolicy];
  if (p === undefined) return [];
  if (!res.shouldKeepAlive) return [['Connection', 'close']];
  if (!p.clientAskedKeepAlive) return [];
  const max = p.remaining !== undefined ? `, max=${p.remaining}` : '';
  return [
    ['Keep-Alive', `timeout=${p.keepAliveTimeoutSec}${max}`],
    ['Connection', 'Keep-Alive'],
  ];
}
