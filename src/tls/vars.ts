// mod_ssl's variables (ssl_engine_vars.c) for a TLS connection: what `%{SSL:NAME}` in RewriteCond, `%{NAME}s` in
// RequestHeader/Header and `%{HTTPS}` read. Names and formats as httpd 2.4 writes them: DNs in RFC 2253 order
// ("CN=client,O=Example"), dates as OpenSSL prints them ("Nov 22 04:00:00 2026 GMT"), serials in upper-case hex,
// SSL_CLIENT_VERIFY NONE | SUCCESS | FAILED:reason | GENERIC. Unknown names are undefined (httpd's empty string).
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';

type Lookup = (socket: TLSSocket) => string | undefined;

/**
 * httpd's variables are byte strings: a non-ASCII value reaches a header or a regex as its UTF-8 bytes. tsproxyd
 * writes header text as latin1 (one char = one byte), so a value is handed over as its UTF-8 bytes, one char each.
 */
const utf8Bytes = (s: string): string => (/[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s);

/**
 * "C=US\nO=Example\nCN=client" (the order in the certificate) → "CN=client,O=Example,C=US" (RFC 2253, as httpd's
 * XN_FLAG_RFC2253 without ASN1_STRFLGS_ESC_MSB: specials escaped, UTF-8 kept).
 */
function rfc2253(multiline: string): string {
  return utf8Bytes(multiline.split('\n').filter((l) => l !== '').reverse().join(','));
}

/**
 * The attribute names httpd knows for SSL_*_DN_x (ssl_var_lookup_ssl_cert_dn_rec), mapped to the short names
 * OpenSSL prints in the DN Node gives. Others are undefined, as in httpd.
 */
const DN_ATTRIBUTES = new Map<string, string>([
  ['C', 'C'], ['ST', 'ST'], ['SP', 'ST'], ['L', 'L'], ['O', 'O'], ['OU', 'OU'], ['CN', 'CN'], ['T', 'title'],
  ['I', 'initials'], ['G', 'GN'], ['S', 'SN'], ['D', 'description'], ['UID', 'x500UniqueIdentifier'], ['Email', 'emailAddress'],
]);

/**
 * Undoes the RFC 2253 escaping in a value of Node's DN text ("Example\, Inc." → "Example, Inc."; "\C3\A9" → "é"):
 * httpd gives an attribute's value as its plain UTF-8 string.
 */
function unescapeDnValue(v: string): string {
  if (!v.includes('\\')) return v;
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\' && i + 1 < v.length) {
      const hex = v.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(v[i + 1]!, 'utf8'));
        i += 1;
      }
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * One attribute of a DN as httpd's SSL_CLIENT_S_DN_CN: the first one in certificate order, or the `index`-th
 * (SSL_CLIENT_S_DN_OU_1) when the attribute repeats; unescaped.
 */
function dnPart(multiline: string, key: string, index: number): string | undefined {
  let n = index;
  for (const line of multiline.split('\n')) {
    if (line.startsWith(`${key}=`) && n-- === 0) return utf8Bytes(unescapeDnValue(line.slice(key.length + 1)));
  }
  return undefined;
}

const certCache = new WeakMap<object, X509Certificate>();
function x509(cert: PeerCertificate | undefined): X509Certificate | undefined {
  if (cert === undefined || cert === null || cert.raw === undefined) return undefined;
  let x = certCache.get(cert);
  if (x === undefined) certCache.set(cert, (x = new X509Certificate(cert.raw)));
  return x;
}

function peer(s: TLSSocket): PeerCertificate | undefined {
  const c = s.getPeerCertificate(false) as PeerCertificate | null;
  return c !== null && c.raw !== undefined ? c : undefined;
}

function own(s: TLSSocket): PeerCertificate | undefined {
  const c = s.getCertificate() as PeerCertificate | object | null;
  return c !== null && 'raw' in c ? c : undefined;
}

