// Sends exact request bytes over a fresh TCP connection and parses the answer by hand (no HTTP library between
// the test and the server): interim 1xx responses, the status line, header fields in order with their case, the
// body (Content-Length, chunked with trailers, or up to the close), with a deadline. HEAD and 1xx/204/304 have no
// body. With `continueWaitMs` the head is sent first and the body only after a 100 Continue (or the wait).
// With `after`, the connection stays open once the response is complete (a 101's head, or a whole refusal): the
// client sends more bytes (into the tunnel, or a smuggling probe after a refused upgrade) and keeps what comes back.
// Bytes after the request head in `bytes` (a "pre-payload") go out in the same write as the head.
// With `tls` the same happens over TLS (https/wss listeners): the server's certificate is not verified, but what
// the handshake showed is recorded: the certificate's CN (which one SNI selected) and the chain the server sent, the
// protocol, cipher and ALPN agreed, whether an offered session was resumed, and any TLS alert.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';

export type Field = readonly [string, string];

export interface RawHead {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly Field[];
}

export interface RawResponse extends Partial<RawHead> {
  /** 1xx responses before the final one. */
  readonly interim: readonly RawHead[];
  readonly body: Buffer;
  readonly trailers: readonly Field[];
  /** Why there is no complete response: timeout, closed early, parse error. */
  readonly error?: string;
  readonly raw: Buffer;
  readonly durationMs: number;
  /** With `after`: the bytes that came back after the response, and whether the server closed within the wait. */
  readonly after?: AfterResponse;
  /** Over TLS: what the handshake showed. */
  readonly tls?: TlsResponse;
}

export interface TlsClientOptions {
  /** SNI; none when undefined (Node sends none for an IP address). */
  readonly servername?: string;
  /** A client certificate and key (PEM). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly alpn?: readonly string[];
  /** Protocol bounds and TLS 1.2 cipher list to offer (Node's minVersion, maxVersion, ciphers). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  /** A session to resume (from tlsSession()). */
  readonly session?: Buffer;
}

export interface TlsResponse {
  /** The handshake completed (from the client's side). */
  readonly handshake: boolean;
  /** The subject CN of the certificate the server presented. */
  readonly peerCN?: string;
  /** Subject CNs of every certificate the server sent (leaf first): the chain, SSLCertificateChainFile. */
  readonly chain?: readonly string[];
  readonly protocol?: string;
  /** The cipher suite agreed (OpenSSL's name). */
  readonly cipher?: string;
  /** The ALPN protocol agreed, if any. */
  readonly alpn?: string;
  /** The TLS alert the server sent, as OpenSSL names it ("certificate required"), if any. */
  readonly alert?: string;
  /** With `session`: the server resumed it (no full handshake). */
  readonly resumed?: boolean;
}

/**
 * A TLS session from the server (a TLS 1.3 ticket, or a TLS 1.2 session), from a handshake that sends no request:
 * what a browser keeps to resume its next connection. Undefined when the server issued none within 2 s.
 */
