// In front of a tls.Server: reads a connection's first bytes before TLS starts (client-hello.ts), then
//  - plain HTTP (OpenSSL's test: "GET ", "POST ", "HEAD ", "PUT ") is answered in plain text, as mod_ssl does:
//    400 "You're speaking plain HTTP to an SSL-enabled server port", Connection: close (verified with apache2
//    2.4.71: at once after 5 bytes, whatever follows; other methods get the connection closed by OpenSSL);
//  - a TLS handshake goes to Node's own connection listener with the SecureContext and client-certificate mode of
//    the virtual host its SNI name selects (else the address default's), so that each vhost sends its own chain,
//    resumes only its own sessions and asks for client certificates itself (OpenSSL then sends the alerts).
// Node documents that a tls.Server takes connections through its 'connection' event; its listener reads the
// server's credentials and client-certificate options when it wraps the socket, synchronously, which is where the
// connection's own are put in for the call.
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import { classifyFirstBytes } from './client-hello.js';

/** What a connection's handshake uses (listener.ts). */
export interface ConnectionTls {
  readonly secureContext: tls.SecureContext;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

export interface GateOptions {
  /** The settings for the SNI name a ClientHello carried (undefined: none); undefined: the server's own. */
  readonly connectionTls: (servername: string | undefined) => ConnectionTls | undefined;
  /** Plain HTTP on the TLS port: answer it (the socket is the raw TCP connection). */
  readonly plainHttp: (socket: Socket) => void;
  /** How long the first bytes may take (httpd's Timeout). */
  readonly timeoutMs: () => number;
}

type Wrap = (this: tls.Server, socket: Socket) => void;
/** The fields of a tls.Server its connection listener reads for a new TLSSocket (node lib/_tls_wrap.js). */
type Creds = { _sharedCreds?: tls.SecureContext; requestCert?: boolean; rejectUnauthorized?: boolean };

export function gateTlsConnections(server: tls.Server, o: GateOptions): void {
  const wraps = server.listeners('connection') as Wrap[]; // Node's tlsConnectionListener
  server.removeAllListeners('connection');
  const fields = server as unknown as Creds;
  const canSwap = '_sharedCreds' in fields;
  const hand = (socket: Socket, c: ConnectionTls | undefined): void => {
    if (c === undefined || !canSwap) {
      for (const w of wraps) w.call(server, socket);
      return;
    }
    const saved: Creds = { _sharedCreds: fields._sharedCreds, requestCert: fields.requestCert, rejectUnauthorized: fields.rejectUnauthorized };
    Object.assign(fields, { _sharedCreds: c.secureContext, requestCert: c.requestCert, rejectUnauthorized: c.rejectUnauthorized });
    try {
      for (const w of wraps) w.call(server, socket);
    } finally {
      Object.assign(fields, saved);
    }
  };
  server.on('connection', (socket: Socket) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    const onEnd = (): void => {
      done();
      socket.destroy();
    };
    const onTimeout = onEnd;
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const first = classifyFirstBytes(buf);
      if (first.kind === 'more') return;
      done();
      if (first.kind === 'http') return o.plainHttp(socket);
      socket.pause();
      socket.unshift(buf); // Node's TLSSocket feeds what the socket buffered to OpenSSL first
      // A ClientHello not read here (split over records) gets the server's defaults and Node's SNICallback.
      hand(socket, first.kind === 'tls' && first.read ? o.connectionTls(first.servername) : undefined);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.setTimeout(o.timeoutMs(), onTimeout);
  });
}
