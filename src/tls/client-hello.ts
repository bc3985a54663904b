// What the first bytes of a connection on a TLS port are, before OpenSSL sees them: a TLS handshake (and the SNI
// name its ClientHello carries), plain HTTP (OpenSSL's SSL_R_HTTP_REQUEST test, which mod_ssl answers with its 400
// page), or something else (left to OpenSSL, which fails it). Pure.
//
// The SNI name is read here so that a connection can be given its virtual host's own SecureContext from the start
// (certificate chain, session-ticket keys and session id context, client-certificate mode): Node's SNICallback only
// swaps the certificate, key and a non-empty chain, after session resumption has been decided.

export type FirstBytes =
  | { readonly kind: 'more' }
  /** read: the ClientHello was read from its first record; servername: its host_name, if any. */
  | { readonly kind: 'tls'; readonly read: boolean; readonly servername: string | undefined }
  | { readonly kind: 'http' }
  | { readonly kind: 'other' };

const MORE: FirstBytes = { kind: 'more' };
const UNREAD = { kind: 'tls', read: false, servername: undefined } as const;
const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME = 0x0000;
const HOST_NAME = 0x00;
/** A TLS record's payload is at most 2^14 bytes (+ 2048 of expansion for protected records). */
const MAX_RECORD = 16384 + 2048;
/** OpenSSL's ssl3_get_record looks at the first 5 bytes of a first record that is not TLS. */
const HTTP_PREFIXES = ['GET ', 'POST ', 'HEAD ', 'PUT '].map((p) => Buffer.from(p, 'latin1'));

export function classifyFirstBytes(buf: Buffer): FirstBytes {
  if (buf.length < 5) return MORE;
  if (buf[0] !== HANDSHAKE) return HTTP_PREFIXES.some((p) => buf.subarray(0, p.length).equals(p)) ? { kind: 'http' } : { kind: 'other' };
  const length = buf.readUInt16BE(3);
  if (length > MAX_RECORD) return UNREAD;
  if (buf.length < 5 + length) return MORE;
  const sni = sniOf(buf.subarray(5, 5 + length));
  return typeof sni === 'object' ? sni : { kind: 'tls', read: true, servername: sni };
}

/** The host_name of a ClientHello that fits in this record's payload (undefined: none); UNREAD otherwise. */
function sniOf(msg: Buffer): string | undefined | typeof UNREAD {
  if (msg.length < 4 || msg[0] !== CLIENT_HELLO) return UNREAD;
  const end = 4 + msg.readUIntBE(1, 3);
  if (end > msg.length) return UNREAD; // fragmented over several records: not read here
  let p = 4 + 2 + 32; // client_version, random
  const skip = (lengthBytes: 1 | 2): boolean => {
    if (p + lengthBytes > end) return false;
    p += lengthBytes + msg.readUIntBE(p, lengthBytes);
    return p <= end;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return UNREAD; // session_id, cipher_suites, compression_methods
  if (p + 2 > end) return undefined; // no extensions
  const extEnd = Math.min(end, p + 2 + msg.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = msg.readUInt16BE(p);
    const len = msg.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) return UNREAD;
    if (type === SERVER_NAME) return hostName(msg.subarray(p, p + len)) ?? UNREAD;
    p += len;
  }
  return undefined;
}

/** server_name extension: a list of (name_type, name); the host_name entry. */
function hostName(ext: Buffer): string | undefined {
  if (ext.length < 2) return undefined;
  const end = Math.min(ext.length, 2 + ext.readUInt16BE(0));
  let p = 2;
  while (p + 3 <= end) {
    const type = ext[p]!;
    const len = ext.readUInt16BE(p + 1);
    p += 3;
    if (p + len > end) return undefined;
    if (type === HOST_NAME) return ext.subarray(p, p + len).toString('latin1');
    p += len;
  }
  return undefined;
}
