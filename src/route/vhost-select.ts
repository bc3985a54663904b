// httpd's virtual-host selection (server/vhost.c). Verified against apache2 2.4.71:
//  - the servers whose <VirtualHost> address matches the connection's local address and port are the candidates;
//    an address naming the IP exactly beats '*' / _default_ (with vhosts on 127.0.0.1:9201 and *:9201, the *:9201
//    one never serves a request on 127.0.0.1:9201, even when its ServerName is the Host); ':*' or no port is any
//    port; no vhost for the address → the main server;
//  - among the candidates, the first (config order) whose ServerName equals, or one of whose ServerAlias names
//    matches, the host wins; none → the first candidate. The host is compared case-insensitively without its port
//    and without ONE trailing dot ("B.TEST:9999", "b.test.", "b.test.:80" all pick b.test; ServerName b.test:8080
//    matches Host b.test). ServerAlias wildcards are fnmatch: '*' also matches dots (*.wild.test matches
//    a.b.wild.test but not wild.test), '?' one char;
//  - HTTP/1.1 without Host is 400; HTTP/1.0 without Host gets the first candidate;
//  - invalid Host values are 400: empty, a space or '\' in it, "b.test:" (empty port), "b.test:xx", "b.test..",
//    "[::1" (unclosed). "[::1]:9200", "b_t.test", ".b.test" are valid (and match nothing here);
//  - a vhost without ServerName answers to the main server's name.
import { isIPv6 } from '../modules/core/listen.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';
import type { Decision, Plan, RequestFacts, ServerPlan } from './types.js';

/** httpd's fix_hostname: the host lower-cased without port and trailing dot, or undefined when invalid. */
export function normaliseHost(value: string): string | undefined {
  let name: string;
  let port: string | undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    name = value.slice(1, end);
    if (!isIPv6(name, false)) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    port = rest === '' ? undefined : rest.slice(1);
    if (port !== undefined && !/^\d+$/.test(port)) return undefined;
    return `[${name.toLowerCase()}]`;
  }
  const colon = value.indexOf(':');
  name = colon < 0 ? value : value.slice(0, colon);
  port = colon < 0 ? undefined : value.slice(colon + 1);
  if (port !== undefined && !/^\d+$/.test(port)) return undefined;
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.includes('..')) return undefined;
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name === '' ? undefined : name.toLowerCase();
}

/** Node reports IPv4 connections on a dual-stack socket as ::ffff:a.b.c.d. */
function normaliseAddress(addr: string): string {
  const a = addr.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

function addressMatches(vhostHost: string, local: string): boolean {
  if (vhostHost === local) return true;
  if (vhostHost === 'localhost') return local === '127.0.0.1' || local === '::1';
  return false;
}

/** Does the server answer to this (normalised) host name? */
export function nameMatches(server: ServerPlan, host: string): boolean {
  const r = server.routing;
  if (r.serverName === host || r.aliasNames.has(host)) return true;
  return r.aliasPatterns.some((re) => re.test(host));
}

/** The vhosts serving a local address:port: IP-specific ones if any, else wildcard ones. */
export function candidatesFor(plan: Pick<Plan, 'vhosts'>, localAddress: string, localPort: number): readonly ServerPlan[] {
  const local = normaliseAddress(localAddress);
  const portOk = (p: number | undefined) => p === undefined || p === localPort;
  const exact = plan.vhosts.filter((v) => v.routing.vhostAddrs.some((a) => a.host !== undefined && addressMatches(a.host, local) && portOk(a.port)));
  if (exact.length > 0) return exact;
  return plan.vhosts.filter((v) => v.routing.vhostAddrs.some((a) => a.host === undefined && portOk(a.port)));
}

/** The first server of the address that answers to a TLS SNI name (mod_ssl's ssl_find_vhost); undefined: none. */
export function sniServer(candidates: readonly ServerPlan[], servername: string): ServerPlan | undefined {
  const host = normaliseHost(servername);
  return host === undefined ? undefined : candidates.find((v) => nameMatches(v, host));
}

/** The server whose TLS settings a connection's handshake used: its SNI name's, else the address default. */
export function handshakeServer(plan: Pick<Plan, 'vhosts' | 'main'>, facts: Pick<RequestFacts, 'localAddress' | 'localPort' | 'sni'>): ServerPlan {
  const candidates = candidatesFor(plan, facts.localAddress, facts.localPort);
  return (facts.sni !== undefined ? sniServer(candidates, facts.sni) : undefined) ?? candidates[0] ?? plan.main;
}

export type Selection =
  | { readonly ok: true; readonly server: ServerPlan; /** normalised host, if any */ readonly host: string | undefined }
  | { readonly ok: false; readonly decision: Decision };

const bad = (reason: string): Selection => ({ ok: false, decision: { kind: 'respond', status: 400, reason, settings: undefined, from: undefined } });

/** `target`: facts.target already parsed (route() has it). */
export function selectServer(plan: Plan, facts: RequestFacts, target?: RequestTarget): Selection {
  if (facts.host === undefined && (facts.httpVersion ?? '1.1') === '1.1') return bad('HTTP/1.1 request without a Host header');
  const t = target ?? parseRequestTarget(facts.target, facts.tls);
  const raw = (t.form === 'absolute' ? t.authority : undefined) ?? facts.host;
  let host: string | undefined;
  if (raw !== undefined) {
    host = normaliseHost(raw);
    if (host === undefined) return bad(`invalid host name '${raw}'`);
  }
  const candidates = candidatesFor(plan, facts.localAddress, facts.localPort);
  if (candidates.length === 0) return { ok: true, server: plan.main, host };
  const named = host === undefined ? undefined : candidates.find((v) => nameMatches(v, host));
  return { ok: true, server: named ?? candidates[0]!, host };
}
