// RequestFacts for route(): what the matcher may know about a request, taken from Node's parsed request.
import type { IncomingMessage } from 'node:http';
import { sameName } from '../proxy/header-list.js';
import type { RequestFacts } from '../route/types.js';
import type { TLSSocket } from 'node:tls';
import { sslVariable } from '../tls/vars.js';
import { renegotiatedMode } from '../tls/renegotiate.js';

export function requestFacts(req: IncomingMessage, tls: boolean): RequestFacts {
  const sock = req.socket;
  const raw = req.rawHeaders;
  // A scan per lookup (route() asks for one or two fields; a Map of every field cost more): names compared
  // case-insensitively, repeats joined with ", " (httpd's merged headers_in).
  const header = (name: string): string | undefined => {
    const key = name.toLowerCase();
    let value: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!sameName(raw[i]!, key)) continue;
      value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
    }
    return value;
  };
  const ssl = tls && 'getPeerCertificate' in sock ? (name: string) => sslVariable(sock as TLSSocket, name) : undefined;
  const sni = ssl === undefined ? undefined : (sock as TLSSocket & { servername?: string | false }).servername;
  const mode = ssl === undefined ? undefined : renegotiatedMode(sock as TLSSocket);
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    host: header('host'),
    localAddress: sock.localAddress ?? '',
    localPort: sock.localPort ?? 0,
    remoteAddress: sock.remoteAddress ?? '',
    remotePort: sock.remotePort ?? 0,
    tls,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(typeof sni === 'string' && sni !== '' ? { sni } : {}),
    ...(mode !== undefined ? { clientVerifyMode: mode } : {}),
    header,
    httpVersion: req.httpVersion,
  };
}
