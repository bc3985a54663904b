// mod_ssl's access and fixup hooks on a TLS request that reaches them (a proxied request, a local handler, the 404
// of a path nothing serves; not the answers of earlier phases: 400, 421, redirects, Require's 403): a <Location>'s
// SSLVerifyClient (src/tls/dir.ts), then the SSL environment (src/tls/env.ts). Pure.
import { clientCertAccess } from '../tls/dir.js';
import { sslEnvironment } from '../tls/env.js';
import type { VerifyMode } from '../modules/ssl/directives.js';
import { respond } from './forward-url.js';
import type { Decision, RequestFacts } from './types.js';

const reachesFixups = (d: Decision): boolean => d.kind === 'forward' || d.handler !== undefined || d.status === 404;

/** `connection`: the client-certificate mode the connection's handshake (or a renegotiation) used. */
export function sslPhases(d: Decision, facts: RequestFacts, connection: VerifyMode): Decision {
  const ssl = facts.ssl;
  if (ssl === undefined || !reachesFixups(d)) return d;
  const dir = d.settings?.ssl;
  const access = clientCertAccess(dir?.verifyClient, connection, ssl('SSL_PROTOCOL'), ssl('SSL_CLIENT_VERIFY'));
  if (access.kind !== 'ok') {
    const refused = respond(403, access.kind === 'forbidden' ? access.reason : `SSLVerifyClient ${access.mode} for this location: a renegotiation must ask for a client certificate`, d.settings, d.from);
    return { ...refused, ...(d.log !== undefined ? { log: d.log } : {}), ...(access.kind === 'renegotiate' ? { renegotiate: access.mode } : {}) };
  }
  const env = new Map(d.env ?? []);
  for (const [k, v] of sslEnvironment(ssl, dir)) env.set(k, v);
  return { ...d, env };
}
