// A lean HTTP/1.1 client to plain-TCP backends for the forwarder's common case (no Expect: 100-continue, not on
// the upgrade path, not CONNECT): a keep-alive pool of sockets, each with one response parser for its whole life,
// the request head written as one string. Measured on the 2-core bench machine with a minimal proxy on each client
// (Node 20, wrk -c50, small GETs): node:http's ClientRequest + Agent 54 µs of CPU per request, undici's
// Pool.dispatch 35 µs, this client 30 µs; most of the difference is per-request objects, listeners and stream set-up
// that a pooled connection does not need.
//
// The response is parsed by Node's own parser (llhttp, the HTTPParser node:http uses, from `_http_common`: a
// semi-public module that undici also used for years; newer Node versions deprecate it in the docs only), so
// what is accepted, refused (HPE_* → 502), how bodies are framed and which responses have none is exactly what
// http.request does. Kept from ClientRequest: 1xx other than 101 are interim (relayed, parsing goes on), a 101 stops
// the parser (the caller refuses it), HEAD and 304 have no body, trailers are dropped, at most 2,000 raw header
// entries, an EOF before the response is "socket hang up" (ECONNRESET), an EOF or reset mid-body is "aborted", the
// socket idle timeout is the exchange's timeout. When `_http_common` cannot be loaded, LEAN_CLIENT is false and the
// forwarder uses http.request for everything.
//
// Large bodies: a Content-Length body of 16 KiB or more is passed through without the parser (which copies every
// piece of body it reports), and sockets read into reused buffers (net's `onread`) instead of a fresh 64 KiB buffer
// per read. For 1 MiB responses the allocation churn (malloc trimming, page faults, V8's external-memory GCs) cost
// more CPU than the proxying: 1,195 → 668 µs of CPU per MiB.
import { createRequire } from 'node:module';
import net, { type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { TimeoutError } from './backend-errors.js';
import { sameName } from './header-list.js';
import { groupFields } from './raw-fields.js';

interface ParserCtor {
  new (): Parser;
  readonly RESPONSE: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientAll: number;
  readonly kLenientNone: number;
}

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | Error;
  finish(): undefined | Error;
  close(): void;
  [callback: number]: unknown;
}

function loadParser(): { readonly Ctor: ParserCtor; readonly lenient: number } | undefined {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { HTTPParser?: ParserCtor; isLenient?: () => boolean };
    const Ctor = common.HTTPParser;
    if (typeof Ctor !== 'function' || typeof Ctor.kOnBody !== 'number' || typeof Ctor.kOnHeadersComplete !== 'number') return undefined;
    return { Ctor, lenient: common.isLenient?.() === true ? Ctor.kLenientAll : Ctor.kLenientNone };
  } catch {
    return undefined;
  }
}

const PARSER = loadParser();

/** The lean client can be used (Node's parser is reachable). */
export const LEAN_CLIENT = PARSER !== undefined;

/** node:http's default for a client's response (parser.maxHeaderPairs): 2,000 raw entries, 1,000 fields. */
const MAX_HEADER_ENTRIES = 2000;

export interface ResponseHead {
  readonly status: number;
  readonly message: string;
  /** [name, value, …] as received (order and case), like IncomingMessage.rawHeaders. */
  readonly rawHeaders: string[];
  readonly httpVersion: string;
}

/** What a call reports, in this order: socket, (interim)*, then head, (data)*, end — or error / upgrade at any point. */
export interface CallHandler {
  /** The call has its socket (maybe still connecting); called at most once. */
  socket(socket: Socket): void;
  /** A 1xx response other than 101; the final response follows. */
  interim(status: number, message: string, rawHeaders: string[]): void;
  /** The final response head. */
  head(h: ResponseHead): void;
  /**
   * A piece of the body; false: the backend is not read until call.resume(). With `done`, the chunk's memory is
   * lent (a read buffer): call done() once it is no longer needed (written), and it is read into again.
   */
  data(chunk: Buffer, done?: () => void): boolean;
  /** The whole response was received (trailers dropped); `last`: its final piece of body, not given to data(). */
  end(last: Buffer | undefined, done?: () => void): void;
  /** A 101 Switching Protocols, with or without Upgrade (the lean client never asks for one); the connection is closed. */
  upgrade(h: ResponseHead): void;
  /** The call failed (connect, reset, EOF, timeout, a response the parser refuses); the connection is closed. */
  error(err: Error): void;
}

