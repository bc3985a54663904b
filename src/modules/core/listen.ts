// Listen [IP-address:]portnumber [protocol], with httpd's messages (server/listen.c).

export interface ListenAddr {
  readonly host: string | undefined; // undefined = all addresses
  readonly port: number;
  readonly protocol: 'http' | 'https' | string;
}

export type ListenParse = { ok: true; value: ListenAddr } | { ok: false; error: string };

/** Splits `[v6]:port`, `host:port`, `port` as apr_parse_addr_port does. */
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

export function parseListen(args: readonly string[]): ListenParse {
  if (args.length < 1 || args.length > 2) return { ok: false, error: 'Listen requires 1 or 2 arguments.' };
  const hp = parseHostPort(args[0]!);
  if (hp === undefined) return { ok: false, error: 'Invalid address or port' };
  if (hp.port === undefined || hp.port === '') return { ok: false, error: 'Port must be specified' };
  if (!/^\d+$/.test(hp.port)) return { ok: false, error: 'Invalid address or port' };
  const port = Number(hp.port);
  if (port < 1 || port > 65535) return { ok: false, error: 'Invalid address or port' };
  const protocol = (args[1] ?? (port === 443 ? 'https' : 'http')).toLowerCase();
  return { ok: true, value: { host: hp.host === '*' ? undefined : hp.host, port, protocol } };
}
