// TLS towards https:// and wss:// backends as mod_ssl's SSLProxy* directives set it up. Checked with apache2
// 2.4.71 against local TLS backends:
//   - SSLProxyEngine not On for the server → 500 (plain page; AH00961 "failed to enable ssl support");
//   - the peer's name and expiry are checked even with SSLProxyVerify none, the default (SSLProxyCheckPeerName
//     and SSLProxyCheckPeerExpire default On): a certificate for another name → 500;
//   - SSLProxyVerify require (or optional): the chain must verify against SSLProxyCACertificateFile/Path;
//     a self-signed certificate not in them → 500;
//   - every handshake failure → 500 "Proxy Error", Reason "Error during SSL Handshake with remote server" (AH00898).
// SSLProxyVerifyDepth is accepted but not enforced (Node's TLS client has no depth limit). The system CA store is
// used when require/optional names no CA (httpd would fail every handshake then).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { SslProxySettings, TlsProtocol } from '../modules/ssl/directives.js';

export interface BackendTls {
  /** SSLProxyEngine On. */
  readonly engine: boolean;
  /** Options for tls.connect (without host, port and servername). */
  readonly connect: ConnectionOptions;
  readonly checkName: boolean;
  readonly checkExpire: boolean;
  /** Identifies equal settings, so that connection pools are shared exactly between equal settings. */
  readonly id: string;
}

/** A certificate check tsproxyd makes itself after the handshake (the name and expiry checks of SSLProxyVerify none). */
export class PeerCheckError extends Error {
  readonly code = 'ERR_TSPROXYD_PEER_CHECK';
}

const VERSION_ORDER: readonly TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function readCaPath(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir).sort()) {
    try {
      const text = readFileSync(join(dir, name));
      if (text.includes('-----BEGIN CERTIFICATE-----')) out.push(text);
    } catch {
      // unreadable entries are skipped, as OpenSSL's hashed-directory lookup skips them
    }
  }
  return out;
}

let nextId = 0;
const ids = new Map<string, string>();

/** The settings of one server (or <Location>), merged main → vhost. Files were checked at load (--check). */
export function compileBackendTls(p: SslProxySettings): BackendTls {
  const verify = p.verify ?? 'none';
  const connect: ConnectionOptions = {};
  if (verify === 'require' || verify === 'optional') {
    const ca = [...(p.caCertificateFile ? [readFileSync(p.caCertificateFile)] : []), ...(p.caCertificatePath ? readCaPath(p.caCertificatePath) : [])];
    Object.assign(connect, { rejectUnauthorized: true, ...(ca.length > 0 ? { ca } : {}) });
  } else connect.rejectUnauthorized = false;
  if (p.machineCertificateFile) {
    const pem = readFileSync(p.machineCertificateFile);
    Object.assign(connect, { cert: pem, key: pem });
  }
  if (p.protocols && p.protocols.length > 0) {
    const sorted = [...p.protocols].sort((a, b) => VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b));
    Object.assign(connect, { minVersion: sorted[0], maxVersion: sorted[sorted.length - 1] });
  }
  if (p.cipherSuite?.SSL) connect.ciphers = p.cipherSuite.SSL;
  const checkName = p.checkPeerName ?? p.checkPeerCN ?? true;
  const checkExpire = p.checkPeerExpire ?? true;
  // With verification on, Node checks the name itself; SSLProxyCheckPeerName Off must switch that off too.
  if (connect.rejectUnauthorized && !checkName) connect.checkServerIdentity = () => undefined;
  const key = JSON.stringify({ engine: p.engine === true, verify, p, checkName, checkExpire });
  let id = ids.get(key);
  if (id === undefined) ids.set(key, (id = String(nextId++)));
  return { engine: p.engine === true, connect, checkName, checkExpire, id };
}

export const NO_BACKEND_TLS: BackendTls = compileBackendTls({});

/** The checks httpd makes even without chain verification; undefined when the peer passes. */
export function peerCheck(socket: TLSSocket, t: BackendTls, host: string): PeerCheckError | undefined {
  if (t.connect.rejectUnauthorized && !t.checkExpire && !t.checkName) return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return new PeerCheckError('the backend sent no certificate');
  if (t.checkExpire && Date.parse(cert.valid_to) < Date.now()) return new PeerCheckError(`the backend's certificate expired on ${cert.valid_to}`);
  if (t.checkName && !t.connect.rejectUnauthorized) {
    const err = tls.checkServerIdentity(host, cert);
    if (err) return new PeerCheckError(`the backend's certificate does not match ${host}: ${err.message}`);
  }
  return undefined;
}

/**
 * The SNI name sent to a TLS backend (httpd's conn->ssl_hostname, ap_proxy_determine_connection): with
 * ProxyPreserveHost On the request's host name (lower case, without port and trailing dot), else the backend URL's
 * host; none for an IP address (mod_ssl sends no SNI then). Verified with apache2 2.4.71 (tls-backend-verify).
 */
export function backendServername(backendHost: string, preserveHost: boolean, requestHost: string | undefined): string | undefined {
  const name = preserveHost && requestHost !== undefined ? hostName(requestHost) : backendHost;
  return name === '' || isIP(name.replace(/^\[|\]$/g, '')) !== 0 ? undefined : name;
}

/** "D.Test:8443" → "d.test"; "[::1]:443" → "[::1]". */
function hostName(authority: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)/.exec(authority);
  return (m?.[1] ?? authority).toLowerCase().replace(/\.$/, '');
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_TSPROXYD_PEER_CHECK$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|EPROTO$)/;

/** A TLS handshake or certificate failure (httpd's 500 "Error during SSL Handshake with remote server"). */
export function isTlsFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_CODE.test(code);
}
