// mod_ssl's fixup (ssl_hook_Fixup): what a TLS request adds to its environment, which RequestHeader/Header
// (`%{VAR}e`, `env=VAR`) and the access log read; mod_rewrite ran before it and does not see it. Verified with
// apache2 2.4.71 (tls-env): HTTPS=on and SSL_TLS_SNI (when the client sent SNI) always; with SSLOptions +StdEnvVars
// the connection's SSL_* variables that have a value, the DN attributes of both certificates (SSL_SERVER_S_DN_CN,
// SSL_CLIENT_S_DN_OU_1, …) and their subjectAltName entries (SSL_SERVER_SAN_DNS_0); with +ExportCertData the
// certificates themselves. Pure: the values come from the request's `ssl` lookup (vars.ts).
import type { SslDirPlan } from './dir.js';
import { EXPORTED_DN_ATTRIBUTES } from './vars.js';

type Lookup = (name: string) => string | undefined;

/** ssl_hook_Fixup_vars (SSL_SESSION_ID is left out: Node does not give a session's id). */
const STD_VARS = [
  'SSL_VERSION_INTERFACE', 'SSL_VERSION_LIBRARY', 'SSL_PROTOCOL', 'SSL_SECURE_RENEG', 'SSL_COMPRESS_METHOD', 'SSL_CIPHER',
  'SSL_CIPHER_EXPORT', 'SSL_CIPHER_USEKEYSIZE', 'SSL_CIPHER_ALGKEYSIZE', 'SSL_CLIENT_VERIFY', 'SSL_CLIENT_M_VERSION',
  'SSL_CLIENT_M_SERIAL', 'SSL_CLIENT_V_START', 'SSL_CLIENT_V_END', 'SSL_CLIENT_V_REMAIN', 'SSL_CLIENT_S_DN', 'SSL_CLIENT_I_DN',
  'SSL_CLIENT_A_KEY', 'SSL_SERVER_M_VERSION', 'SSL_SERVER_M_SERIAL', 'SSL_SERVER_V_START', 'SSL_SERVER_V_END',
  'SSL_SERVER_S_DN', 'SSL_SERVER_I_DN', 'SSL_SERVER_A_KEY', 'SSL_SESSION_RESUMED',
];

const DN_PREFIXES = ['SSL_CLIENT_S_DN_', 'SSL_CLIENT_I_DN_', 'SSL_SERVER_S_DN_', 'SSL_SERVER_I_DN_'];
const SAN_PREFIXES = ['SSL_CLIENT_SAN_DNS_', 'SSL_CLIENT_SAN_Email_', 'SSL_SERVER_SAN_DNS_', 'SSL_SERVER_SAN_Email_'];
/** No certificate has more entries of one kind that anyone reads from the environment. */
const MAX_REPEATS = 64;

/** NAME, NAME_1, NAME_2, … (first: "NAME" or "NAME_0") while the lookup has a value. */
function repeated(env: Map<string, string>, ssl: Lookup, name: string, first: string): void {
  for (let i = 0; i < MAX_REPEATS; i++) {
    const key = i === 0 ? first : `${name}_${i}`;
    const v = ssl(key);
    if (v === undefined) return;
    env.set(key, v);
  }
}

export function sslEnvironment(ssl: Lookup, dir: SslDirPlan | undefined): Map<string, string> {
  const env = new Map<string, string>([['HTTPS', 'on']]);
  const sni = ssl('SSL_TLS_SNI');
  if (sni !== undefined && sni !== '') env.set('SSL_TLS_SNI', sni);
  if (dir?.stdEnvVars) {
    for (const name of DN_PREFIXES.flatMap((p) => EXPORTED_DN_ATTRIBUTES.map((a) => `${p}${a}`))) repeated(env, ssl, name, name);
    for (const p of SAN_PREFIXES) repeated(env, ssl, p.slice(0, -1), `${p}0`);
    for (const name of STD_VARS) {
      const v = ssl(name);
      if (v !== undefined && v !== '') env.set(name, v);
    }
  }
  if (dir?.exportCertData) {
    for (const name of ['SSL_SERVER_CERT', 'SSL_CLIENT_CERT']) {
      const v = ssl(name);
      if (v !== undefined && v !== '') env.set(name, v);
    }
  }
  return env;
}
