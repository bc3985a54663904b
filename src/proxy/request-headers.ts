// The header block sent to a backend, in the order httpd 2.4.71 writes it (mod_headers fixups, then
// ap_proxy_create_hdrbrgd), checked by proxying through apache2 to a backend that prints the raw bytes:
//
//   Host: 127.0.0.1:28791            ← always first: the backend's authority, or the client's Host (PreserveHost)
//   X-Custom-Case: 1                 ← client fields in their order and spelling; repeats merged with ", "
//   X-Forwarded-For: 1.2.3.4, 127.0.0.1   ← merged in place when the client sent one
//   X-A: v                           ← RequestHeader additions (fixup phase, before the proxy's own fields)
//   Via: 1.1 proxy.example           ← ProxyVia On/Full
//   X-Forwarded-Host / X-Forwarded-Server
//   Content-Length: 5 | Transfer-Encoding: chunked   ← re-generated from the body actually forwarded
//   Connection: Keep-Alive | close   ← or, forwarding an upgrade: "Connection: Upgrade" + "Upgrade: <protocol>"
//                                      (mod_proxy_http's terminate_headers; the legacy wstunnel path writes
//                                      "Upgrade" first, then "Connection")
//
// Hop-by-hop fields (and every field the client's Connection names) are removed BEFORE the X-Forwarded-* fields
// are added, so `Connection: X-Forwarded-For` cannot remove what the proxy adds (CVE-2022-31813).
import type { Backend, ProxySettings } from '../route/types.js';
import { HeaderList } from './header-list.js';
import { applyHeaderOps, type HeaderOpContext } from './header-ops.js';
import { stripHopByHop } from './hop-by-hop.js';
import { backendAuthority, selfPortSuffix } from './host-port.js';

export const VIA_BANNER = 'tsproxyd';

export type BodyFraming = { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

export interface RequestHeaderInput {
  readonly method: string;
  readonly rawHeaders: readonly string[];
  /** The client's HTTP version ("1.1", "1.0"), used in Via. */
  readonly httpVersion: string;
  readonly clientIp: string;
  readonly tls: boolean;
  readonly backend: Backend;
  readonly settings: ProxySettings;
  readonly ops: HeaderOpContext;
  readonly body: BodyFraming;
  /** false when the backend connection is not reused (disablereuse=On): "Connection: close". */
  readonly reuse: boolean;
  /** The upgrade the route allows (the request then ends with Connection: Upgrade and this Upgrade value). */
  readonly upgrade?: { readonly protocol: string; readonly legacy: boolean } | undefined;
}

export type RequestHeaderResult =
  | { readonly ok: true; readonly headers: HeaderList }
  | { readonly ok: false; readonly status: number; readonly reason: string };

const FIELD_VALUE_BAD = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function buildRequestHeaders(input: RequestHeaderInput): RequestHeaderResult {
  const { settings } = input;
  const list = HeaderList.mergedFromRaw(input.rawHeaders);

  // 1. RequestHeader (mod_headers fixup; `early` ones are first in the list).
  applyHeaderOps(settings.requestHeaders, list, input.ops);

  // 2. Max-Forwards (mod_proxy's proxy_handler): decremented; zero stops anything but TRACE and OPTIONS.
  const maxfwd = list.get('Max-Forwards');
  if (maxfwd !== undefined && /^\s*\d+\s*$/.test(maxfwd)) {
    const n = Number(maxfwd);
    if (n === 0 && input.method !== 'TRACE' && input.method !== 'OPTIONS') {
      return { ok: false, status: 400, reason: 'Max-Forwards has reached zero - proxy loop?' };
    }
    list.set('Max-Forwards', String(Math.max(0, n - 1)));
  }

  // 3. Framing and hop-by-hop fields go first, so nothing named in Connection can touch what is added below.
  const clientHost = list.get('Host');
  list.unset('Content-Length');
  list.unset('Transfer-Encoding');
  stripHopByHop(list);
  list.unset('Host');
  const host = settings.preserveHost && clientHost !== undefined ? clientHost : backendAuthority(input.backend);

  // 4. Via, then X-Forwarded-* (merged: appended to a client value with ", ").
  if (settings.via === 'On' || settings.via === 'Full') {
    const banner = settings.via === 'Full' ? ` (${VIA_BANNER})` : '';
    list.merge('Via', `${input.httpVersion} ${settings.serverName}${selfPortSuffix(clientHost, input.tls)}${banner}`);
  } else if (settings.via === 'Block') list.unset('Via');
  if (settings.addHeaders) {
    list.merge('X-Forwarded-For', input.clientIp);
    if (clientHost !== undefined) list.merge('X-Forwarded-Host', clientHost);
    list.merge('X-Forwarded-Server', settings.serverName);
  }

  // 5. Framing of the body as it will be forwarded, and the backend connection's fate.
  if (input.body.kind === 'length') list.add('Content-Length', String(input.body.length));
  else if (input.body.kind === 'chunked') list.add('Transfer-Encoding', 'chunked');
  const up = input.upgrade;
  if (up === undefined) list.add('Connection', input.reuse ? 'Keep-Alive' : 'close');
  else {
    const pair: [string, string][] = [['Connection', 'Upgrade'], ['Upgrade', up.protocol]];
    for (const [n, v] of up.legacy ? pair.reverse() : pair) list.add(n, v);
  }

  const out = new HeaderList([['Host', host], ...list.fields]);
  for (const [n, v] of out.fields) {
    // Values built from the environment or the client's Host could carry CR/LF/NUL; never let Node throw on them.
    if (!TOKEN.test(n) || FIELD_VALUE_BAD.test(v)) return { ok: false, status: 400, reason: `request header ${TOKEN.test(n) ? n : '(name)'} holds a control character` };
  }
  return { ok: true, headers: out };
}
