// Which listeners speak TLS, and with which certificate: as mod_ssl decides. A connection is TLS when the default
// server of its address (the first <VirtualHost> for it, else the main server) has SSLEngine on. The certificate is
// that server's, or, when the client sends SNI, the one of the first virtual host of the address whose ServerName
// or ServerAlias matches the name (ssl_find_vhost). Each server has its own SecureContext (chain, session tickets)
// and client-certificate mode (SSLVerifyClient), which a connection gets from the start (gate.ts); Node's
// SNICallback and the check after the handshake (refuseUnverified) stay for a ClientHello the gate could not read.
import type { TLSSocket } from 'node:tls';
import tls from 'node:tls';
import type { Plan, ServerPlan } from '../route/types.js';
import { candidatesFor, sniServer } from '../route/vhost-select.js';
import { secureContextFor } from './context.js';
import type { ConnectionTls } from './gate.js';
import type { TlsSite } from './site.js';

export interface ListenerTls {
  readonly options: tls.TlsOptions;
  /** The server whose certificate a connection got (SNI, else the address default). */
  readonly serverFor: (socket: TLSSocket) => ServerPlan;
  /** A connection's context and client-certificate mode, for the SNI name of its ClientHello (undefined: none). */
  readonly connectionTls: (servername: string | undefined) => ConnectionTls;
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
  const contexts = new Map<ServerPlan, ConnectionTls>();
  let defaultOptions: tls.SecureContextOptions | undefined;
  for (const s of new Set([first, ...all])) {
    if (!s.tls.engine) continue;
    const r = secureContextFor(s.tls, serverLabel(s, plan.main));
    if (!r.ok) errors.push(r.error);
    else {
      // SSLVerifyClient require: OpenSSL refuses a handshake without a certificate (the `certificate required`
      // alert); one that does not verify is refused by Node after the handshake (no alert: Node's verify callback
      // accepts every certificate and judges in JavaScript).
      contexts.set(s, { secureContext: r.context, requestCert: s.tls.verifyClient !== 'none', rejectUnauthorized: s.tls.verifyClient === 'require' });
      if (s === first) defaultOptions = r.options;
    }
  }
  if (errors.length > 0 || defaultOptions === undefined) return { ok: false, errors };
  const requestCert = [...contexts.keys()].some((s) => s.tls.verifyClient !== 'none');
  const byName = (servername: string | undefined): ServerPlan => {
    if (servername === undefined || servername === '') return first;
    const s = sniServer(all, servername);
    return s !== undefined && contexts.has(s) ? s : first;
  };
  const serverFor = (socket: TLSSocket): ServerPlan => {
    const name = (socket as TLSSocket & { servername?: string | false }).servername;
    return byName(typeof name === 'string' ? name : undefined);
  };
  // The server's own options serve a ClientHello the gate could not read: a certificate is asked for when any server
  // of the address wants one, and `require` is enforced per server after the handshake (refuseUnverified).
  const options: tls.TlsOptions = {
    ...defaultOptions,
    ALPNProtocols: ['http/1.1'],
    requestCert,
    rejectUnauthorized: false,
    SNICallback: (servername, cb) => cb(null, contexts.get(byName(servername))!.secureContext),
  };
  const connectionTls = (servername: string | undefined): ConnectionTls => contexts.get(byName(servername))!;
  return { ok: true, tls: { options, serverFor, connectionTls } };
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