// What http.request refuses (ERR_INVALID_HTTP_TOKEN, ERR_UNESCAPED_CHARACTERS, ERR_INVALID_CHAR); names were
// already checked by buildRequestHeaders.
const METHOD_TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const BAD_PATH = /[^\u0021-\u00ff]/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The request head exactly as ClientRequest writes it for these fields (setHeader one name at a time, a repeated
 * name on adjacent lines, repeated Cookie values joined with "; "), or undefined when http.request would throw —
 * the caller then takes that path, which reports the error as before.
 */
export function leanRequestHead(method: string, path: string, raw: readonly string[]): string | undefined {
  if (!METHOD_TOKEN.test(method) || BAD_PATH.test(path)) return undefined;
  let head = `${method} ${path} HTTP/1.1\r\n`;
  if (!repeatsName(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const v = raw[i + 1]!;
      if (BAD_VALUE.test(v)) return undefined;
      head += `${raw[i]!}: ${v}\r\n`;
    }
    return `${head}\r\n`;
  }
  for (const [name, values] of groupFields(raw)) {
    if (values.length > 1 && name.length === 6 && name.toLowerCase() === 'cookie') {
      const v = values.join('; ');
      if (BAD_VALUE.test(v)) return undefined;
      head += `${name}: ${v}\r\n`;
      continue;
    }
    for (const v of values) {
      if (BAD_VALUE.test(v)) return undefined;
      head += `${name}: ${v}\r\n`;
    }
  }
  return `${head}\r\n`;
}

/** Some field name occurs twice (case-insensitively). */
function repeatsName(raw: readonly string[]): boolean {
  if (raw.length > 32) {
    const seen = new Set<string>();
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      if (seen.has(k)) return true;
      seen.add(k);
    }
    return false;
  }
  for (let i = 2; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    for (let j = 0; j < i; j += 2) if (sameName(raw[j]!, k)) return true;
  }
  return false;
}

/** Bodies at least this long (by Content-Length) are passed through without the parser. */
const RAW_BODY_MIN = 16 * 1024;

/**
 * The body length a response head declares when it can be passed through raw: one Content-Length (the parser
 * accepted the head, so its value is digits) and no Transfer-Encoding; -1 otherwise (and with a lenient parser).
 */
function rawBodyLength(raw: readonly string[]): number {
  if (PARSER!.lenient !== PARSER!.Ctor.kLenientNone) return -1;
  let length = -1;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (sameName(name, 'transfer-encoding')) return -1;
    if (!sameName(name, 'content-length')) continue;
    const v = raw[i + 1]!.trim();
    if (length >= 0 || !/^\d{1,15}$/.test(v)) return -1;
    length = Number(v);
  }
  return length;
}

const hangUp = (message: string): Error => Object.assign(new Error(message), { code: 'ECONNRESET' });

/** One request/response exchange on a pooled connection. */
export class BackendCall {
  /** The connection served requests before this one (a stale keep-alive connection may be retried). */
  reusedSocket = false;
  destroyed = false;
  conn: Connection | undefined;
  /** The response head was received. */
  responded = false;
  /** The request (head and body) was completely written. */
  sent = false;
  private sink: BodySink | undefined;

  constructor(
    readonly head: string,
    readonly handler: CallHandler,
    readonly timeoutMs: number,
    /** The request has a body to send through body(); otherwise it is complete with its head. */
    readonly hasBody: boolean,
    /** The request asked for no body in the response (HEAD). */
    readonly headRequest: boolean,
  ) {
    this.sent = !hasBody;
  }

  /** The request body's writable side: framed (chunked) or not, with the socket's backpressure. */
  body(chunked: boolean): Writable {
    this.sink ??= new BodySink(this, chunked);
    return this.sink;
  }

  /** Reading from the backend resumes after data() returned false. */
  resume(): void {
    if (!this.destroyed) this.conn?.socket.resume();
  }

  /**
   * Abandons the exchange: its connection is closed (never pooled). With `err` the handler's error() is called
   * with it (as ClientRequest.destroy(err) emits 'error'); without, no handler call follows.
   */
  destroy(err?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const c = this.conn;
    this.conn = undefined;
    if (c) c.abandon(this);
    this.sink?.destroy();
    if (err !== undefined) this.handler.error(err);
  }

  /** Ends the call from the connection's side: exactly one of end/error/upgrade, then nothing. */
  settle(): CallHandler | undefined {
    if (this.destroyed) return undefined;
    this.destroyed = true;
    this.conn = undefined;
    return this.handler;
  }

  bodyFinished(): void {
    this.sent = true;
  }

  /** The call is over on the connection's side (its sink accepts no more). */
  closeSink(): void {
    this.sink?.destroy();
  }
}

