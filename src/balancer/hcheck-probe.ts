// One health check's network part (mod_proxy_hcheck.c hc_check_tcp, hc_check_http; hcmethod=WS is tsproxyd's):
//   TCP                 a TCP connection can be made (no TLS handshake, as httpd), then closed;
//   OPTIONS HEAD GET    httpd's request, byte for byte ("GET /path/hcuri HTTP/1.0", "Host: host:port", no other
//   (…11: HTTP/1.1)     field; OPTIONS asks for "*"), over TLS for https/wss members; the status line and header
//                       fields are read, then the body (Content-Length, chunked, or up to the close; not for HEAD
//                       and OPTIONS, which httpd treats as header-only), and the connection is closed;
//   WS                  a WebSocket handshake (the `ws` package) to ws(s)://host:port/path/hcuri, then — when the
//                       member has ping= — a ping that must be answered by a pong within it, then a clean close.
// Every probe ends within its time limit, never throws, and leaves no socket open: a refused connection, a reset,
// a malformed answer or the limit is a failed check with a reason. `signal` aborts it (the checker stopping).
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { peerCheck, type BackendTls } from '../proxy/backend-tls.js';
import type { HcMethod } from '../modules/proxy/worker-params.js';
import type { HcResponse } from './hcheck-cond.js';

export interface ProbeSpec {
  readonly method: Exclude<HcMethod, 'NONE'>;
  readonly scheme: 'http' | 'https' | 'ws' | 'wss';
  readonly host: string;
  readonly port: number;
  /** The request-target of an HTTP or WS check ("/health"); OPTIONS sends "*". */
  readonly target: string;
  readonly connectTimeoutMs: number;
  /** The whole check, connection included. */
  readonly timeoutMs: number;
  /** WS: ping= (a ping must be answered within it); undefined: no ping. */
  readonly pingMs?: number;
  /** SSLProxy* of the server the balancer belongs to, for https/wss members. */
  readonly tls: BackendTls;
}

export type ProbeResult = { readonly ok: true; readonly response?: HcResponse } | { readonly ok: false; readonly reason: string };

/** The most of a body kept for hc('body'); the rest is read and dropped. */
const MAX_BODY = 1 << 20;
const MAX_HEAD = 64 * 1024;

const secure = (s: ProbeSpec): boolean => s.scheme === 'https' || s.scheme === 'wss';
const hostHeader = (s: ProbeSpec): string => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;

export function probe(spec: ProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  if (signal.aborted) return Promise.resolve({ ok: false, reason: 'stopped' });
  if (spec.method === 'WS') return probeWs(spec, signal);
  const tcp = spec.method === 'TCP';
  if (!tcp && secure(spec) && !spec.tls.engine) return Promise.resolve({ ok: false, reason: 'SSLProxyEngine is not On (httpd: "mod_ssl not configured?")' });
  return new Promise<ProbeResult>((resolve) => {
    let socket: Socket | undefined;
    let finished = false;
    const finish = (r: ProbeResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(overall);
      clearTimeout(connecting);
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'stopped' });
    const overall = setTimeout(() => finish({ ok: false, reason: `no answer within ${spec.timeoutMs} ms` }), spec.timeoutMs);
    const connecting = setTimeout(() => finish({ ok: false, reason: `not connected within ${spec.connectTimeoutMs} ms` }), spec.connectTimeoutMs);
    overall.unref();
    connecting.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    const onConnected = (): void => {
      clearTimeout(connecting);
      if (tcp) return finish({ ok: true });
      const conn = socket!;
      if (secure(spec)) {
        const bad = peerCheck(conn as tls.TLSSocket, spec.tls, spec.host);
        if (bad !== undefined) return finish({ ok: false, reason: bad.message });
      }
      const protocol = spec.method.endsWith('11') ? 'HTTP/1.1' : 'HTTP/1.0';
      const method = spec.method.replace(/11$/, '');
      conn.write(`${method} ${method === 'OPTIONS' ? '*' : spec.target} ${protocol}\r\nHost: ${hostHeader(spec)}\r\n\r\n`, 'latin1');
      readResponse(conn, method !== 'GET', (r) => finish(typeof r === 'string' ? { ok: false, reason: r } : { ok: true, response: { ...r, method, protocol } }));
    };
    try {
      socket =
        !tcp && secure(spec)
          ? tls.connect({ ...spec.tls.connect, host: spec.host, port: spec.port, ...(net.isIP(spec.host) === 0 ? { servername: spec.host } : {}) }, onConnected)
          : net.connect({ host: spec.host, port: spec.port }, onConnected);
    } catch (err) {
      return finish({ ok: false, reason: (err as Error).message });
    }
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message }));
    socket.on('close', () => finish({ ok: false, reason: 'connection closed' }));
  });
}

type Head = Omit<HcResponse, 'method' | 'protocol'>;

/**
 * hc_read_headers and hc_read_body: "HTTP/1.x NNN …", then "name: value" lines (a line without ':' fails the
 * check), then the body unless `headerOnly`.
 */
