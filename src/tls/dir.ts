// mod_ssl's per-directory settings a request meets (the main server, the vhost, then its matching <Location>
// sections, merged as ssl_config_perdir_merge does) and what its access hook does with a <Location>'s
// SSLVerifyClient (ssl_hook_Access). Pure. Verified with apache2 2.4.71 (tls-client-location):
//  - a mode stricter than the connection's (a certificate asked for where none was, or required where it was
//    optional) needs a new handshake: over TLS 1.2 httpd renegotiates, over TLS 1.3 it would use post-handshake
//    authentication, which Node's clients do not offer and tsproxyd cannot do: 403 (with or without a certificate);
//  - after that, `require` wants a verified certificate, `optional` none or a verified one.
import type { SslDirSettings, SslOption, SslOptionChange, VerifyMode } from '../modules/ssl/directives.js';

export interface SslDirPlan {
  /** SSLVerifyClient of the matching <Location> sections (the last one that sets it); undefined: the server's. */
  readonly verifyClient?: VerifyMode;
  /** SSLOptions +StdEnvVars / +ExportCertData: the SSL_* variables in the request's environment (env.ts). */
  readonly stdEnvVars: boolean;
  readonly exportCertData: boolean;
}

/** SSLOptions changes in order: a plain option after +/- ones (or first) starts a new set, +/- add and remove. */
function foldOptions(changes: readonly SslOptionChange[]): Set<SslOption> {
  const set = new Set<SslOption>();
  let previous: SslOptionChange['op'] | undefined;
  for (const c of changes) {
    if (c.op === '=' && previous !== '=') set.clear();
    if (c.op === '-') set.delete(c.option);
    else set.add(c.option);
    previous = c.op;
  }
  return set;
}

/** `servers`: the main server's settings, then the vhost's; `sections`: the matching <Location>s in merge order. */
export function sslDirPlan(servers: readonly (SslDirSettings | undefined)[], sections: readonly (SslDirSettings | undefined)[]): SslDirPlan {
  const all = [...servers, ...sections];
  const options = foldOptions(all.flatMap((s) => s?.options ?? []));
  const verifyClient = sections.reduce<VerifyMode | undefined>((v, s) => s?.verifyClient ?? v, undefined);
  return { ...(verifyClient !== undefined ? { verifyClient } : {}), stdEnvVars: options.has('StdEnvVars'), exportCertData: options.has('ExportCertData') };
}

/** OpenSSL's verify flags of a mode: PEER (ask), FAIL_IF_NO_PEER_CERT (require). */
const asks = (m: VerifyMode): boolean => m !== 'none';
const requires = (m: VerifyMode): boolean => m === 'require';

export type ClientCertAccess = { readonly kind: 'ok' } | { readonly kind: 'forbidden'; readonly reason: string } | { readonly kind: 'renegotiate'; readonly mode: VerifyMode };

/**
 * `connection`: the mode the connection's handshake (or a renegotiation) used; `protocol`: SSL_PROTOCOL;
 * `verify`: SSL_CLIENT_VERIFY (NONE, SUCCESS, FAILED:…, GENERIC).
 */
export function clientCertAccess(dir: VerifyMode | undefined, connection: VerifyMode, protocol: string | undefined, verify: string | undefined): ClientCertAccess {
  if (dir === undefined) return { kind: 'ok' };
  if ((asks(dir) && !asks(connection)) || (requires(dir) && !requires(connection))) {
    return protocol === 'TLSv1.3'
      ? { kind: 'forbidden', reason: `SSLVerifyClient ${dir} for this location needs post-handshake authentication, which tsproxyd cannot do over TLS 1.3 (httpd AH10158)` }
      : { kind: 'renegotiate', mode: dir };
  }
  if (requires(dir) && verify !== 'SUCCESS') return { kind: 'forbidden', reason: `SSLVerifyClient require for this location: no verified client certificate (${verify ?? 'none'}, httpd AH02262)` };
  if (dir === 'optional' && verify !== undefined && verify !== 'NONE' && verify !== 'SUCCESS') return { kind: 'forbidden', reason: `SSLVerifyClient optional for this location: the client certificate does not verify (${verify}, httpd AH02262)` };
  return { kind: 'ok' };
}