/** The request body towards the backend, for req.pipe(): chunked framing when asked, the socket's backpressure. */
class BodySink extends Writable {
  constructor(
    private readonly call: BackendCall,
    private readonly chunked: boolean,
  ) {
    super({ decodeStrings: true });
    // pipe() re-emits a write error on a destination without another 'error' listener: never unhandled.
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const socket = this.call.conn?.socket;
    if (socket === undefined || socket.destroyed) return cb(); // the call is over; the rest of the body is dropped
    let ok: boolean;
    if (this.chunked) {
      if (chunk.length === 0) return cb();
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else ok = socket.write(chunk);
    if (ok) cb();
    else socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    const socket = this.call.conn?.socket;
    if (this.chunked && socket !== undefined && !socket.destroyed) socket.write('0\r\n\r\n', 'latin1');
    this.call.bodyFinished();
    cb();
  }
}

/**
 * The buffers a backend socket reads into (net's `onread`): the same one again and again while what is read is
 * parsed (the parser copies what it keeps), a fresh one after a piece of it was lent out as raw body; lent buffers
 * come back when written. Node's default allocates a 64 KiB buffer per read: for large responses that churn (malloc
 * trimming and page faults, and V8's external-memory GCs) cost more CPU than the copying itself.
 */
const READ_BUFFER = 64 * 1024;
const spareBuffers: Buffer[] = [];
const MAX_SPARE = 64;

class ReadBuffers {
  current: Buffer | undefined;
  lent = false;

  /** The buffer for the next read (net calls this after every read). */
  next(): Buffer {
    if (this.current === undefined || this.lent) {
      this.lent = false;
      this.current = spareBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER);
    }
    return this.current;
  }

  /** The current buffer is lent out; the returned function gives it back. */
  lend(): () => void {
    const buf = this.current!;
    this.lent = true;
    let back = false;
    return () => {
      if (back) return;
      back = true;
      if (spareBuffers.length < MAX_SPARE) spareBuffers.push(buf);
    };
  }
}

/** One backend socket and its parser; serves one call at a time. */
class Connection {
  call: BackendCall | undefined;
  served = 0;
  private readonly parser: Parser;
  private fields: string[] = [];
  /**
   * The latest piece of body, held until the parser has gone through the packet: when the response ends in the same
   * packet it goes out with end() (one cork for the client's write instead of write() + end()).
   */
  private pending: Buffer | undefined;
  /** `pending` is a piece of a read buffer (raw body), not a copy of the parser's. */
  private pendingLent = false;
  private interim = false;
  /**
   * Body bytes still to come of a response passed through without the parser (a Content-Length body of at least
   * RAW_BODY_MIN): node's parser copies every piece of body it reports, and for large responses those copies (on
   * top of the socket's own read buffers) drive V8's external-memory GCs.
   */
  private rawRemaining = 0;
  private keepAlive = false;
  private closed = false;
  /** The socket's idle timeout as last set (setTimeout allocates a timer each time, so it is set only on change). */
  private timeoutMs = 0;

