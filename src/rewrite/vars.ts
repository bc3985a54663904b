// %{NAME} in RewriteCond test strings and substitutions: mod_rewrite's lookup_variable (httpd 2.4.71). Names are
// upper-cased before lookup; an unknown name is the empty string. Only the HTTP_* names httpd lists are headers
// (%{HTTP_X_FOO} is empty in httpd too); any header is %{HTTP:X-Foo}. Checked against apache2 with a trace:
// SERVER_NAME and SERVER_PORT come from the Host header (UseCanonicalName Off), REQUEST_URI is the decoded path,
// THE_REQUEST the raw request line, SCRIPT_URL/SCRIPT_URI are in %{ENV:…}.
import type { RewriteRequest, RewriteServerInfo } from './types.js';

/** What a lookup can see while the rules run. */
export interface VarScope {
  readonly req: RewriteRequest;
  readonly server: RewriteServerInfo;
  /** r->filename: the URL as the rules have rewritten it so far. */
  filename: string;
  /** r->args: the query string as the rules have rewritten it so far. */
  args: string | undefined;
  /** r->subprocess_env: SCRIPT_URL, SCRIPT_URI and [E] variables. */
  readonly env: Map<string, string>;
  readonly now: Date;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** Node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d; httpd as a.b.c.d. */
export function plainAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** ap_get_server_name_for_url. */
export function serverNameForUrl(s: VarScope): string {
  const name = s.server.useCanonicalName === 'On' ? s.server.name : (s.req.hostname ?? s.server.name);
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

/**
 * ap_get_server_port (UseCanonicalPhysicalPort Off): UseCanonicalName Off takes the port the client named, else
 * ServerName's, else the scheme's default (apache2: Host "localhost" on port 8080 redirects to http://localhost/…);
 * On takes ServerName's port first.
 */
export function serverPort(s: VarScope): number {
  const dflt = s.req.facts.tls ? 443 : 80;
  if (s.server.useCanonicalName === 'On') return s.server.port || (s.req.hostPort ?? dflt);
  return s.req.hostPort ?? (s.server.port || dflt);
}

function header(s: VarScope, name: string): string {
  return s.req.facts.header(name) ?? '';
}

function time(s: VarScope, name: string): string | undefined {
  const d = s.now;
  switch (name) {
    case 'TIME':
      return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
    case 'TIME_YEAR':
      return String(d.getFullYear()).padStart(4, '0');
    case 'TIME_MON':
      return two(d.getMonth() + 1);
    case 'TIME_DAY':
      return two(d.getDate());
    case 'TIME_HOUR':
      return two(d.getHours());
    case 'TIME_MIN':
      return two(d.getMinutes());
    case 'TIME_SEC':
      return two(d.getSeconds());
    case 'TIME_WDAY':
      return String(d.getDay());
    default:
      return undefined;
  }
}

/** The HTTP_* names httpd's lookup_variable knows, and the header each reads. */
const HEADER_VARS: ReadonlyMap<string, string> = new Map([
  ['HTTP_ACCEPT', 'Accept'],
  ['HTTP_COOKIE', 'Cookie'],
  ['HTTP_FORWARDED', 'Forwarded'],
  ['HTTP_HOST', 'Host'],
  ['HTTP_PROXY_CONNECTION', 'Proxy-Connection'],
  ['HTTP_REFERER', 'Referer'],
  ['HTTP_USER_AGENT', 'User-Agent'],
]);

function named(s: VarScope, name: string): string {
  const f = s.req.facts;
  const field = HEADER_VARS.get(name);
  if (field !== undefined) return header(s, field);
  switch (name) {
    case 'REMOTE_ADDR':
    case 'REMOTE_HOST': // HostnameLookups Off: the address
    case 'CONN_REMOTE_ADDR':
      return plainAddress(f.remoteAddress);
    case 'REMOTE_PORT':
      return String(f.remotePort);
    case 'SERVER_ADDR':
      return plainAddress(f.localAddress);
    case 'SERVER_NAME':
      return serverNameForUrl(s);
    case 'SERVER_PORT':
      return String(serverPort(s));
    case 'SERVER_PROTOCOL':
      return `HTTP/${f.httpVersion ?? '1.1'}`;
    case 'SERVER_ADMIN':
      return s.server.serverAdmin;
    case 'SERVER_SOFTWARE':
      return 'tsproxyd';
    case 'REQUEST_METHOD':
      return f.method;
    case 'REQUEST_SCHEME':
      return f.tls ? 'https' : 'http';
    case 'REQUEST_URI':
      return s.req.uri;
    case 'REQUEST_FILENAME':
    case 'SCRIPT_FILENAME':
      return s.filename;
    case 'QUERY_STRING':
      return s.args ?? '';
    case 'THE_REQUEST':
      return `${f.method} ${f.target} HTTP/${f.httpVersion ?? '1.1'}`;
    case 'HTTPS':
      return f.tls ? 'on' : 'off';
    case 'IS_SUBREQ':
      return 'false';
    case 'IPV6': {
      const a = plainAddress(f.remoteAddress);
      return a.includes(':') ? 'on' : 'off';
    }
    case 'API_VERSION':
      return '20120211:137';
    case 'SCRIPT_USER':
    case 'SCRIPT_GROUP':
      return '<unknown>';
    default:
      // PATH_INFO, AUTH_TYPE, REMOTE_USER, REMOTE_IDENT, DOCUMENT_ROOT, CONTEXT_* (no files, no auth) and unknown names.
      return time(s, name) ?? '';
  }
}

/**
 * lookup_variable() resolved once for a name: what the per-request lookup decides from the name alone (its form,
 * its case, the header it reads) is decided here, so a condition's %{HTTP_HOST} costs one header lookup.
 */
export function variableGetter(name: string): (s: VarScope) => string {
  if (name.length < 4) return () => '';
  const upperName = name.toUpperCase();
  if (name[3] === ':' && upperName.startsWith('ENV') && name.length > 4) {
    const rest = name.slice(4);
    return (s) => s.env.get(rest) ?? process.env[rest] ?? '';
  }
  if (name[4] === ':' && upperName.startsWith('HTTP') && name.length > 5) {
    const rest = name.slice(5);
    return (s) => s.req.facts.header(rest) ?? '';
  }
  const field = HEADER_VARS.get(upperName);
  if (field !== undefined && name[3] !== ':' && name[4] !== ':') return (s) => s.req.facts.header(field) ?? '';
  return (s) => lookupVariable(s, name);
}

/** lookup_variable(): `name` as written between %{ and }. */
export function lookupVariable(s: VarScope, name: string): string {
  if (name.length < 4) return '';
  if (name[3] === ':') {
    const rest = name.slice(4);
    const kind = name.slice(0, 3).toUpperCase();
    if (rest !== '' && kind === 'ENV') return s.env.get(rest) ?? process.env[rest] ?? '';
    if (kind === 'SSL') return s.req.facts.ssl?.(rest) ?? '';
    return '';
  }
  if (name[4] === ':') {
    const rest = name.slice(5);
    if (rest === '') return '';
    const kind = name.slice(0, 4).toUpperCase();
    if (kind === 'HTTP') return header(s, rest);
    // LA-U / LA-F look ahead through a sub-request; tsproxyd has none and reads the variable directly.
    if (kind === 'LA-U' || kind === 'LA-F') return lookupVariable(s, rest);
    return '';
  }
  return named(s, name.toUpperCase());
}
