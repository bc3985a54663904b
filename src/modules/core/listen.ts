// Listen [IP-address:]portnumber [protocol], with httpd's messages (server/listen.c), and the address parsing
// httpd's Listen and <VirtualHost> share: APR's apr_parse_addr_port, then what getaddrinfo() accepts.

export interface ListenAddr {
  readonly host: string | undefined; // undefined = all addresses
  readonly port: number;
  readonly protocol: 'http' | 'https' | string;
}

export type ListenParse = { ok: true; value: ListenAddr } | { ok: false; error: string };

export interface AddrPort {
  /** undefined when the string was a port only. IPv6 without brackets. */
  readonly host: string | undefined;
  readonly scopeId: string | undefined;
  /** 0 when no port was given. */
  readonly port: number;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * APR's apr_parse_addr_port: `port`, `host`, `host:port`, `[v6]`, `[v6%scope]:port`. Returns undefined where APR
 * returns APR_EINVAL (a port outside 1..65535, a string starting with ':', a bad bracketed IPv6 address). An
 * unbracketed host is taken as it is (getaddrinfo judges it later, see hostResolvable).
 */
export function parseAddrPort(str: string): AddrPort | undefined {
  let ch = str.length - 1;
  while (ch >= 0 && isDigit(str.charCodeAt(ch))) ch--;
  if (ch < 0) {
    // The entire string is the port.
    const port = Number(str);
    return port >= 1 && port <= 65535 ? { host: undefined, scopeId: undefined, port } : undefined;
  }
  let port = 0;
  let last = str.length; // end of the host part
  if (str[ch] === ':' && ch < str.length - 1) {
    if (ch === 0) return undefined; // starts with ':'
    port = Number(str.slice(ch + 1));
    if (port < 1 || port > 65535) return undefined;
    last = ch;
  }
  if (str[0] === '[') {
    const end = str.indexOf(']');
    if (end < 0 || end !== last - 1) return undefined;
    const pct = str.indexOf('%');
    let addr: string;
    let scopeId: string | undefined;
    if (pct >= 0 && pct < end) {
      if (pct === end - 1) return undefined; // '%' without scope id
      addr = str.slice(1, pct);
      scopeId = str.slice(pct + 1, end);
    } else addr = str.slice(1, end);
    if (!isIPv6(addr, false)) return undefined;
    return { host: addr, scopeId, port };
  }
  return { host: str.slice(0, last), scopeId: undefined, port };
}

/**
 * inet_pton(AF_INET) as the dotted quad inside an IPv6 address: four decimal parts 0..255. glibc (strict) refuses
 * leading zeros; APR's own copy (used by apr_parse_addr_port) does not.
 */
function isDottedQuad(s: string, strict: boolean): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return false;
    if (strict && p.length > 1 && p[0] === '0') return false;
  }
  return true;
}

/** inet_pton(AF_INET6): `strict` is glibc's (getaddrinfo), otherwise APR's apr_inet_pton (apr_parse_addr_port). */
export function isIPv6(s: string, strict: boolean): boolean {
  if (s === '') return false;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  let groups = s.split(':');
  // Leading/trailing '::' leave empty strings at the ends; a single leading or trailing ':' is an error.
  if (s.startsWith(':') && !s.startsWith('::')) return false;
  if (s.endsWith(':') && !s.endsWith('::')) return false;
  let count = 0;
  const last = groups[groups.length - 1]!;
  if (last.includes('.')) {
    if (!isDottedQuad(last, strict)) return false;
    count += 2;
    groups = groups.slice(0, -1);
  }
  for (const g of groups) {
    if (g === '') continue;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    count++;
  }
  if (dbl >= 0) return strict ? count <= 7 : count <= 8;
  return count === 8;
}

/** glibc inet_aton (as getaddrinfo tries it first): 1 to 4 parts, each decimal, octal (0…) or hex (0x…). */
export function isInetAton(s: string): boolean {
  const parts = s.split('.');
  if (parts.length > 4) return false;
  const vals: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number(p);
    else return false;
    if (v > 0xffffffff) return false;
    vals.push(v);
  }
  for (let i = 0; i < vals.length - 1; i++) if (vals[i]! > 0xff) return false;
  return vals[vals.length - 1]! < 2 ** (8 * (5 - vals.length));
}

/**
 * Could getaddrinfo() resolve this host at all? True for numeric IPv4 (inet_aton forms) and IPv6 addresses, and
 * for syntactically possible host names (which only DNS can judge: tsproxyd does not resolve names while
 * checking). False for what no resolver accepts: characters outside letters, digits, '-', '_' and '.', empty or
 * over-long labels, and all-numeric names that are not valid addresses (`1127.0.0.1`, `1.2.3.4.5`).
 */
export function hostResolvable(host: string): boolean {
  if (isInetAton(host)) return true;
  if (host.includes(':')) {
    const pct = host.indexOf('%');
    return isIPv6(pct >= 0 ? host.slice(0, pct) : host, true);
  }
  if (host === '' || host.length > 254 || !/^[A-Za-z0-9_.-]+$/.test(host)) return false;
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (labels.some((l) => l === '' || l.length > 63)) return false;
  return !labels.every((l) => /^(?:0[xX][0-9a-fA-F]*|[0-9]+)$/.test(l));
}

/** Splits `[v6]:port`, `host:port`, `port` loosely (for messages and ServerName-like values). */
export function parseHostPort(spec: string): { host: string | undefined; port: string | undefined } | undefined {
  if (spec.startsWith('[')) {
    const end = spec.indexOf(']');
    if (end < 0) return undefined;
    const rest = spec.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    return { host: spec.slice(1, end), port: rest === '' ? undefined : rest.slice(1) };
  }
  const colon = spec.lastIndexOf(':');
  if (colon < 0) return /^\d+$/.test(spec) ? { host: undefined, port: spec } : { host: spec, port: undefined };
  if (spec.indexOf(':') !== colon) return { host: spec, port: undefined }; // bare IPv6 without brackets
  return { host: spec.slice(0, colon), port: spec.slice(colon + 1) };
}

/** httpd's listen.c set_listener: apr_parse_addr_port, then alloc_listener's address lookup. */
export function parseListen(args: readonly string[]): ListenParse {
  if (args.length < 1 || args.length > 2) return { ok: false, error: 'Listen requires 1 or 2 arguments.' };
  const ap = parseAddrPort(args[0]!);
  if (ap === undefined) return { ok: false, error: 'Invalid address or port' };
  if (ap.port === 0) return { ok: false, error: 'Port must be specified' };
  const host = ap.host === '*' ? undefined : ap.host;
  // alloc_listener: apr_sockaddr_info_get() failing is "Listen setup failed" (AH00077 in the error log).
  if (host !== undefined && !hostResolvable(host)) return { ok: false, error: 'Listen setup failed' };
  const protocol = (args[1] ?? (ap.port === 443 ? 'https' : 'http')).toLowerCase();
  return { ok: true, value: { host, port: ap.port, protocol } };
}
