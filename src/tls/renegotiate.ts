// mod_ssl's renegotiation for a <Location>'s SSLVerifyClient (ssl_hook_Access) over TLS 1.2: the server asks the
// client for a certificate in a new handshake on the same connection, then the request is routed again, now with the
// certificate (dir.ts decides). Verified with apache2 2.4.71 (tls-client-location/admin-tls12-cert: SUCCESS). The
// connection keeps the new mode for its next requests. Over TLS 1.3, or when the handshake fails or times out, the
// 403 stands.
import type { TLSSocket } from 'node:tls';
import type { VerifyMode } from '../modules/ssl/directives.js';
import type { Decision } from '../route/types.js';

const modes = new WeakMap<TLSSocket, VerifyMode>();

/** The client-certificate mode a renegotiation gave this connection, if any. */
export function renegotiatedMode(socket: TLSSocket): VerifyMode | undefined {
  return modes.get(socket);
}

function renegotiate(socket: TLSSocket, mode: VerifyMode, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (typeof socket.renegotiate !== 'function' || socket.getProtocol() !== 'TLSv1.2') return resolve(false);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    // `require`: OpenSSL fails the new handshake without a certificate (the `handshake failure` alert, as httpd's),
    // and Node drops the connection when the certificate does not verify.
    const started = socket.renegotiate({ requestCert: true, rejectUnauthorized: mode === 'require' }, (err) => {
      clearTimeout(timer);
      if (!err) modes.set(socket, mode);
      resolve(!err);
    });
    if (!started) {
      clearTimeout(timer);
      resolve(false);
    }
  });
}

/**
 * `refused` carries `renegotiate`: renegotiate, then route again (`reroute` builds the facts anew). What comes back
 * never asks for another renegotiation: a second one is the 403 it stands for.
 */
export async function afterRenegotiation(socket: TLSSocket, refused: Extract<Decision, { kind: 'respond' }>, reroute: () => Decision | Promise<Decision>, timeoutMs: number): Promise<Decision> {
  const { renegotiate: mode, ...plain } = refused;
  if (mode === undefined || !(await renegotiate(socket, mode, timeoutMs))) return plain;
  const again = await reroute();
  if (again.kind !== 'respond' || again.renegotiate === undefined) return again;
  const { renegotiate: _twice, ...forbidden } = again;
  return forbidden;
}
