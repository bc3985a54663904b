// From a virtual host's TLS settings to Node's secure-context options: certificate (with its chain), key, CA for
// client certificates, protocol range, ciphers. Files are read when a listener starts (and again at reload); every
// failure is a message naming the file and the directive's virtual host, never a thrown OpenSSL error.
import { constants, createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import type { TlsProtocol } from '../modules/ssl/directives.js';
import type { TlsSite } from './site.js';

export type ContextResult = { readonly ok: true; readonly options: tls.SecureContextOptions; readonly context: tls.SecureContext } | { readonly ok: false; readonly error: string };

const ORDER: readonly TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function read(file: string, what: string): { text?: string; error?: string } {
  try {
    return { text: readFileSync(file, 'latin1') };
  } catch (err) {
    return { error: `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}

const PEM_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** SSLProtocol as Node's min/max range (OpenSSL takes a range: a gap, as in "TLSv1 TLSv1.2", is widened). */
function versionRange(protocols: readonly TlsProtocol[] | undefined): Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion'> {
  if (protocols === undefined || protocols.length === 0) return {};
  const idx = protocols.map((p) => ORDER.indexOf(p)).sort();
  return { minVersion: ORDER[idx[0]!]!, maxVersion: ORDER[idx[idx.length - 1]!]! };
}

/** The CA certificates of SSLCACertificateFile and every *.pem/*.crt/hash file of SSLCACertificatePath. */
function caCertificates(site: TlsSite): { ca?: string[]; error?: string } {
  const ca: string[] = [];
  const files: string[] = [];
  if (site.caCertificateFile !== undefined) files.push(site.caCertificateFile);
  if (site.caCertificatePath !== undefined) {
    try {
      for (const f of readdirSync(site.caCertificatePath).sort()) if (/\.(pem|crt)$|^[0-9a-f]{8}\.\d+$/i.test(f)) files.push(join(site.caCertificatePath, f));
    } catch (err) {
      return { error: `cannot read SSLCACertificatePath ${site.caCertificatePath}: ${(err as NodeJS.ErrnoException).code ?? ''}` };
    }
  }
  for (const f of files) {
    const r = read(f, 'CA certificate file');
    if (r.error !== undefined) return { error: r.error };
    ca.push(...(r.text!.match(PEM_CERT) ?? []));
  }
  return files.length > 0 ? { ca } : {};
}

export function secureContextFor(site: TlsSite, name: string): ContextResult {
  const certFile = site.certificateFiles[0];
  if (certFile === undefined) return { ok: false, error: `SSLEngine is on for ${name} but no SSLCertificateFile is configured (httpd AH02572)` };
  const cert = read(certFile, 'SSLCertificateFile');
  if (cert.error !== undefined) return { ok: false, error: cert.error };
  const keyFile = site.keyFiles[0] ?? certFile; // httpd reads the key from the certificate file when none is named
  const keyText = keyFile === certFile ? cert : read(keyFile, 'SSLCertificateKeyFile');
  if (keyText.error !== undefined) return { ok: false, error: keyText.error };
  const key = PEM_KEY.exec(keyText.text!)?.[0];
  if (key === undefined) return { ok: false, error: `no PEM private key in ${keyFile}${site.keyFiles.length === 0 ? ' (no SSLCertificateKeyFile, and the certificate file holds none)' : ''}` };
  if (/ENCRYPTED/.test(key) || /Proc-Type: 4,ENCRYPTED/.test(keyText.text!)) {
    return { ok: false, error: `the private key in ${keyFile} is encrypted; tsproxyd has no SSLPassPhraseDialog: decrypt it (openssl pkey -in KEY -out KEY.plain) and protect the file instead` };
  }
  const certs: string[] = [...(cert.text!.match(PEM_CERT) ?? [])];
  if (certs.length === 0) return { ok: false, error: `no PEM certificate in ${certFile}` };
  if (site.chainFile !== undefined) {
    const chain = read(site.chainFile, 'SSLCertificateChainFile');
    if (chain.error !== undefined) return { ok: false, error: chain.error };
    certs.push(...(chain.text!.match(PEM_CERT) ?? []));
  }
  const cas = caCertificates(site);
  if (cas.error !== undefined) return { ok: false, error: cas.error };
  const suites = [site.cipherSuite?.['TLSv1.3'], site.cipherSuite?.SSL].filter((s): s is string => s !== undefined && s !== '');
  const options: tls.SecureContextOptions = {
    // Sessions (ids and tickets, whose keys each context draws itself) are resumed only by the virtual host that
    // made them, as mod_ssl's per-vhost SSL_CTX and session id context do.
    sessionIdContext: createHash('sha1').update(`${site.loc.file}:${site.loc.line}`).digest('hex').slice(0, 32),
    // A renegotiation for a <Location>'s SSLVerifyClient must be a full handshake, or no certificate is asked for.
    secureOptions: constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
    cert: certs.join('\n'),
    key,
    ...versionRange(site.protocols),
    ...(suites.length > 0 ? { ciphers: suites.join(':') } : {}),
    ...(site.honorCipherOrder ? { honorCipherOrder: true } : {}),
    ...(cas.ca !== undefined ? { ca: cas.ca } : {}),
  };
  try {
    return { ok: true, options, context: tls.createSecureContext(options) };
  } catch (err) {
    const msg = (err as Error).message;
    if (/key values mismatch/i.test(msg)) return { ok: false, error: `the private key in ${keyFile} does not belong to the certificate in ${certFile}` };
    if (/no cipher match/i.test(msg)) return { ok: false, error: `SSLCipherSuite of ${name} matches no cipher: ${suites.join(':')}` };
    return { ok: false, error: `cannot use the certificate ${certFile} and key ${keyFile}: ${msg}` };
  }
}
