// Listen directives → bind addresses. `Listen 8080` binds every address (Node's "::" dual-stack, or 0.0.0.0 where
// IPv6 is unavailable); `Listen 127.0.0.1:8080` and `Listen [::1]:8080` bind that address.
import type { ListenAddr } from '../modules/core/listen.js';

export interface BindAddr {
  /** undefined: all addresses. IPv6 without brackets. */
  readonly host: string | undefined;
  readonly port: number;
  readonly tls: boolean;
}

export function bindAddrs(listen: readonly ListenAddr[]): BindAddr[] {
  const seen = new Set<string>();
  const out: BindAddr[] = [];
  for (const l of listen) {
    const host = l.host === undefined || l.host === '*' ? undefined : l.host.replace(/^\[(.*)\]$/, '$1');
    const key = `${host ?? '*'}|${l.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ host, port: l.port, tls: l.protocol === 'https' });
  }
  return out;
}

/** "127.0.0.1:8080", "[::1]:8080", "*:8080" — as the CLI prints and httpd's -S shows. */
export function formatAddr(host: string | undefined, port: number): string {
  if (host === undefined) return `*:${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
