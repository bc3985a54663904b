// RequestFacts for route() tests: a GET from 127.0.0.1 to h.test on port 80, with extra header fields.
import type { RequestFacts } from '../../src/route/types.js';

export function factsFor(target: string, headers: Record<string, string> = {}): RequestFacts {
  const h: Record<string, string> = { host: 'h.test' };
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  return {
    method: 'GET',
    target,
    host: h['host'],
    localAddress: '127.0.0.1',
    localPort: 80,
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    tls: false,
    header: (n) => h[n.toLowerCase()],
  };
}