function readResponse(socket: Socket, headerOnly: boolean, done: (r: Head | string) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  let head: { status: number; headers: Map<string, string> } | undefined;
  let body: BodyReader | undefined;
  const onHead = (): boolean => {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > MAX_HEAD) done('response header too large');
      return false;
    }
    const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.\d (\d{3})/.exec(lines[0]!);
    if (m === null) {
      done(`not an HTTP/1 status line: ${JSON.stringify(lines[0]!.slice(0, 40))}`);
      return false;
    }
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon < 0) {
        done('malformed response header field');
        return false;
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = headers.get(name);
      headers.set(name, had === undefined ? value : `${had}, ${value}`);
    }
    head = { status: Number(m[1]), headers };
    buf = buf.subarray(end + 4);
    if (headerOnly) {
      done({ ...head, body: '' });
      return false;
    }
    body = bodyReader(headers);
    return true;
  };
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (head === undefined && !onHead()) return;
    const r = body!.push(buf);
    buf = Buffer.alloc(0);
    if (r !== undefined) done(typeof r === 'string' ? r : { ...head!, body: r.text });
  });
  socket.on('end', () => {
    if (head === undefined) return done('connection closed before a response');
    const r = body!.end();
    done(typeof r === 'string' ? r : { ...head, body: r.text });
  });
}

interface BodyReader {
  /** Takes bytes; the body when it is complete, an error text, or undefined for more. */
  push(b: Buffer): { text: string } | string | undefined;
  /** The connection ended. */
  end(): { text: string } | string;
}

/** The body as its framing says: chunked, Content-Length, or everything up to the close. */
function bodyReader(headers: ReadonlyMap<string, string>): BodyReader {
  const kept: Buffer[] = [];
  let keptLength = 0;
  const keep = (b: Buffer): void => {
    if (keptLength >= MAX_BODY) return;
    const part = b.subarray(0, MAX_BODY - keptLength);
    kept.push(part);
    keptLength += part.length;
  };
  const text = () => ({ text: Buffer.concat(kept).toString('latin1') });
  if (/(^|,)\s*chunked\s*$/i.test(headers.get('transfer-encoding') ?? '')) {
    let pending: Buffer = Buffer.alloc(0);
    let left = -1; // bytes of the current chunk still to come (with its CRLF); -1: a size line is next
    return {
      push(b) {
        pending = pending.length === 0 ? b : Buffer.concat([pending, b]);
        for (;;) {
          if (left < 0) {
            const eol = pending.indexOf('\r\n');
            if (eol < 0) return pending.length > 1024 ? 'malformed chunk size' : undefined;
            const size = parseInt(pending.subarray(0, eol).toString('latin1'), 16);
            if (!Number.isFinite(size) || size < 0) return 'malformed chunk size';
            pending = pending.subarray(eol + 2);
            if (size === 0) return text(); // trailers are not read
            left = size + 2;
          }
          if (pending.length === 0) return undefined;
          const take = pending.subarray(0, left);
          keep(take.subarray(0, Math.max(0, Math.min(take.length, left - 2))));
          left -= take.length;
          pending = pending.subarray(take.length);
          if (left > 0) return undefined;
          left = -1;
        }
      },
      end: () => 'connection closed in the middle of a chunked body',
    };
  }
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    const want = /^\d+$/.test(cl) ? Number(cl) : Number.NaN;
    if (!Number.isFinite(want)) return { push: () => 'malformed Content-Length', end: () => 'malformed Content-Length' };
    let got = 0;
    return {
      push(b) {
        keep(b.subarray(0, want - got));
        got += b.length;
        return got >= want ? text() : undefined;
      },
      end: () => (got >= want ? text() : 'connection closed before the whole body'),
    };
  }
  return {
    push(b) {
      keep(b);
      return undefined;
    },
    end: text,
  };
}

function probeWs(spec: ProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const scheme = secure(spec) ? 'wss' : 'ws';
    if (secure(spec) && !spec.tls.engine) return resolve({ ok: false, reason: 'SSLProxyEngine is not On (httpd: "mod_ssl not configured?")' });
    const ws = new WebSocket(`${scheme}://${hostHeader(spec)}${spec.target}`, {
      handshakeTimeout: spec.connectTimeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
      ...(secure(spec) ? { ...spec.tls.connect, ...(net.isIP(spec.host) === 0 ? { servername: spec.host } : {}) } : {}),
    });
    let finished = false;
    let result: ProbeResult = { ok: false, reason: 'closed before the handshake' };
    const finish = (r: ProbeResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(overall);
      signal.removeEventListener('abort', onAbort);
      ws.terminate();
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'stopped' });
    const overall = setTimeout(() => finish(result.ok ? result : { ok: false, reason: `no answer within ${spec.timeoutMs} ms` }), spec.timeoutMs);
    overall.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    const close = (): void => {
      // A clean close: our close frame, the member's answer, then the end of the connection.
      result = { ok: true, response: { status: 101, headers: new Map(), body: '', method: 'GET', protocol: 'HTTP/1.1' } };
      ws.close(1000);
    };
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      finish({ ok: false, reason: `handshake answered ${res.statusCode ?? '?'}` });
    });
    ws.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message }));
    ws.on('open', () => {
      result = { ok: false, reason: 'closed by the member during the check' };
      if (spec.pingMs === undefined) return close();
      const noPong = setTimeout(() => finish({ ok: false, reason: `no pong within ${spec.pingMs} ms` }), spec.pingMs);
      noPong.unref();
      ws.once('pong', () => {
        clearTimeout(noPong);
        close();
      });
      ws.ping();
    });
    ws.on('close', () => finish(result));
  });
}
