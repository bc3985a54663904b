// Backend URLs of ProxyPass, BalancerMember, RewriteRule [P]…: which schemes tsproxyd serves and how the URL is
// split. httpd accepts any scheme at config time and fails at request time ("No protocol handler was valid",
// 500); tsproxyd refuses what it cannot serve when the config is checked.

export type BackendScheme = 'http' | 'https' | 'ws' | 'wss';

export interface TargetUrl {
  readonly scheme: BackendScheme | 'balancer';
  /** Host name (lower-cased), IPv6 without brackets; the balancer name for balancer://. */
  readonly host: string;
  readonly port: number | undefined;
  /** Path and query as written (may hold $N back-references for ProxyPassMatch). */
  readonly path: string;
  readonly raw: string;
}

export type TargetParse = { ok: true; value: TargetUrl } | { ok: false; error: string };

const SERVED = new Set(['http', 'https', 'ws', 'wss', 'balancer']);
/** Schemes other httpd modules proxy, so the message can name what is missing. */
const HTTPD_ONLY: Record<string, string> = {
  ajp: 'mod_proxy_ajp',
  fcgi: 'mod_proxy_fcgi',
  scgi: 'mod_proxy_scgi',
  uwsgi: 'mod_proxy_uwsgi',
  h2: 'mod_proxy_http2',
  h2c: 'mod_proxy_http2',
  ftp: 'mod_proxy_ftp',
  fdpass: 'mod_proxy_fdpass',
};

const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;

/** `what` prefixes messages as httpd does ("ProxyPass URL must be absolute!: foo"). */
export function parseTargetUrl(raw: string, what: string): TargetParse {
  if (/^unix:/i.test(raw)) {
    return { ok: false, error: `${what} Unix domain socket backends (${raw}) are not supported by tsproxyd` };
  }
  const m = URL_RE.exec(raw);
  if (!m || m[2] === '') return { ok: false, error: `${what} URL must be absolute!: ${raw}` };
  const scheme = m[1]!.toLowerCase();
  if (!SERVED.has(scheme)) {
    const mod = HTTPD_ONLY[scheme];
    return {
      ok: false,
      error: mod
        ? `${what} scheme '${scheme}' needs ${mod}, which tsproxyd does not implement (use http, https, ws, wss or balancer)`
        : `${what} unknown scheme '${scheme}' in ${raw} (use http, https, ws, wss or balancer; httpd would fail every request with 500)`,
    };
  }
  let authority = m[2]!;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return { ok: false, error: `${what} Unable to parse URL: ${raw}` };
    host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, error: `${what} Unable to parse URL: ${raw}` };
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    // apr_uri_parse: the port starts at the FIRST ':' (so `a:1:2` and `::` are unparsable, not hosts with colons).
    const colon = authority.indexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
  }
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText)) {
      // A back-reference or ${var} in the port is resolved per request.
      if (/[$]/.test(portText)) port = undefined;
      else return { ok: false, error: `${what} Unable to parse URL: ${raw}` };
    } else {
      port = Number(portText);
      if (port < 1 || port > 65535) return { ok: false, error: `${what} port ${portText} out of range (1-65535) in ${raw}` };
    }
  }
  if (host === '') return { ok: false, error: `${what} URL must be absolute!: ${raw}` };
  return { ok: true, value: { scheme: scheme as TargetUrl['scheme'], host: host.toLowerCase(), port, path: m[3]!, raw } };
}
