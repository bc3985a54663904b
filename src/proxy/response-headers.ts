// The header block sent to the client for a backend's response, in httpd 2.4.71's order (checked with apache2):
// the backend's fields in order and spelling (repeats kept as separate fields), hop-by-hop fields and those named
// in the response's Connection removed, Content-Length dropped when the backend chunked, ProxyPassReverse on
// Location, Content-Location and URI, every Set-Cookie (cookie rules applied) moved after the other fields, then
// Via (ProxyVia On/Full), then the Header directives; Date and Server go first, as httpd writes them.
import type { ProxySettings } from '../route/types.js';
import { HeaderList, sameName, type HeaderField } from './header-list.js';
import { httpDate } from './http-date.js';
import { applyHeaderOps, type HeaderOpContext } from './header-ops.js';
import { stripHopByHop } from './hop-by-hop.js';
import { VIA_BANNER } from './request-headers.js';
import { reverseMapCookie, reverseMapUrl, type SelfUrl } from './reverse-map.js';

export interface ResponseHeaderInput {
  readonly rawHeaders: readonly string[];
  /** The backend's HTTP version, used in Via. */
  readonly httpVersion: string;
  readonly settings: ProxySettings;
  readonly self: SelfUrl;
  readonly ops: HeaderOpContext;
}

const URL_FIELDS: ReadonlySet<string> = new Set(['location', 'content-location', 'uri']);
const BAD_VALUE = /[\r\n\0]/;

export function buildResponseHeaders(input: ResponseHeaderInput): HeaderList {
  const { settings } = input;
  const list = HeaderList.fromRaw(input.rawHeaders);
  const chunked = list.has('Transfer-Encoding');
  stripHopByHop(list);
  if (chunked) list.unset('Content-Length');

  if (settings.reverse.length > 0) {
    for (const f of list.fields) {
      if (URL_FIELDS.has(f[0].toLowerCase())) f[1] = reverseMapUrl(f[1], settings.reverse, input.self);
    }
  }
  const cookies = list.has('Set-Cookie') ? list.fields.filter((f) => sameName(f[0], 'set-cookie')) : [];
  if (cookies.length > 0) {
    list.unset('Set-Cookie');
    const rules = { domain: settings.reverseCookieDomain, path: settings.reverseCookiePath };
    for (const [n, v] of cookies) list.add(n, reverseMapCookie(v, rules));
  }
  if (settings.via === 'On' || settings.via === 'Full') {
    list.add('Via', `${input.httpVersion} ${settings.serverName}${input.self.portSuffix}${settings.via === 'Full' ? ` (${VIA_BANNER})` : ''}`);
  }
  applyHeaderOps(settings.responseHeaders, list, input.ops);
  // httpd writes Date and Server first (the backend's values when it sent them); Node would append its own Date.
  // Header directives can produce values Node would refuse to write: such fields are dropped instead of failing.
  // One pass: the first Date and Server values are kept (every other Date/Server field goes), bad values dropped.
  let date: string | undefined;
  let server: string | undefined;
  const rest: HeaderField[] = [];
  for (const f of list.fields) {
    if (sameName(f[0], 'date')) date ??= f[1];
    else if (sameName(f[0], 'server')) server ??= f[1];
    else if (!BAD_VALUE.test(f[1])) rest.push(f);
  }
  date ??= httpDate();
  const out: HeaderField[] = [];
  if (!BAD_VALUE.test(date)) out.push(['Date', date]);
  if (server !== undefined && !BAD_VALUE.test(server)) out.push(['Server', server]);
  for (const f of rest) out.push(f);
  return new HeaderList(out);
}
