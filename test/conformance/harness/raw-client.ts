// Sends exact request bytes over a fresh TCP connection and parses the answer by hand (no HTTP library between
// the test and the server): interim 1xx responses, the status line, header fields in order with their case, the
// body (Content-Length, chunked with trailers, or up to the close), with a deadline. HEAD and 1xx/204/304 have no
// body. With `continueWaitMs` the head is sent first and the body only after a 100 Continue (or the wait).
// With `after`, the connection stays open once the response is complete (a 101's head, or a whole refusal): the
// client sends more bytes (into the tunnel, or a smuggling probe after a refused upgrade) and keeps what comes back.
// Bytes after the request head in `bytes` (a "pre-payload") go out in the same write as the head.
import { connect } from 'node:net';

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
    const socket = connect({ host: opts.host ?? '127.0.0.1', port: opts.port });
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
      if (typeof p === 'string') {
        resolve({ interim: [], body: Buffer.alloc(0), trailers: [], error: `unparsable response: ${p}`, raw, durationMs });
        return;
      }
      const why = error ?? (p.final === undefined ? (raw.length ? 'connection closed in the response head' : 'connection closed without a response') : !p.complete ? 'connection closed in the body' : undefined);
      resolve({ ...(p.final ?? {}), interim: p.interim, body: p.body, trailers: p.trailers, ...(why ? { error: why } : {}), raw, durationMs, ...(after ? { after } : {}) });
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
    socket.on('connect', () => {
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
    socket.on('error', (e: Error) => finish(true, chunks.length ? undefined : `socket error: ${e.message}`));
  });
}
