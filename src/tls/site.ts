// A virtual host's TLS listener settings (mod_ssl's SSLEngine, SSLCertificate*, SSLProtocol, SSLCipherSuite,
// SSLHonorCipherOrder, SSLVerifyClient/Depth, SSLCACertificate*), merged as httpd's ssl_config_server_merge does:
// a vhost takes the main server's value for what it does not set (SSLEngine on in the main server makes every
// vhost TLS unless it says off), and its certificate files come before the main server's.
import type { Loc } from '../../grammar/ast.js';
import type { ServerScope } from '../config/types.js';
import type { CipherSuites, SslServerConf, TlsProtocol, VerifyMode } from '../modules/ssl/directives.js';

export interface TlsSite {
  readonly engine: boolean;
  readonly certificateFiles: readonly string[];
  readonly keyFiles: readonly string[];
  readonly chainFile: string | undefined;
  readonly protocols: readonly TlsProtocol[] | undefined;
  readonly cipherSuite: CipherSuites | undefined;
  readonly honorCipherOrder: boolean;
  /** SSLStrictSNIVHostCheck: a client without SNI may not reach a name-based virtual host (403). */
  readonly strictSni: boolean;
  readonly verifyClient: VerifyMode;
  readonly verifyDepth: number | undefined;
  readonly caCertificateFile: string | undefined;
  readonly caCertificatePath: string | undefined;
  /** The <VirtualHost> (or the main server) the settings belong to, for messages. */
  readonly loc: Loc;
}

const ssl = (s: ServerScope) => s.confs.get('ssl') as SslServerConf | undefined;

export function tlsSiteOf(scope: ServerScope, main: ServerScope): TlsSite {
  const own = ssl(scope);
  const base = scope === main ? undefined : ssl(main);
  const pick = <K extends keyof SslServerConf>(k: K): SslServerConf[K] | undefined => own?.[k] ?? base?.[k];
  return {
    engine: pick('engine') ?? false,
    certificateFiles: [...(own?.certificateFiles ?? []), ...(base?.certificateFiles ?? [])],
    keyFiles: [...(own?.certificateKeyFiles ?? []), ...(base?.certificateKeyFiles ?? [])],
    chainFile: pick('certificateChainFile'),
    protocols: pick('protocols'),
    cipherSuite: own?.cipherSuite || base?.cipherSuite ? { ...base?.cipherSuite, ...own?.cipherSuite } : undefined,
    honorCipherOrder: pick('honorCipherOrder') ?? false,
    strictSni: pick('strictSniVHostCheck') ?? false,
    verifyClient: pick('verifyClient') ?? 'none',
    verifyDepth: pick('verifyDepth'),
    caCertificateFile: pick('caCertificateFile'),
    caCertificatePath: pick('caCertificatePath'),
    loc: scope.loc,
  };
}

const same = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * httpd's ssl_server_compatible/ssl_ctx_compatible: may a request whose Host selects server `b` go on over a
 * connection whose handshake (SNI) chose server `a`? Since 2.4.64 (CVE-2025-23048) the certificates count as well
 * (verified with apache2 2.4.71: two vhosts with their own certificates are a 421, two inheriting the main server's
 * one are not), as do protocols, client verification, CA and ciphers.
 */
export function tlsCompatible(a: TlsSite, b: TlsSite): boolean {
  if (a === b) return true;
  return (
    a.engine === b.engine &&
    same(a.certificateFiles, b.certificateFiles) &&
    same(a.keyFiles, b.keyFiles) &&
    a.chainFile === b.chainFile &&
    same(a.protocols, b.protocols) &&
    a.verifyClient === b.verifyClient &&
    a.verifyDepth === b.verifyDepth &&
    a.caCertificateFile === b.caCertificateFile &&
    a.caCertificatePath === b.caCertificatePath &&
    a.cipherSuite?.SSL === b.cipherSuite?.SSL &&
    a.cipherSuite?.['TLSv1.3'] === b.cipherSuite?.['TLSv1.3'] &&
    a.honorCipherOrder === b.honorCipherOrder
  );
}