function keySize(cipher: string): string | undefined {
  if (/CHACHA20/.test(cipher)) return '256';
  const m = /AES_?(\d{3})|CAMELLIA(\d{3})/.exec(cipher);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Node names a failed verification by the X509_V_ERR_ code ("DEPTH_ZERO_SELF_SIGNED_CERT"); httpd writes
 * SSL_CLIENT_VERIFY as "FAILED:" + X509_verify_cert_error_string(), OpenSSL 3.0's text for that code.
 */
const VERIFY_ERROR_TEXT = new Map<string, string>([
  ['UNABLE_TO_GET_ISSUER_CERT', 'unable to get issuer certificate'],
  ['UNABLE_TO_GET_CRL', 'unable to get certificate CRL'],
  ['UNABLE_TO_DECRYPT_CERT_SIGNATURE', "unable to decrypt certificate's signature"],
  ['UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'unable to decode issuer public key'],
  ['CERT_SIGNATURE_FAILURE', 'certificate signature failure'],
  ['CERT_NOT_YET_VALID', 'certificate is not yet valid'],
  ['CERT_HAS_EXPIRED', 'certificate has expired'],
  ['ERROR_IN_CERT_NOT_BEFORE_FIELD', "format error in certificate's notBefore field"],
  ['ERROR_IN_CERT_NOT_AFTER_FIELD', "format error in certificate's notAfter field"],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
  ['CERT_CHAIN_TOO_LONG', 'certificate chain too long'],
  ['CERT_REVOKED', 'certificate revoked'],
  ['INVALID_CA', 'invalid CA certificate'],
  ['PATH_LENGTH_EXCEEDED', 'path length constraint exceeded'],
  ['INVALID_PURPOSE', 'unsupported certificate purpose'],
  ['CERT_UNTRUSTED', 'certificate not trusted'],
  ['CERT_REJECTED', 'certificate rejected'],
]);

/** SSL_*_A_KEY: the public key's algorithm as OpenSSL names it (OBJ_nid2ln). */
const KEY_ALGORITHMS = new Map<string, string>([
  ['rsa', 'rsaEncryption'], ['rsa-pss', 'rsassaPss'], ['dsa', 'dsaEncryption'], ['ec', 'id-ecPublicKey'], ['ed25519', 'ED25519'], ['ed448', 'ED448'],
]);

const PEM = (raw: Buffer): string => `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** The certificate variables of one side: SSL_CLIENT_* (the peer) or SSL_SERVER_* (our own). */
function certVars(prefix: 'SSL_CLIENT_' | 'SSL_SERVER_', get: (s: TLSSocket) => PeerCertificate | undefined): Map<string, Lookup> {
  const m = new Map<string, Lookup>();
  const x = (s: TLSSocket) => x509(get(s));
  m.set(`${prefix}S_DN`, (s) => {
    const c = x(s);
    return c && rfc2253(c.subject);
  });
  m.set(`${prefix}I_DN`, (s) => {
    const c = x(s);
    return c && rfc2253(c.issuer);
  });
  m.set(`${prefix}M_SERIAL`, (s) => get(s)?.serialNumber?.toUpperCase());
  m.set(`${prefix}M_VERSION`, (s) => {
    const c = x(s);
    return c && '3'; // every certificate Node accepts here is X.509v3
  });
  m.set(`${prefix}V_START`, (s) => get(s)?.valid_from);
  m.set(`${prefix}V_END`, (s) => get(s)?.valid_to);
  m.set(`${prefix}A_KEY`, (s) => {
    const type = x(s)?.publicKey.asymmetricKeyType;
    return type && (KEY_ALGORITHMS.get(type) ?? type);
  });
  m.set(`${prefix}CERT`, (s) => {
    const c = get(s);
    return c && PEM(c.raw);
  });
  if (prefix === 'SSL_CLIENT_') {
    m.set('SSL_CLIENT_V_REMAIN', (s) => {
      const c = get(s);
      return c && String(Math.max(0, Math.floor((Date.parse(c.valid_to) - Date.now()) / 86_400_000)));
    });
  }
  return m;
}

const TABLE = new Map<string, Lookup>([
  ['HTTPS', () => 'on'],
  ['SSL_PROTOCOL', (s) => s.getProtocol() ?? undefined],
  ['SSL_CIPHER', (s) => s.getCipher()?.name],
  ['SSL_CIPHER_EXPORT', () => 'false'],
  ['SSL_CIPHER_USEKEYSIZE', (s) => keySize(s.getCipher()?.name ?? '')],
  ['SSL_CIPHER_ALGKEYSIZE', (s) => keySize(s.getCipher()?.name ?? '')],
  ['SSL_SESSION_RESUMED', (s) => (s.isSessionReused() ? 'Resumed' : 'Initial')],
  ['SSL_TLS_SNI', (s) => {
    const n = (s as TLSSocket & { servername?: string | false }).servername;
    return typeof n === 'string' ? n : undefined;
  }],
  // RFC 5746 support, which every current client announces (httpd says "true" over TLS 1.3 as well); Node has no
  // call for SSL_get_secure_renegotiation_support.
  ['SSL_SECURE_RENEG', () => 'true'],
  ['SSL_COMPRESS_METHOD', () => 'NULL'],
  ['SSL_VERSION_INTERFACE', () => 'tsproxyd'],
  ['SSL_VERSION_LIBRARY', () => `OpenSSL/${process.versions.openssl}`],
  ['SSL_CLIENT_VERIFY', (s) => {
    if (peer(s) === undefined) return 'NONE';
    if (s.authorized) return 'SUCCESS';
    const why = s.authorizationError;
    return why ? `FAILED:${VERIFY_ERROR_TEXT.get(String(why)) ?? String(why)}` : 'GENERIC';
  }],
  ...certVars('SSL_CLIENT_', peer),
  ...certVars('SSL_SERVER_', own),
]);

/** The DN attribute names mod_ssl's StdEnvVars exports (ssl_var_lookup_ssl_cert_dn_rec with `extract` set: not SP). */
export const EXPORTED_DN_ATTRIBUTES: readonly string[] = [...DN_ATTRIBUTES.keys()].filter((k) => k !== 'SP');

/** SSL_SERVER_SAN_DNS_0, SSL_CLIENT_SAN_Email_1: one subjectAltName entry of a type (ssl_var_lookup_ssl_cert_san). */
const SAN = /^SSL_(CLIENT|SERVER)_SAN_(DNS|Email)_(\d+)$/;
const SAN_PREFIX = { DNS: 'DNS:', Email: 'email:' } as const;

function sanEntry(c: X509Certificate, type: 'DNS' | 'Email', index: number): string | undefined {
  const prefix = SAN_PREFIX[type];
  const entries = (c.subjectAltName ?? '').split(', ').filter((e) => e.startsWith(prefix));
  const v = entries[index];
  return v === undefined ? undefined : utf8Bytes(v.slice(prefix.length));
}

/** SSL_CLIENT_S_DN_CN, SSL_SERVER_I_DN_O, SSL_CLIENT_S_DN_OU_1, …_RAW: one attribute of a DN. */
const DN_PART = /^SSL_(CLIENT|SERVER)_([SI])_DN_([A-Za-z]+)(?:_(\d+))?(?:_RAW)?$/;

export function sslVariable(socket: TLSSocket, name: string): string | undefined {
  const f = TABLE.get(name);
  if (f !== undefined) return f(socket);
  const san = SAN.exec(name);
  if (san !== null) {
    const c = x509(san[1] === 'CLIENT' ? peer(socket) : own(socket));
    return c && sanEntry(c, san[2] as 'DNS' | 'Email', Number(san[3]));
  }
  const m = DN_PART.exec(name);
  if (m === null) return undefined;
  const c = x509(m[1] === 'CLIENT' ? peer(socket) : own(socket));
  if (c === undefined) return undefined;
  const key = DN_ATTRIBUTES.get(m[3]!);
  if (key === undefined) return undefined;
  return dnPart(m[2] === 'S' ? c.subject : c.issuer, key, m[4] === undefined ? 0 : Number(m[4]));
}

