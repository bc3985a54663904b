// Which listeners speak TLS, and with which certificate: as mod_ssl decides. A connection is TLS when the default
// server of its address (the first <VirtualHost> for it, else the main server) has SSLEngine on. The certificate is
// that server's, or, when the client sends SNI, the one of the first virtual host of the address whose ServerName
// or ServerAlias matches the name (ssl_find_vhost). Client certificates are requested when a server of the address
// has SSLVerifyClient; `require` then refuses a connection without a valid one.
import type { TLSSocket } from 'node:tls';
import tls from 'node:tls';
import type { Plan, ServerPlan } from '../route/types.js';
import { candidatesFor, sniServer } from '../route/vhost-select.js';
import { secureContextFor } from './context.js';
import type { TlsSite } from './site.js';

export interface ListenerTls {
  readonly options: tls.TlsOptions;
  /** The server whose certificate a connection got (SNI, else the address default). */
  readonly serverFor: (socket: TLSSocket) => ServerPlan;
}

export type ListenerTlsResult = { readonly ok: true; readonly tls: ListenerTls | undefined } | { readonly ok: false; readonly errors: string[] };

const serverLabel = (s: ServerPlan, main: ServerPlan): string => (s === main ? `the main server (${s.name})` : `<VirtualHost ${s.addrs.join(' ')}> ${s.name} (${s.loc.file}:${s.loc.line})`);

/** The servers of a bind address and its default one. `host` undefined: every local address. */
function serversOf(plan: Plan, host: string | undefined, port: number): { all: readonly ServerPlan[]; first: ServerPlan } {
  const all = candidatesFor(plan, host ?? '', port);
  return { all, first: all[0] ?? plan.main };
}

export function listenerTls(plan: Plan, host: string | undefined, port: number): ListenerTlsResult {
  const { all, first } = serversOf(plan, host, port);
  if (!first.tls.engine) return { ok: true, tls: undefined };
  const errors: string[] = [];
  const contexts = new Map<ServerPlan, tls.SecureContext>();
  let defaultOptions: tls.SecureContextOptions | undefined;
  for (const s of new Set([first, ...all])) {
    if (!s.tls.engine) continue;
    const r = secureContextFor(s.tls, serverLabel(s, plan.main));
    if (!r.ok) errors.push(r.error);
    else {
      contexts.set(s, r.context);
      if (s === first) defaultOptions = r.options;
    }
  }
  if (errors.length > 0 || defaultOptions === undefined) return { ok: false, errors };
  const requestCert = [...contexts.keys()].some((s) => s.tls.verifyClient !== 'none');
  const serverFor = (socket: TLSSocket): ServerPlan => {
    const name = (socket as TLSSocket & { servername?: string | false }).servername;
    if (typeof name !== 'string' || name === '') return first;
    const s = sniServer(all, name);
    return s !== undefined && contexts.has(s) ? s : first;
  };
  const options: tls.TlsOptions = {
    ...defaultOptions,
    ALPNProtocols: ['http/1.1'],
    requestCert,
    rejectUnauthorized: false, // `require` is enforced per server after the handshake (see refuseUnverified)
    SNICallback: (servername, cb) => {
      const s = sniServer(all, servername);
      cb(null, (s !== undefined ? contexts.get(s) : undefined) ?? contexts.get(first));
    },
  };
  return { ok: true, tls: { options, serverFor } };
}

/**
 * SSLVerifyClient: `require` refuses a connection without a verified client certificate, `optional` one whose
 * certificate does not verify (no certificate is fine), `optional_no_ca` accepts any.
 */
export function refuseUnverified(site: TlsSite, socket: TLSSocket): boolean {
  if (socket.authorized) return false;
  if (site.verifyClient === 'require') return true;
  if (site.verifyClient !== 'optional') return false;
  const peer = socket.getPeerCertificate();
  return peer !== null && Object.keys(peer).length > 0;
}