  constructor(
    private readonly pool: LeanPool,
    readonly socket: Socket,
    private readonly reads: ReadBuffers,
  ) {
    const P = PARSER!.Ctor;
    const parser = new P();
    parser.initialize(P.RESPONSE, {}, 0, PARSER!.lenient);
    parser[P.kOnHeaders] = (headers: string[]) => {
      if (this.fields.length < MAX_HEADER_ENTRIES) this.fields.push(...headers);
    };
    parser[P.kOnHeadersComplete] = (maj: number, min: number, headers: string[] | undefined, _m: unknown, _u: unknown, status: number, message: string, upgrade: boolean, keepAlive: boolean) =>
      this.onHead(maj, min, headers, status, message, upgrade, keepAlive);
    parser[P.kOnBody] = (chunk: Buffer) => {
      this.flushBody();
      this.pending = chunk;
    };
    parser[P.kOnMessageComplete] = () => this.onMessageComplete();
    this.parser = parser;
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.onClose(err));
    socket.on('close', () => this.onClose(undefined));
    socket.on('timeout', () => {
      if (this.call !== undefined) this.onClose(new TimeoutError('backend timeout'));
      else if (this.pool.idleMs > 0) this.onClose(undefined); // ttl=
      // else: idle without ttl=, the exchange's timeout left armed: kept until the backend closes it
    });
  }

  private onHead(maj: number, min: number, headers: string[] | undefined, status: number, message: string, upgrade: boolean, keepAlive: boolean): number {
    let raw = headers ?? this.fields;
    this.fields = [];
    if (raw.length > MAX_HEADER_ENTRIES) raw = raw.slice(0, MAX_HEADER_ENTRIES);
    const call = this.call;
    if (call === undefined) {
      // A response nobody asked for (data on an idle connection): the connection cannot be trusted.
      this.socket.destroy();
      return 1;
    }
    if (upgrade || status === 101) {
      // With or without an Upgrade field (llhttp flags only the former), never a response to relay.
      call.closeSink();
      const h = call.settle();
      this.call = undefined;
      this.socket.destroy();
      h?.upgrade({ status, message, rawHeaders: raw, httpVersion: `${maj}.${min}` });
      return 2;
    }
    if (status >= 100 && status < 200) {
      this.interim = true;
      call.handler.interim(status, message, raw);
      return 1;
    }
    this.keepAlive = keepAlive;
    call.responded = true;
    call.handler.head({ status, message, rawHeaders: raw, httpVersion: `${maj}.${min}` });
    if (call.headRequest || status === 304) return 1;
    if (this.call === call && status !== 204) {
      const length = rawBodyLength(raw);
      if (length >= RAW_BODY_MIN) {
        // The parser stops after the head (as for an upgrade) and execute() returns where the body starts.
        this.rawRemaining = length;
        return 2;
      }
    }
    return 0;
  }

  /** `d` from `offset` on is body of a response passed through raw (the socket's buffer itself, no copy). */
  private onRawBody(d: Buffer, offset: number): void {
    const n = Math.min(d.length - offset, this.rawRemaining);
    const chunk = offset === 0 && n === d.length ? d : d.subarray(offset, offset + n);
    this.rawRemaining -= n;
    if (this.rawRemaining > 0) {
      const call = this.call;
      if (call !== undefined && !call.handler.data(chunk, this.reads.lend())) this.socket.pause();
      return;
    }
    // The body is complete: a fresh parser state for the next response on this connection.
    this.parser.initialize(PARSER!.Ctor.RESPONSE, {}, 0, PARSER!.lenient);
    this.pending = chunk;
    this.pendingLent = true;
    this.onMessageComplete();
    // Bytes after the body (nothing was asked for): parsed, so that they are refused as any unsolicited response.
    if (offset + n < d.length && !this.closed) this.onData(d.subarray(offset + n));
  }

  private onMessageComplete(): void {
    this.fields = []; // trailers are not relayed
    if (this.interim) {
      this.interim = false;
      return;
    }
    if (this.rawRemaining > 0) return; // the parser stopped after the head; the body follows raw
    const call = this.call;
    const last = this.pending;
    const lent = this.pendingLent;
    this.pending = undefined;
    this.pendingLent = false;
    if (call === undefined) return;
    this.call = undefined;
    // Not reusable when either side said close, or when the request body was not completely sent (an early answer).
    const reuse = this.keepAlive && call.sent && this.pool.reuse;
    call.closeSink();
    const h = call.settle();
    if (reuse) this.pool.release(this);
    else this.socket.destroySoon();
    h?.end(last, lent ? this.reads.lend() : undefined);
  }

  /** The held piece of body to the call (the backend is paused when the call says so). */
  private flushBody(): void {
    const chunk = this.pending;
    if (chunk === undefined) return;
    this.pending = undefined;
    const call = this.call;
    if (call !== undefined && !call.handler.data(chunk)) this.socket.pause();
  }

  /** net's onread callback: `n` bytes in `buf` (a read buffer, reused unless lent). */
  onRead(n: number, buf: Buffer): void {
    this.onData(buf.subarray(0, n));
  }

  private onData(d: Buffer): void {
    if (this.rawRemaining > 0) return this.onRawBody(d, 0);
    const r = this.parser.execute(d);
    this.flushBody();
    if (r instanceof Error) {
      const err = r as Error & { rawPacket?: Buffer; reason?: string };
      err.rawPacket = Buffer.from(d); // `d` is a read buffer that is read into again
      if (typeof err.reason === 'string') err.message = `Parse Error: ${err.reason}`;
      this.onClose(err);
    } else if (this.rawRemaining > 0 && r < d.length) this.onRawBody(d, r);
  }

  private onEnd(): void {
    // A body delimited by the end of the connection ends here (never one passed through raw: it has a length).
    if (this.call !== undefined && this.rawRemaining === 0) this.parser.finish();
    this.onClose(undefined);
  }

  /** The connection is over (error, EOF, close, timeout): the call in progress, if any, fails. */
  private onClose(err: Error | undefined): void {
    if (!this.socket.destroyed) this.socket.destroy();
    const call = this.call;
    this.call = undefined;
    this.pending = undefined;
    this.pendingLent = false;
    this.rawRemaining = 0;
    if (!this.closed) {
      this.closed = true;
      this.pool.remove(this);
      const parser = this.parser;
      setImmediate(() => parser.close()); // never while it may be executing
    }
    if (call === undefined) return;
    call.closeSink();
    const h = call.settle();
    h?.error(err ?? hangUp(call.responded ? 'aborted' : 'socket hang up'));
  }

  /** The caller abandoned `call`: close the connection without telling anyone. */
  abandon(call: BackendCall): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.pending = undefined;
    this.pendingLent = false;
    this.rawRemaining = 0;
    this.socket.destroy();
  }

  setTimeout(ms: number): void {
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  /** Starts `call` on this connection: the head is written now (the socket buffers it while connecting). */
  assign(call: BackendCall): void {
    this.call = call;
    call.conn = this;
    call.reusedSocket = this.served > 0;
    this.served++;
    this.keepAlive = false;
    this.setTimeout(call.timeoutMs);
    this.socket.ref();
    this.socket.resume();
    if (!call.hasBody) {
      this.socket.write(call.head, 'latin1');
      return call.handler.socket(this.socket);
    }
    this.socket.cork(); // the head and a body written synchronously by socket() go out in one write
    this.socket.write(call.head, 'latin1');
    call.handler.socket(this.socket);
    this.socket.uncork();
  }
}

