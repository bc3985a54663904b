// RequestFacts for route(): what the matcher may know about a request, taken from Node's parsed request.
import type { IncomingMessage } from 'node:http';
import type { RequestFacts } from '../route/types.js';

export function requestFacts(req: IncomingMessage, tls: boolean): RequestFacts {
  const sock = req.socket;
  // Built once per request: names lower-cased, repeats joined with ", " (httpd's merged headers_in).
  let index: Map<string, string> | undefined;
  const header = (name: string): string | undefined => {
    if (index === undefined) {
      index = new Map();
      const raw = req.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const k = raw[i]!.toLowerCase();
        const prev = index.get(k);
        index.set(k, prev === undefined ? raw[i + 1]! : `${prev}, ${raw[i + 1]!}`);
      }
    }
    return index.get(name.toLowerCase());
  };
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    host: header('host'),
    localAddress: sock.localAddress ?? '',
    localPort: sock.localPort ?? 0,
    remoteAddress: sock.remoteAddress ?? '',
    remotePort: sock.remotePort ?? 0,
    tls,
    header,
    httpVersion: req.httpVersion,
  };
}
