// The server's counters for the status pages: plain numbers the request path increments (no allocation per
// request). Bytes are counted per connection when it closes (the sockets' own bytesRead/bytesWritten), and the
// open ones are added when a page asks (src/server passes them in), so the request path pays nothing for them.
import type { Socket } from 'node:net';

export interface TunnelRoute {
  /** The backend's key (scheme://host:port) or balancer://name. */
  readonly backend: string;
  /** The request path (without query). */
  readonly path: string;
  open: number;
}

/** At most this many distinct tunnel routes are kept apart; further ones are counted under "(other)". */
const MAX_TUNNEL_ROUTES = 200;

export class ServerStats {
  /** When the server started (ms since the epoch); a reload does not change it, as httpd's graceful restart. */
  readonly startedAt = Date.now();
  /** httpd's "Parent Server Config. Generation": 1, then one more per reload. */
  generation = 1;
  /** Requests received (httpd's Total Accesses), tunnels included. */
  requests = 0;
  /** Sum of the requests' durations in ms (httpd's Total Duration). */
  durationMs = 0;
  /** Connections accepted. */
  connections = 0;
  /** Bytes read and written on connections that have closed. */
  closedBytesIn = 0;
  closedBytesOut = 0;
  /** Tunnels opened since start, and open now. */
  tunnelsTotal = 0;
  tunnelsOpen = 0;
  readonly #routes = new Map<string, TunnelRoute>();

  connectionClosed(s: Socket): void {
    this.closedBytesIn += s.bytesRead;
    this.closedBytesOut += s.bytesWritten;
  }

  requestDone(startedMs: number): void {
    this.durationMs += performance.now() - startedMs;
  }

  /** A tunnel opened: returns the route it counts under (give it back to tunnelClosed). */
  tunnelOpened(backend: string, path: string): TunnelRoute {
    this.tunnelsTotal++;
    this.tunnelsOpen++;
    const q = path.indexOf('?');
    const p = q < 0 ? path : path.slice(0, q);
    let key = `${backend} ${p}`;
    if (!this.#routes.has(key) && this.#routes.size >= MAX_TUNNEL_ROUTES) key = '(other)';
    let r = this.#routes.get(key);
    if (r === undefined) this.#routes.set(key, (r = key === '(other)' ? { backend: '(other)', path: '', open: 0 } : { backend, path: p, open: 0 }));
    r.open++;
    return r;
  }

  tunnelClosed(r: TunnelRoute): void {
    this.tunnelsOpen--;
    r.open--;
    if (r.open === 0) this.#routes.delete(r.backend === '(other)' ? '(other)' : `${r.backend} ${r.path}`);
  }

  /** The routes with open tunnels, most first. */
  tunnelRoutes(): TunnelRoute[] {
    return [...this.#routes.values()].filter((r) => r.open > 0).sort((a, b) => b.open - a.open || a.backend.localeCompare(b.backend) || a.path.localeCompare(b.path));
  }
}