export interface LeanPoolOptions {
  readonly host: string;
  readonly port: number;
  /** Keep connections between requests (false: disablereuse=On, one connection per request). */
  readonly reuse: boolean;
  /** Open connections at most (busy + idle); 0: no limit. Calls beyond it wait in order. */
  readonly max: number;
  /** ttl: an idle connection is closed after this long; 0: kept until the backend closes it. */
  readonly idleMs: number;
  /** SO_KEEPALIVE on the backend sockets. */
  readonly soKeepAlive: boolean;
}

const MAX_IDLE = 256;

/** The connections to one plain-TCP backend. */
export class LeanPool {
  private readonly all = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly waiting: BackendCall[] = [];
  private closed = false;

  constructor(private readonly o: LeanPoolOptions) {}

  get reuse(): boolean {
    return this.o.reuse && !this.closed;
  }

  get idleMs(): number {
    return this.o.idleMs;
  }

  /** Open connections (busy and idle). */
  get size(): number {
    return this.all.size;
  }

  /** Runs `call` on an idle connection (most recently used first), a new one, or when one frees up (max=). */
  dispatch(call: BackendCall): void {
    if (this.closed) return void queueMicrotask(() => call.settle()?.error(hangUp('socket hang up')));
    const c = this.idle.pop();
    if (c !== undefined) return c.assign(call);
    if (this.o.max > 0 && this.all.size >= this.o.max) return void this.waiting.push(call);
    this.connect().assign(call);
  }

  private connect(): Connection {
    const reads = new ReadBuffers();
    let c: Connection | undefined;
    const socket = net.createConnection({
      host: this.o.host,
      port: this.o.port,
      onread: {
        buffer: () => reads.next(),
        callback: (n: number, buf: Uint8Array) => {
          c?.onRead(n, buf as Buffer);
          return true; // pausing is the connection's own socket.pause()
        },
      },
    });
    socket.setNoDelay(true);
    if (this.o.soKeepAlive) socket.setKeepAlive(true);
    c = new Connection(this, socket, reads);
    this.all.add(c);
    return c;
  }

  release(c: Connection): void {
    const next = this.takeWaiting();
    if (next !== undefined) return c.assign(next);
    if (this.idle.length >= MAX_IDLE || this.closed) return void c.socket.destroy();
    if (this.o.idleMs > 0) c.setTimeout(this.o.idleMs);
    c.socket.unref();
    this.idle.push(c);
  }

  remove(c: Connection): void {
    if (!this.all.delete(c)) return;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A connection slot freed up: a waiting call gets a new connection.
    const next = this.closed ? undefined : this.takeWaiting();
    if (next !== undefined) this.connect().assign(next);
  }

  private takeWaiting(): BackendCall | undefined {
    let next = this.waiting.shift();
    while (next !== undefined && next.destroyed) next = this.waiting.shift();
    return next;
  }

  /** Every connection closed, every waiting call failed; the pool serves no more. */
  close(): void {
    this.closed = true;
    for (const call of this.waiting.splice(0)) call.settle()?.error(hangUp('socket hang up'));
    for (const c of [...this.all]) c.socket.destroy();
  }
}
