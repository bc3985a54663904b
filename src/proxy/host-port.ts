// Host header and authority helpers shared by the request and response header builders.
import type { Backend } from '../route/types.js';

/** "name", "name:port", "[v6]", "[v6]:port" → name (brackets kept for IPv6) and port (undefined when absent). */
export function splitHost(host: string): { name: string; port: number | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  if (!m) return { name: host, port: undefined };
  const port = m[2] === undefined || m[2] === '' ? undefined : Number(m[2]);
  return { name: m[1]!, port };
}

export function defaultPort(scheme: string): number {
  return scheme === 'https' || scheme === 'wss' ? 443 : 80;
}

/** The Host httpd sends to a backend: host, bracketed when IPv6, with ":port" unless it is the scheme's default. */
export function backendAuthority(b: Backend): string {
  const name = b.host.includes(':') && !b.host.startsWith('[') ? `[${b.host}]` : b.host;
  return b.port === defaultPort(b.scheme) ? name : `${name}:${b.port}`;
}

/**
 * The port httpd (UseCanonicalName Off) puts in self-referential names: the client's Host port when it gave one
 * and it is not the default for the scheme; otherwise none. Checked against apache2 2.4.71: Host "a:28780" gives
 * "http://a:28780/…" in a rewritten Location and "Via: 1.1 name:28780"; Host "a" gives no port at all.
 */
export function selfPortSuffix(clientHost: string | undefined, tls: boolean): string {
  return clientHost === undefined ? '' : portSuffix(splitHost(clientHost).port, tls);
}

/** selfPortSuffix for a Host already split. */
export function portSuffix(port: number | undefined, tls: boolean): string {
  return port === undefined || port === (tls ? 443 : 80) ? '' : `:${port}`;
}
