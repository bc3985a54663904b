// A parsed LogFormat (src/modules/log/format.ts) compiled once into a function over an AccessRecord: each %-item
// becomes a small closure, literal text is kept as is, and a line is one pass over the pieces. What each letter
// writes, and which values are escaped (escape.ts), follows httpd 2.4.71's mod_log_config, checked against apache2
// (see README "Logs"): an absent value is "-", %b writes "-" for no body, %U is the decoded path, %q adds the "?",
// %{Content-Type}o drops the parameters, %{Set-Cookie}o joins every cookie with ", ".
import type { LogFormat, LogItem } from '../modules/log/format.js';
import { byteString, escapeLogItem } from './escape.js';
import type { AccessRecord } from './record.js';
import { compileTimeFormat } from './time.js';

export type Formatter = (r: AccessRecord) => string;
type Piece = string | ((r: AccessRecord) => string | undefined);

const orDash = (s: string | undefined): string => (s === undefined ? '-' : s);
const esc = (s: string | undefined): string | undefined => (s === undefined ? undefined : escapeLogItem(s));

function durationUs(r: AccessRecord): bigint {
  return (r.endHr - r.startHr) / 1000n;
}

/** %T and %{unit}T: whole seconds by default. */
function taken(unit: string | undefined): (r: AccessRecord) => string {
  switch (unit) {
    case 'ms':
      return (r) => String(durationUs(r) / 1000n);
    case 'us':
      return (r) => String(durationUs(r));
    default: // 's' and no unit
      return (r) => String(durationUs(r) / 1_000_000n);
  }
}

/** %t and %{[begin:|end:]format}t. */
function timeItem(arg: string | undefined): (r: AccessRecord) => string {
  let spec = arg;
  let end = false;
  if (spec?.startsWith('begin:')) spec = spec.slice(6);
  else if (spec?.startsWith('end:')) [spec, end] = [spec.slice(4), true];
  const f = compileTimeFormat(spec);
  return end ? (r) => f(r.endUs) : (r) => f(r.startUs);
}

function port(arg: string | undefined): (r: AccessRecord) => string {
  switch (arg) {
    case 'local':
      return (r) => String(r.localPort);
    case 'remote':
      return (r) => String(r.remotePort);
    default: // canonical: ServerName's port, else the scheme's
      return (r) => String(r.serverPort ?? (r.tls ? 443 : 80));
  }
}

function responseHeader(name: string): (r: AccessRecord) => string | undefined {
  const key = name.toLowerCase();
  if (key === 'content-type') {
    return (r) => {
      const v = r.responseHeader(key);
      return esc(v === undefined ? undefined : v.split(';')[0]!.trim());
    };
  }
  return (r) => esc(r.responseHeader(key));
}

/** %{name}C: a request cookie's value. */
function cookie(name: string): (r: AccessRecord) => string | undefined {
  return (r) => {
    const header = r.requestHeader('cookie');
    if (header === undefined) return undefined;
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq >= 0 && pair.slice(0, eq).trim() === name) return escapeLogItem(pair.slice(eq + 1).trim());
    }
    return undefined;
  };
}

function clfBytes(n: number): string {
  return n === 0 ? '-' : String(n);
}

/** The closure for one %-item (status conditions are wrapped around it by the caller). */
function itemPiece(it: LogItem): Piece {
  const a = it.arg;
  switch (it.directive) {
    case 'a':
      return (r) => r.remoteAddr; // %a and %{c}a: no mod_remoteip, so the peer address both
    case 'A':
      return (r) => r.localAddr;
    case 'b':
      return (r) => clfBytes(r.bodyBytes);
    case 'B':
      return (r) => String(r.bodyBytes);
    case 'C':
      return a === undefined ? () => undefined : cookie(a);
    case 'D':
      return (r) => String(durationUs(r));
    case 'e':
      return (r) => esc(a === undefined ? undefined : r.env.get(a));
    case 'f':
      return (r) => esc(r.filename);
    case 'h':
      return (r) => r.remoteAddr; // HostnameLookups Off
    case 'H':
      return (r) => esc(r.protocol);
    case 'i':
      return a === undefined ? () => undefined : ((key) => (r: AccessRecord) => esc(r.requestHeader(key)))(a.toLowerCase());
    case 'I':
      return (r) => String(r.bytesReceived);
    case 'k':
      return (r) => String(r.keepAlives);
    case 'l':
      return () => undefined; // IdentityCheck is not supported: httpd's default, "-"
    case 'L':
      return () => undefined; // no request log ids
    case 'm':
      return (r) => esc(r.method);
    case 'n':
      return () => undefined; // no module notes
    case 'o':
      return a === undefined ? () => undefined : responseHeader(a);
    case 'O':
      return (r) => String(r.bytesSent);
    case 'p':
      return port(a);
    case 'P':
      return a === 'tid' || a === 'hextid' ? (r) => (a === 'tid' ? String(r.pid) : r.pid.toString(16)) : (r) => String(r.pid);
    case 'q':
      return (r) => (r.query === undefined ? '' : `?${escapeLogItem(r.query)}`);
    case 'r':
      return (r) => escapeLogItem(r.requestLine);
    case 'R':
      return (r) => r.handler;
    case 's':
      return it.want === 'final' ? (r) => String(r.status) : (r) => String(r.originalStatus);
    case 'S':
      return (r) => String(r.bytesReceived + r.bytesSent);
    case 't':
      return timeItem(a);
    case 'T':
      return taken(a);
    case 'u':
      return () => undefined; // no authentication modules
    case 'U':
      return (r) => escapeLogItem(r.path);
    case 'v':
      return (r) => esc(r.serverName);
    case 'V':
      return (r) => esc(r.useCanonicalName ? r.serverName : (r.hostName ?? r.serverName));
    case 'X':
      return (r) => r.connStatus;
    case 'c':
    case 'x':
      return () => undefined; // mod_ssl's %{…}c / %{…}x: no TLS listeners yet
    case '^ti':
    case '^to':
      return () => undefined; // trailers are not kept
    default:
      return () => undefined;
  }
}

/** httpd: %400,501{…}i logs the item only for those statuses, %!200,304{…}i for all others; else "-". */
function withStatuses(it: LogItem, piece: Piece): Piece {
  if (it.statuses === undefined || typeof piece === 'string') return piece;
  const codes = new Set(it.statuses.codes);
  const negate = it.statuses.negate;
  return (r) => (codes.has(r.status) !== negate ? piece(r) : undefined);
}

export function compileFormat(format: LogFormat): Formatter {
  const pieces: Piece[] = [];
  for (const part of format.parts) {
    // Literal text comes from the config (UTF-8): written as its bytes, like every value.
    const p = part.kind === 'text' ? byteString(part.text) : withStatuses(part, itemPiece(part));
    const last = pieces[pieces.length - 1];
    if (typeof p === 'string' && typeof last === 'string') pieces[pieces.length - 1] = last + p;
    else pieces.push(p);
  }
  return (r) => {
    let out = '';
    for (const p of pieces) out += typeof p === 'string' ? p : orDash(p(r));
    return out;
  };
}
