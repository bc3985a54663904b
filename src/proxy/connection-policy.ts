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

const policies = new WeakMap<ServerResponse, ConnectionPolicy>();

/** Called by the server for each response; Node's own Connection/Keep-Alive fields are switched off. */
export function setConnectionPolicy(req: IncomingMessage, res: ServerResponse, p: Omit<ConnectionPolicy, 'clientAskedKeepAlive'>): void {
  const asked = (req.headers.connection ?? '').split(',').some((t) => t.trim().toLowerCase() === 'keep-alive');
  policies.set(res, { ...p, clientAskedKeepAlive: asked });
  res.removeHeader('Connection'); // Node then writes no Connection field and keeps res.shouldKeepAlive's decision
}

/** The fields to append to a response about to be written (none when the server set no policy). */
export function connectionFields(res: ServerResponse): HeaderField[] {
  const p = policies.get(res);
  if (p === undefined) return [];
  if (!res.shouldKeepAlive) return [['Connection', 'close']];
  if (!p.clientAskedKeepAlive) return [];
  const max = p.remaining !== undefined ? `, max=${p.remaining}` : '';
  return [
    ['Keep-Alive', `timeout=${p.keepAliveTimeoutSec}${max}`],
    ['Connection', 'Keep-Alive'],
  ];
}