export function tlsSession(opts: { readonly host?: string; readonly port: number; readonly tls: TlsClientOptions }): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const t = opts.tls;
    let session: Buffer | undefined;
    const socket = tlsConnect({
      host: opts.host ?? '127.0.0.1',
      port: opts.port,
      rejectUnauthorized: false,
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
      ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
      ...(t.minVersion ? { minVersion: t.minVersion } : {}),
      ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
    });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(session);
    };
    const timer = setTimeout(done, 2000);
    socket.on('session', (s: Buffer) => {
      session = s;
      setTimeout(done, 50); // TLS 1.3 servers may send more than one ticket: keep the last
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

export interface AfterResponse {
  readonly back: Buffer;
  readonly closed: boolean;
}

export interface SendOptions {
  readonly host?: string;
  readonly port: number;
  readonly bytes: Buffer;
  /** The request's method (no body for HEAD). */
  readonly method: string;
  readonly timeoutMs?: number;
  /** Send the head, then the body after "100 Continue" or after this many ms, whichever first. */
  readonly continueWaitMs?: number;
  /**
   * Once the response is complete, send `send` and collect what comes back until the server closes, `waitMs`
   * passes, or `untilBytes` bytes have come back.
   */
  readonly after?: { readonly send: Buffer; readonly waitMs: number; readonly untilBytes?: number };
  /** Speak TLS (certificate not verified). */
  readonly tls?: TlsClientOptions;
}

/** "…:tlsv13 alert certificate required:…" → "certificate required". */
export function tlsAlertOf(message: string): string | undefined {
  return /(?:sslv3|tlsv1[0-9]*) alert ([a-z ]+)/i.exec(message)?.[1]?.trim();
}

interface Parsed {
  readonly interim: RawHead[];
  readonly final?: RawHead;
  readonly body: Buffer;
  readonly trailers: Field[];
  readonly complete: boolean;
  /** Where the final response ends in the buffer (for a 101: its head; later bytes belong to the new protocol). */
  readonly end: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

function parseHead(text: string): RawHead | string {
  const lines = text.split('\r\n');
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) return `bad status line ${JSON.stringify(lines[0])}`;
  const headers: Field[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `bad header line ${JSON.stringify(line)}`;
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { version: m[1] as string, status: Number(m[2]), reason: m[3] ?? '', headers };
}

function header(h: RawHead, name: string): string | undefined {
  return h.headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** Parses as much of a response as `buf` holds; `closed` says no more bytes will come. Exported for tests. */
export function parseResponse(buf: Buffer, method: string, closed: boolean): Parsed | string {
  const interim: RawHead[] = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf(CRLFCRLF, pos);
    if (end < 0) return { interim, body: Buffer.alloc(0), trailers: [], complete: false, end: buf.length };
    const head = parseHead(buf.subarray(pos, end).toString('latin1'));
    if (typeof head === 'string') return head;
    pos = end + 4;
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      interim.push(head);
      continue;
    }
    const rest = buf.subarray(pos);
    if (method === 'HEAD' || head.status === 204 || head.status === 304 || head.status === 101) {
      return { interim, final: head, body: Buffer.alloc(0), trailers: [], complete: true, end: pos };
    }
    const te = header(head, 'transfer-encoding');
    if (te !== undefined && /chunked\s*$/i.test(te)) {
      const chunks: Buffer[] = [];
      let p = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', p);
        if (lineEnd < 0) return { interim, final: head, body: Buffer.concat(chunks), trailers: [], complete: false, end: buf.length };
        const size = parseInt(rest.subarray(p, lineEnd).toString('latin1').split(';')[0] as string, 16);
        if (Number.isNaN(size)) return 'bad chunk size';
        p = lineEnd + 2;
        if (size === 0) {
          const trailers: Field[] = [];
          for (;;) {
            const tEnd = rest.indexOf('\r\n', p);
            if (tEnd < 0) return { interim, final: head, body: Buffer.concat(chunks), trailers, complete: false, end: buf.length };
            const line = rest.subarray(p, tEnd).toString('latin1');
            p = tEnd + 2;
            if (line === '') return { interim, final: head, body: Buffer.concat(chunks), trailers, complete: true, end: pos + p };
            const colon = line.indexOf(':');
            trailers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
          }
        }
        if (rest.length < p + size + 2) return { interim, final: head, body: Buffer.concat(chunks), trailers: [], complete: false, end: buf.length };
        chunks.push(rest.subarray(p, p + size));
        p += size + 2;
      }
    }
    const cl = header(head, 'content-length');
    if (cl !== undefined) {
      const n = Number(cl);
      return { interim, final: head, body: rest.subarray(0, n), trailers: [], complete: rest.length >= n, end: Math.min(buf.length, pos + n) };
    }
    return { interim, final: head, body: rest, trailers: [], complete: closed, end: buf.length };
  }
}

export function sendRaw(opts: SendOptions): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    let bodySent = opts.continueWaitMs === undefined;
    const host = opts.host ?? '127.0.0.1';
    const t = opts.tls;
    let tlsSeen: { handshake: boolean; peerCN?: string; chain?: string[]; protocol?: string; cipher?: string; alpn?: string; alert?: string; resumed?: boolean } | undefined;
    const socket: Socket = t
      ? tlsConnect({
          host,
          port: opts.port,
          rejectUnauthorized: false,
          ...(t.servername !== undefined ? { servername: t.servername } : {}),
          ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
          ...(t.alpn ? { ALPNProtocols: [...t.alpn] } : {}),
          ...(t.minVersion ? { minVersion: t.minVersion } : {}),
          ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
          ...(t.ciphers ? { ciphers: t.ciphers } : {}),
          ...(t.session ? { session: t.session } : {}),
        })
      : connect({ host, port: opts.port });
    if (t) tlsSeen = { handshake: false };
    const split = opts.bytes.indexOf(CRLFCRLF);
    const headBytes = split < 0 ? opts.bytes : opts.bytes.subarray(0, split + 4);
    const bodyBytes = split < 0 ? Buffer.alloc(0) : opts.bytes.subarray(split + 4);
    let continueTimer: NodeJS.Timeout | undefined;

    let responded: Parsed | undefined; // the complete response, once the `after` phase has begun
    let afterTimer: NodeJS.Timeout | undefined;

    const settle = (p: Parsed | string, raw: Buffer, error?: string, after?: AfterResponse): void => {
      settled = true;
      clearTimeout(timer);
      if (continueTimer) clearTimeout(continueTimer);
      if (afterTimer) clearTimeout(afterTimer);
      socket.destroy();
      const durationMs = Date.now() - started;
      const tls = tlsSeen ? { tls: { ...tlsSeen } } : {};
      if (typeof p === 'string') {
        resolve({ interim: [], body: Buffer.alloc(0), trailers: [], error: `unparsable response: ${p}`, raw, durationMs, ...tls });
        return;
      }
      const why = error ?? (p.final === undefined ? (raw.length ? 'connection closed in the response head' : 'connection closed without a response') : !p.complete ? 'connection closed in the body' : undefined);
      resolve({ ...(p.final ?? {}), interim: p.interim, body: p.body, trailers: p.trailers, ...(why ? { error: why } : {}), raw, durationMs, ...(after ? { after } : {}), ...tls });
    };
    /** The `after` phase: done when the server closes, the wait is over, or enough bytes came back. */
    const finishAfter = (closed: boolean, waited: boolean): void => {
      if (settled || !responded || !opts.after) return;
      const raw = Buffer.concat(chunks);
      const back = raw.subarray(responded.end);
      const enough = opts.after.untilBytes !== undefined && back.length >= opts.after.untilBytes;
      if (closed || waited || enough) settle(responded, raw.subarray(0, responded.end), undefined, { back, closed });
    };
    const finish = (closed: boolean, error?: string): void => {
      if (settled) return;
      if (responded) {
        finishAfter(closed || error !== undefined, false);
        return;
      }
      const raw = Buffer.concat(chunks);
      const p = parseResponse(raw, opts.method, closed);
      if (typeof p !== 'string' && !p.complete && !closed && error === undefined) return;
      if (opts.after && typeof p !== 'string' && p.complete && !closed && error === undefined) {
        responded = p;
        clearTimeout(timer);
        socket.write(opts.after.send);
        afterTimer = setTimeout(() => finishAfter(false, true), opts.after.waitMs);
        finishAfter(false, false);
        return;
      }
      settle(p, raw, error, opts.after && typeof p !== 'string' && p.complete ? { back: Buffer.alloc(0), closed: true } : undefined);
    };
    const sendBody = (): void => {
      if (bodySent || settled) return;
      bodySent = true;
      if (bodyBytes.length) socket.write(bodyBytes);
    };

    const timer = setTimeout(() => finish(false, `no complete response within ${opts.timeoutMs ?? 10_000} ms`), opts.timeoutMs ?? 10_000);
    // once: a TLS 1.2 renegotiation (a <Location>'s SSLVerifyClient) emits 'secureConnect' again, and the request
    // must not be sent a second time.
    socket.once(t ? 'secureConnect' : 'connect', () => {
      if (t && tlsSeen) {
        const s = socket as TLSSocket;
        const leaf = s.getPeerCertificate(true);
        const cn = leaf?.subject?.CN;
        tlsSeen.handshake = true;
        if (typeof cn === 'string') tlsSeen.peerCN = cn;
        // Node links each certificate the server sent to its issuer among them; a self-signed one links to itself.
        const chain: string[] = [];
        for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw !== undefined && chain.length < 10; c = c.issuerCertificate === c ? undefined : c.issuerCertificate) {
          chain.push(String(c.subject?.CN ?? '?'));
        }
        tlsSeen.chain = chain;
        const protocol = s.getProtocol();
        if (protocol) tlsSeen.protocol = protocol;
        const cipher = s.getCipher()?.name;
        if (cipher) tlsSeen.cipher = cipher;
        if (t.session) tlsSeen.resumed = s.isSessionReused();
        if (typeof s.alpnProtocol === 'string') tlsSeen.alpn = s.alpnProtocol;
      }
      if (opts.continueWaitMs === undefined) {
        socket.write(opts.bytes);
        return;
      }
      socket.write(headBytes);
      continueTimer = setTimeout(sendBody, opts.continueWaitMs);
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!bodySent) {
        const p = parseResponse(Buffer.concat(chunks), opts.method, false);
        if (typeof p !== 'string' && (p.interim.some((h) => h.status === 100) || p.final)) {
          if (p.final === undefined) sendBody();
          else bodySent = true; // a final answer without 100: the body is not wanted
        }
      }
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e: Error) => {
      const alert = tlsSeen ? tlsAlertOf(e.message) : undefined;
      if (tlsSeen && alert !== undefined) tlsSeen.alert = alert;
      finish(true, chunks.length ? undefined : `socket error: ${e.message}`);
    });
  });
}
