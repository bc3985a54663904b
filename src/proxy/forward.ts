// The HTTP forwarder: one client request → one backend exchange, streamed both ways with backpressure.
//
//   connect ──► [continue] ──► send ──► response ──► streaming
//   (pool/TCP)  (Expect: the     (body,    (waiting for   (backend body → client, pipe)
//               backend's 100)   pipe)     headers)
//
// Each phase maps a failure to httpd's status (backend-errors.ts). Every socket and stream has an 'error' listener
// before anything is written; a client that goes away destroys the backend request (its socket is not pooled);
// a backend that fails mid-response destroys the client connection (the status line is already gone).
//
// The upload uses req.pipe() (backpressure) with explicit teardown rather than stream.pipeline(): pipeline would
// destroy the client socket when the backend stops reading after answering early (say 413 or 403 before the whole
// body), and that early answer must still reach the client — httpd relays it and then closes the connection.
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { Backend, Decision, ProxySettings, UpgradePlan } from '../route/types.js';
import { connectionFields } from './connection-policy.js';
import { classifyBackendError, TimeoutError, type BackendFailure, type Phase } from './backend-errors.js';
import { BackendCall, LEAN_CLIENT, leanRequestHead, type ResponseHead } from './backend-client.js';
import { HeaderList } from './header-list.js';
import type { HeaderOpContext } from './header-ops.js';
import { portSuffix, splitHost } from './host-port.js';
import type { BackendPools } from './pools.js';
import { prefetchBody, type Prefetched } from './prefetch.js';
import { groupFields, interimHead } from './raw-fields.js';
import { buildRequestHeaders, type BodyFraming } from './request-headers.js';
import { sendErrorPage } from './respond.js';
import { buildResponseHeaders } from './response-headers.js';
import { interpolateSettings } from '../route/interpolate.js';
import { stripHopByHop } from './hop-by-hop.js';
import type { SelfUrl } from './reverse-map.js';
import type { WorkerStates } from './worker-state.js';
import type { BalancerLease } from '../balancer/lease.js';
import type { WorkerTarget } from '../route/forward-url.js';
import { runTunnel, type TunnelStats } from './tunnel.js';
import { backendServername } from './backend-tls.js';
import { canUpgrade, isWsScheme, offeredProtocols } from '../route/upgrade.js';

function ignoreError(): void {}

/** The request's environment with a balancer's BALANCER_* variables. */
function withEnv(base: ReadonlyMap<string, string>, extra: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (base.size === 0) return extra;
  const env = new Map(base);
  for (const [k, v] of extra) env.set(k, v);
  return env;
}

export type ForwardDecision = Extract<Decision, { kind: 'forward' }>;

const NO_ENV: ReadonlyMap<string, string> = new Map();

/**
 * The header rules' context, always built by this one literal: every reader of `ops` then sees one hidden class
 * (a spread copy has another, and the readers going polymorphic cost the balancer path several µs per request).
 */
function opsWith(env: ReadonlyMap<string, string>, requestTimeUs: number, startedAt: bigint, requestHeaders: HeaderList | undefined, ssl: HeaderOpContext['ssl']): HeaderOpContext {
  return { env, requestTimeUs, startedAt, requestHeaders, ssl };
}

/**
 * The decision as an exchange holds it, always built by this one literal: the router's decisions come in several
 * shapes (optional fields, rewrite effects), and a spread copy of one (a balancer member replacing the first
 * member's target) made every reader of `d` slower: measured ~10% of a balanced request's CPU.
 */
function exchangeView(d: ForwardDecision, backend: Backend, path: string, settings: ProxySettings, upgrade: UpgradePlan | undefined): ForwardDecision {
  return { kind: 'forward', backend, path, settings, from: d.from, host: d.host, upgrade, balancer: d.balancer, env: d.env, log: d.log };
}

/**
 * Gives a balancer member back when the request (or its tunnel) is over, with the bytes it moved. Made outside the
 * Exchange: a tunnel's socket keeps this listener for its life, and it must keep neither the exchange nor the
 * response alive (an upgrade refused with an HTTP answer still has its response when the socket closes).
 */
function leaseEnd(lease: BalancerLease<WorkerTarget>, res: WeakRef<ServerResponse>, sock: Socket): () => void {
  const [read0, written0] = [sock.bytesRead, sock.bytesWritten];
  return () => {
    const r = res.deref();
    if (r?.headersSent === true) lease.answered(r.statusCode, Date.now());
    lease.release(sock.bytesRead - read0, sock.bytesWritten - written0);
  };
}

const opsWithEnv = (o: HeaderOpContext, env: ReadonlyMap<string, string>): HeaderOpContext => opsWith(env, o.requestTimeUs, o.startedAt, o.requestHeaders, o.ssl);

export interface ForwardContext {
  readonly pools: BackendPools;
  readonly workers: WorkerStates;
  readonly log: (line: string) => void;
  /** A tunnel opened (after the 101) and, later, closed: for the server's accounting and logs. */
  readonly tunnelOpened?: (client: Socket) => void;
  readonly tunnelClosed?: (d: ForwardDecision, stats: TunnelStats) => void;
}

export interface ForwardOptions {
  readonly tls: boolean;
  /** mod_ssl's variables of the client's TLS connection, for %{NAME}s in RequestHeader/Header. */
  readonly ssl?: ((name: string) => string | undefined) | undefined;
  /** The client sent "Expect: 100-continue" and has not been sent 100 yet (the server took it from 'checkContinue'). */
  readonly expectContinue: boolean;
  readonly env?: ReadonlyMap<string, string>;
  /** Close the client connection after the response (the 'upgrade' path answers as plain HTTP for now). */
  readonly closeAfter?: boolean;
  /** Forward no request body (the 'upgrade' path: Node has detached the parser). */
  readonly noBody?: boolean;
  /** The request came on Node's 'upgrade' path: the client's socket and the bytes read after its head. */
  readonly upgrade?: { readonly socket: Socket; readonly head: Buffer };
}

/** What the server may still do to a running exchange. */
export interface ForwardHandle {
  /** The client sent nothing for Timeout while its request body was incomplete: 408, backend request aborted. */
  clientTimedOut(): void;
}

export function forward(req: IncomingMessage, res: ServerResponse, decision: ForwardDecision, ctx: ForwardContext, opts: ForwardOptions): ForwardHandle {
  const ex = new Exchange(req, res, decision, ctx, opts);
  ex.start();
  return ex;
}

class Exchange implements ForwardHandle {
  private phase: Phase | 'streaming' = 'connect';
  /** The client's answer is decided (a response is relayed or an error page sent) or the client is gone. */
  private settled = false;
  /** The backend request: node:http's, or the lean client's (backend-client.ts) for plain requests. */
  private preq: ClientRequest | BackendCall | undefined;
  /** The response stream failed (logged once). */
  private aborted = false;
  /** The lean client's response is being relayed (its failures are the listeners' of start()). */
  private relaying = false;
  /** res 'drain' resumes the backend (hooked the first time the client's socket is full). */
  private drainHooked = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private body: BodyFraming = { kind: 'none' };
  private declaredBody: BodyFraming = { kind: 'none' };
  private rawHeaders: string[] = [];
  private prefetched: Prefetched | undefined;
  private ops: HeaderOpContext;
  /** The request's environment without BALANCER_* (RequestHeader never sees those, as in httpd). */
  private readonly baseEnv: ReadonlyMap<string, string>;
  /** balancer://: why no member could be picked (AH01167 …), answered 503 by start(). */
  private unavailable: string | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    /** The decision; for balancer:// the picked member's backend, path and upgrade replace the router's. */
    private d: ForwardDecision,
    private readonly ctx: ForwardContext,
    private readonly opts: ForwardOptions,
  ) {
    // A plain data object: a lazy getter here was measured at +15 µs CPU per request (V8 builds such a literal
    // through the runtime, and every reader of `ops` goes megamorphic).
    this.ops = opsWith(opts.env ?? NO_ENV, Date.now() * 1000, process.hrtime.bigint(), HeaderList.mergedFromRaw(req.rawHeaders), opts.ssl);
    this.baseEnv = this.ops.env;
    if (d.balancer !== undefined) {
      this.d = exchangeView(d, d.backend, d.path, d.settings, d.upgrade);
      this.holdMember(d.balancer);
    }
  }

  /**
   * balancer://: the member is picked now, when the request is handled (httpd's proxy_balancer_pre_request in the
   * handler phase); the lease is given back when the response (or the tunnel) is over, with the bytes it moved and
   * its final status (failonstatus).
   */
  private holdMember(lease: BalancerLease<WorkerTarget>): void {
    const first = lease.start(Date.now());
    if (first.kind === 'attempt') this.useMember(first.next);
    else this.unavailable = first.log ?? 'no usable member';
    const { req, res, opts } = this;
    const sock = opts.upgrade?.socket ?? req.socket;
    const end = leaseEnd(lease, new WeakRef(res), sock);
    // A client already gone has no 'close' to come: give the member back now (bybusyness counts in-flight requests).
    if (sock.destroyed || res.closed) queueMicrotask(end);
    else if (opts.upgrade !== undefined) opts.upgrade.socket.once('close', end);
    else res.once('close', end);
  }

  /** The member's backend, path, timeout and upgrade plan in place of the previous attempt's. */
  private useMember(t: WorkerTarget): void {
    const d = this.d;
    const settings = t.settings.timeoutMs === d.settings.timeoutMs ? d.settings : { ...d.settings, timeoutMs: t.settings.timeoutMs };
    this.d = exchangeView(d, t.backend, t.path, settings, t.upgrade);
  }

  start(): void {
    const { req, res, d } = this;
    const b = d.backend;
    req.on('error', () => this.clientGone('client-error'));
    res.on('close', () => {
      if (res.writableFinished) return;
      this.clientGone('client-gone');
      if (this.relaying) this.streamAborted(new Error('client closed the connection mid-response'));
    });
    res.on('error', (err) => {
      if (this.relaying) this.streamAborted(err);
    });
    if (res.destroyed) return this.clientGone('client-gone');

    const te = req.headers['transfer-encoding'];
    const cl = req.headers['content-length'];
    const declared: BodyFraming = te !== undefined ? { kind: 'chunked' } : cl !== undefined ? { kind: 'length', length: Number(cl) } : { kind: 'none' };
    // On the upgrade path a body is not framed by tsproxyd: as in httpd, its bytes follow the 101 in the tunnel.
    this.declaredBody = declared;
    this.body = this.opts.noBody ? { kind: 'none' } : declared;

    if (this.unavailable !== undefined) {
      return this.fail({ status: 503, code: 'balancer-unavailable', log: this.unavailable, connectFailed: false });
    }
    const why = d.balancer !== undefined ? undefined : this.ctx.workers.unusable(b, Date.now());
    if (why !== undefined) {
      return this.fail({ status: 503, code: 'worker-disabled', log: `AH00940: disabled connection for (${b.host}:${b.port}): ${why}`, connectFailed: false });
    }
    if ((b.scheme === 'https' || b.scheme === 'wss') && !d.settings.backendTls.engine) {
      return this.fail({ status: 500, code: 'ssl-proxy-off', log: `AH00961: ${b.scheme}: failed to enable ssl support for ${b.host}:${b.port} [Hint: SSLProxyEngine]`, connectFailed: false });
    }
    const limit = d.settings.limitRequestBody;
    if (limit > 0 && this.body.kind === 'length' && this.body.length > limit) return this.tooLarge();
    if (this.body.kind !== 'chunked' || this.opts.expectContinue) return this.proceed();
    void prefetchBody(req).then((p) => {
      if (this.settled) return;
      this.prefetched = p;
      if (limit > 0 && p.length > limit) return this.tooLarge();
      if (p.ended) this.body = { kind: 'length', length: p.length };
      this.proceed();
    });
  }

  private proceed(): void {
    const { req, d } = this;
    const b = d.backend;
    const built = buildRequestHeaders({
      method: req.method ?? 'GET',
      rawHeaders: req.rawHeaders,
      httpVersion: req.httpVersion,
      clientIp: req.socket.remoteAddress ?? '',
      tls: this.opts.tls,
      backend: b,
      settings: d.settings,
      ops: this.ops,
      body: this.upgrading() ? this.declaredBody : this.body,
      reuse: b.params.disableReuse !== true,
      upgrade: this.upgrading() ? d.upgrade : undefined,
    });
    if (!built.ok) {
      const proxy = built.reason.startsWith('Max-Forwards');
      return this.fail({ status: built.status, ...(proxy ? { proxyReason: built.reason } : {}), code: 'bad-request-headers', log: built.reason, connectFailed: false });
    }
    this.rawHeaders = built.headers.toRaw();
    this.attempt(false);
  }

  private attempt(isRetry: boolean): void {
    const { d, req } = this;
    const b = d.backend;
    if (d.balancer !== undefined) this.ops = opsWithEnv(this.ops, withEnv(this.baseEnv, d.balancer.env));
    const head = this.leanEligible() ? leanRequestHead(req.method ?? 'GET', d.path, this.rawHeaders) : undefined;
    if (head !== undefined) return this.attemptLean(head, isRetry);
    const secure = b.scheme === 'https' || b.scheme === 'wss';
    let preq: ClientRequest;
    try {
      preq = (secure ? https : http).request({
        agent: this.upgrading() ? this.ctx.pools.tunnelAgentFor(b, d.settings.backendTls) : this.ctx.pools.agentFor(b, d.settings.backendTls),
        host: b.host,
        port: b.port,
        method: req.method,
        path: d.path,
        setHost: false,
        // '' = no SNI (an IP address), which also keeps Node's agent from deriving one from the Host field.
        ...(secure ? { servername: backendServername(b.host, d.settings.preserveHost, d.host ?? req.headers.host) ?? '' } : {}),
      });
      // Fields set one name at a time (first-occurrence order and spelling kept; a repeated name is written on
      // adjacent lines) rather than as a raw array: with an array Node writes the head at once, before it can
      // be told that a bodiless POST needs no "Transfer-Encoding: chunked".
      for (const [name, values] of groupFields(this.rawHeaders)) preq.setHeader(name, values.length === 1 ? values[0]! : values);
      if (this.body.kind === 'none') (preq as unknown as { useChunkedEncodingByDefault: boolean }).useChunkedEncodingByDefault = false;
    } catch (err) {
      return this.fail({ status: 500, code: 'request-build-failed', log: `cannot build the backend request: ${(err as Error).message}`, connectFailed: false });
    }
    this.preq = preq;
    this.phase = 'connect';
    preq.on('error', (err) => this.onBackendError(preq, err, isRetry));
    preq.on('timeout', () => preq.destroy(new TimeoutError('backend timeout')));
    preq.setTimeout(d.settings.timeoutMs);
    preq.on('socket', (sock) => this.onSocket(preq, sock));
    preq.on('information', (info) => this.onInterim(info.statusCode, info.statusMessage, info.rawHeaders));
    preq.on('continue', () => {
      if (this.phase !== 'continue' || this.settled) return;
      this.phase = 'send';
      this.res.writeContinue();
      this.upload(preq);
    });
    preq.on('response', (pres) => this.onResponse(preq, pres));
    // Always listened to: without a listener Node destroys the socket, and a 101 nobody asked for must be a 502.
    preq.on('upgrade', (pres, sock: Socket, head: Buffer) => this.onUpgrade(preq, pres, sock, head));
    if (this.body.kind === 'none') preq.end();
    else if (this.opts.expectContinue) preq.flushHeaders();
  }

  /**
   * The lean client serves plain-TCP backends for requests without Expect (it never waits for a 100) that did not
   * come on the upgrade path (those need http.request's 'upgrade' event) and are not CONNECT.
   */
  private leanEligible(): boolean {
    const s = this.d.backend.scheme;
    return LEAN_CLIENT && (s === 'http' || s === 'ws') && !this.opts.expectContinue && this.opts.upgrade === undefined && this.req.method !== 'CONNECT';
  }

  /** attempt() on the lean client: the same phases, failures and logs as the http.request path. */
  private attemptLean(head: string, isRetry: boolean): void {
    const { d, req, res } = this;
    this.phase = 'connect';
    const call: BackendCall = new BackendCall(
      head,
      {
        socket: (sock) => this.onSocket(call, sock),
        interim: (status, message, raw) => this.onInterim(status, message, raw),
        head: (h) => this.onLeanResponse(call, h),
        data: (chunk, done) => {
          if (res.write(chunk, done)) return true;
          if (!this.drainHooked) {
            this.drainHooked = true;
            res.on('drain', () => call.resume());
          }
          return false;
        },
        end: (last, done) => res.end(last, done),
        upgrade: (h) => this.onLeanUpgrade(call, h),
        error: (err) => {
          if (call !== this.preq) return;
          if (this.phase !== 'streaming') return this.onBackendError(call, err, isRetry);
          this.streamAborted((err as { code?: string }).code === 'ECONNRESET' ? new Error('backend closed the connection mid-response') : err);
        },
      },
      d.settings.timeoutMs,
      this.body.kind !== 'none',
      req.method === 'HEAD',
    );
    this.preq = call;
    this.ctx.pools.leanPoolFor(d.backend).dispatch(call);
  }

  /** The backend request has its socket: connected now, or the connect timeout runs until it is. */
  private onSocket(preq: ClientRequest | BackendCall, sock: Socket): void {
    const { d } = this;
    const b = d.backend;
    const connected = (): void => {
      clearTimeout(this.connectTimer);
      if (preq !== this.preq || this.settled) return;
      this.ctx.workers.connected(b);
      this.onConnected(preq);
    };
    if (!sock.connecting) return connected();
    const ms = b.params.connectionTimeoutMs ?? d.settings.timeoutMs;
    this.connectTimer = setTimeout(() => preq.destroy(new TimeoutError('connect timeout')), ms);
    sock.once('connect', connected);
  }

  private onConnected(preq: ClientRequest | BackendCall): void {
    if (this.body.kind === 'none') this.phase = 'response';
    else if (this.opts.expectContinue) this.phase = 'continue';
    else {
      this.phase = 'send';
      this.upload(preq instanceof BackendCall ? preq.body(this.body.kind === 'chunked') : preq);
    }
  }

  /**
   * The body to the backend: what prefetch read, then the rest through pipe(). Request trailers are not forwarded,
   * as httpd does not (a prefetched body becomes Content-Length framed; checked with apache2).
   */
  private upload(preq: Writable): void {
    const { req } = this;
    preq.once('finish', () => {
      if (this.phase === 'send') this.phase = 'response';
    });
    const pre = this.prefetched;
    for (const c of pre?.chunks ?? []) preq.write(c);
    if (pre?.ended) return void preq.end();
    const limit = this.d.settings.limitRequestBody;
    if (limit > 0 && this.body.kind === 'chunked') {
      let seen = pre?.length ?? 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > limit && !this.settled) this.tooLarge();
      });
    }
    req.pipe(preq);
  }

  private onInterim(status: number, message: string, raw: readonly string[]): void {
    const { req, res } = this;
    if (status === 101 && !this.settled) {
      // A 101 Node did not treat as an upgrade (no Upgrade field, or no "Connection: upgrade"): httpd's 502.
      const got = HeaderList.fromRaw(raw).get('Upgrade');
      const reason = `Unexpected Upgrade: ${got ?? '(none)'} (expecting ${this.upgrading() ? this.d.upgrade!.requested : 'none'})`;
      this.preq?.destroy();
      return this.fail({ status: 502, proxyReason: reason, code: 'unexpected-upgrade', log: reason, connectFailed: false });
    }
    if (status === 100 || this.settled || res.headersSent || req.httpVersion !== '1.1') return;
    res.socket?.write(interimHead(status, message, raw));
  }

  private onResponse(preq: ClientRequest, pres: IncomingMessage): void {
    const { res } = this;
    clearTimeout(this.connectTimer);
    if (preq !== this.preq || this.settled) {
      pres.destroy();
      return;
    }
    if (pres.statusCode === 101) {
      // A 101 Node parsed as a final response (it names no Upgrade): httpd's 502, and nothing is relayed.
      pres.destroy();
      preq.destroy();
      const reason = `Unexpected Upgrade: (none) (expecting ${this.upgrading() ? this.d.upgrade!.requested : 'none'})`;
      return this.fail({ status: 502, proxyReason: reason, code: 'unexpected-upgrade', log: reason, connectFailed: false });
    }
    const bad = this.writeResponseHead(pres.statusCode ?? 502, pres.statusMessage, pres.rawHeaders, pres.httpVersion);
    if (bad !== undefined) {
      pres.destroy();
      preq.destroy();
      return this.badResponseHead(bad);
    }
    // Response trailers are dropped, as httpd 2.4.71 drops them (checked: a backend's "X-Checksum" trailer never
    // reaches the client through apache2).
    // pipe() with explicit teardown rather than stream.pipeline(): pipeline aborts an internal AbortController
    // when it finishes, which builds a DOMException (with a stack trace) for every response — measured at ~10%
    // of the CPU of small keep-alive GETs.
    const abort = (err: Error): void => this.streamAborted(err);
    pres.on('error', abort);
    pres.on('aborted', () => abort(new Error('backend closed the connection mid-response')));
    res.on('error', abort);
    res.on('close', () => {
      if (!res.writableFinished) abort(new Error('client closed the connection mid-response'));
    });
    pres.pipe(res);
  }

  /** The lean client's response head: relayed, then its body arrives through the call's data() and end(). */
  private onLeanResponse(call: BackendCall, h: ResponseHead): void {
    clearTimeout(this.connectTimer);
    if (call !== this.preq || this.settled) return call.destroy();
    const bad = this.writeResponseHead(h.status, h.message, h.rawHeaders, h.httpVersion);
    if (bad !== undefined) {
      call.destroy();
      return this.badResponseHead(bad);
    }
    this.relaying = true;
  }

  /** A 101 on the lean path, where no upgrade was asked for: httpd's 502 "Unexpected Upgrade" (see onUpgrade). */
  private onLeanUpgrade(call: BackendCall, h: ResponseHead): void {
    clearTimeout(this.connectTimer);
    if (call !== this.preq || this.settled) return;
    const values: string[] = [];
    for (let i = 0; i + 1 < h.rawHeaders.length; i += 2) if (h.rawHeaders[i]!.toLowerCase() === 'upgrade') values.push(h.rawHeaders[i + 1]!);
    const reason = `Unexpected Upgrade: ${values.length > 0 ? values.join(', ') : '(none)'} (expecting none)`;
    this.fail({ status: 502, proxyReason: reason, code: 'unexpected-upgrade', log: reason, connectFailed: false });
  }

  /** The response failed mid-stream (either side): logged once, both ends destroyed. */
  private streamAborted(err: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    const { req, d } = this;
    this.ctx.log(`[proxy:error] stream-aborted ${req.method} ${d.path} -> ${d.backend.key}: ${err.message}`);
    this.preq?.destroy();
    this.res.destroy();
  }

  /** writeHead refused what the backend sent: 502, as a response Node's parser refuses. */
  private badResponseHead(err: Error): void {
    this.settled = false;
    this.fail({ status: 502, proxyReason: 'Error reading from remote server', code: 'bad-response-headers', log: err.message, connectFailed: false });
  }

  /** The backend's response head to the client, in httpd's form; an Error when Node refuses to write it. */
  private writeResponseHead(status: number, message: string | undefined, rawHeaders: readonly string[], httpVersion: string): Error | undefined {
    const { req, res, d } = this;
    this.settled = true;
    this.phase = 'streaming';
    const clientHost = req.headers.host;
    const host = clientHost !== undefined ? splitHost(clientHost) : undefined; // split once for name and port
    const self: SelfUrl = {
      scheme: this.opts.tls ? 'https' : 'http',
      name: host !== undefined ? host.name : d.settings.serverName,
      portSuffix: host !== undefined ? portSuffix(host.port, this.opts.tls) : '',
    };
    const headers = buildResponseHeaders({ rawHeaders, httpVersion, settings: interpolateSettings(d.settings, this.opts.env), self, ops: this.ops });
    // An answer before the whole request body was read (or an upgrade answered as plain HTTP): close afterwards.
    if (this.bodyUnread() || this.opts.closeAfter) res.shouldKeepAlive = false;
    const conn = connectionFields(res);
    const offer = this.upgrading() ? HeaderList.fromRaw(rawHeaders).get('Upgrade') : undefined;
    if (offer !== undefined && canUpgrade(d.backend.params.upgrade, isWsScheme(d.backend.scheme), offer)) {
      // httpd relays an acceptable Upgrade offer (a 426, say) with "Connection: Upgrade"; tsproxyd also closes.
      headers.add('Upgrade', offer);
      const closing = conn.some(([n, v]) => n === 'Connection' && v === 'close');
      headers.add('Connection', closing ? 'Upgrade, close' : 'Upgrade');
      headers.fields.push(...conn.filter(([n]) => n !== 'Connection'));
    } else headers.fields.push(...conn);
    try {
      res.writeHead(status, message, headers.toRaw());
    } catch (err) {
      return err as Error;
    }
    return undefined;
  }

  /** The route allows the client's upgrade and the client is on the upgrade path. */
  private upgrading(): boolean {
    return this.d.upgrade !== undefined && this.opts.upgrade !== undefined;
  }

  /**
   * The backend answered 101. A tunnel opens only when an upgrade was asked for and the backend's Upgrade names the
   * protocol asked for (case-insensitively); anything else is httpd's 502 "Unexpected Upgrade" and no byte of the
   * client's pre-payload ever reaches the backend.
   */
  private onUpgrade(preq: ClientRequest, pres: IncomingMessage, bsock: Socket, bhead: Buffer): void {
    clearTimeout(this.connectTimer);
    bsock.on('error', ignoreError); // no closure: it stays on the socket for the tunnel's life
    if (preq !== this.preq || this.settled) return void bsock.destroy();
    const plan = this.upgrading() ? this.d.upgrade : undefined;
    const client = this.opts.upgrade;
    const got = pres.headers.upgrade;
    const named = got === undefined ? [] : offeredProtocols(got);
    const offered = plan === undefined ? [] : [...offeredProtocols(plan.requested), ...offeredProtocols(plan.protocol)];
    // The backend must switch to (exactly one of) the protocols asked for.
    const same = got !== undefined && plan !== undefined && got.trim().toLowerCase() === plan.requested.trim().toLowerCase();
    if (plan === undefined || client === undefined || !(same || (named.length === 1 && offered.includes(named[0]!)))) {
      bsock.destroy();
      const reason = `Unexpected Upgrade: ${got ?? '(none)'} (expecting ${plan?.requested ?? 'none'})`;
      return this.fail({ status: 502, proxyReason: reason, code: 'unexpected-upgrade', log: reason, connectFailed: false });
    }
    if (client.socket.destroyed) return void bsock.destroy();
    this.settled = true;
    this.phase = 'streaming';
    preq.removeAllListeners('timeout');
    // The 101 as the backend wrote it, hop-by-hop fields cleared, then httpd's Upgrade/Connection pair.
    const list = HeaderList.fromRaw(pres.rawHeaders);
    stripHopByHop(list);
    list.add('Upgrade', got!);
    list.add('Connection', 'Upgrade');
    let head = `HTTP/1.1 101 ${pres.statusMessage || 'Switching Protocols'}\r\n`;
    for (const [n, v] of list.fields) if (!/[\r\n\0]/.test(v)) head += `${n}: ${v}\r\n`;
    this.res.detachSocket(client.socket);
    client.socket.write(Buffer.from(`${head}\r\n`, 'latin1'));
    const idleMs = this.d.settings.wsIdleTimeoutMs ?? (plan.legacy ? 0 : Math.max(this.d.settings.clientTimeoutMs, this.d.settings.timeoutMs));
    // The tunnel keeps only what its log line needs: the exchange, the request and the ClientRequest can go
    // (an idle tunnel should cost its two sockets and little else).
    const { ctx, d } = this;
    (bsock as Socket & { _httpMessage?: unknown })._httpMessage = null;
    ctx.tunnelOpened?.(client.socket);
    runTunnel(client.socket, client.head, bsock, bhead, { idleMs, onClose: (stats) => ctx.tunnelClosed?.(d, stats) });
  }

  private onBackendError(preq: ClientRequest | BackendCall, err: Error, isRetry: boolean): void {
    clearTimeout(this.connectTimer);
    if (preq !== this.preq) return;
    if (this.phase === 'streaming') {
      this.res.destroy();
      return;
    }
    if (this.settled) return;
    const code = (err as { code?: string }).code;
    // A pooled connection the backend closed while idle: retry once on a fresh one when nothing was sent that
    // cannot be replayed (httpd checks a pooled connection before reusing it, to the same effect).
    if (!isRetry && preq.reusedSocket && this.body.kind === 'none' && code === 'ECONNRESET') {
      this.ctx.log(`[proxy:debug] retry-stale-connection ${this.req.method} ${this.d.path} -> ${this.d.backend.key}`);
      return this.attempt(true);
    }
    const f = classifyBackendError(err, this.phase, this.d.backend.host, this.d.backend.port);
    if (this.d.balancer !== undefined) return this.memberFailed(this.d.balancer, f);
    if (f.connectFailed && this.ctx.workers.connectFailed(this.d.backend, Date.now())) {
      const secs = Math.round((this.d.backend.params.retryMs ?? 60_000) / 1000);
      this.ctx.log(`[proxy:error] AH00959: ap_proxy_connect_backend disabling worker for (${this.d.backend.host}:${this.d.backend.port}) for ${secs}s`);
    }
    this.fail(f);
  }

  /**
   * A balancer member failed before any byte of a response went out: into error state as httpd puts it (503 and
   * 500; failontimeout), and for a refused connect the request goes to another member (src/balancer/lease.ts).
   */
  private memberFailed(lease: BalancerLease<WorkerTarget>, f: BackendFailure): void {
    const now = Date.now();
    const { req, d } = this;
    const m = lease.member;
    if (f.code === 'response-timeout' || f.code === 'send-timeout') lease.timedOut(now);
    const next = lease.failed(f.status, now, f.connectFailed);
    if (m !== undefined && m.has('E') && m.errorTime === now) {
      this.ctx.log(`[proxy:error] AH00959: ${lease.runtime.name}: disabling member ${m.name} for ${Math.round(m.retryMs / 1000)}s (${f.code})`);
    }
    if (next.kind === 'attempt') {
      this.ctx.log(`[proxy_balancer:warn] failover ${req.method} ${d.path}: ${d.backend.key} ${f.code}, trying ${next.next.backend.key}`);
      this.useMember(next.next);
      this.ops = opsWithEnv(this.ops, this.baseEnv);
      return this.proceed();
    }
    if (next.log !== undefined) this.ctx.log(`[proxy_balancer:error] ${next.log}`);
    this.fail(f);
  }

  clientTimedOut(): void {
    this.fail({ status: 408, code: 'client-timeout', log: 'request body not received within Timeout', connectFailed: false });
  }

  private tooLarge(): void {
    this.fail({ status: 413, code: 'body-too-large', log: `request body exceeds LimitRequestBody ${this.d.settings.limitRequestBody}`, connectFailed: false });
  }

  /** A request body the client has not finished sending (it must not be parsed as the next request). */
  private bodyUnread(): boolean {
    return this.body.kind !== 'none' && !this.req.complete;
  }

  private fail(f: BackendFailure): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.connectTimer);
    const { req, res, d } = this;
    this.ctx.log(`[proxy:error] ${f.code} ${f.status} ${req.method} ${d.path} -> ${d.backend.key}: ${f.log}`);
    req.unpipe();
    this.preq?.destroy();
    sendErrorPage(res, f.status, {
      method: req.method ?? 'GET',
      ...(f.proxyReason !== undefined ? { proxyReason: f.proxyReason } : {}),
      close: this.bodyUnread() || this.opts.closeAfter === true,
      alwaysOps: d.settings.responseHeaders,
      ops: this.ops,
    });
  }

  private clientGone(code: string): void {
    clearTimeout(this.connectTimer);
    if (this.preq && !this.preq.destroyed) {
      if (!this.settled || this.phase === 'streaming') this.ctx.log(`[proxy:info] ${code} ${this.req.method} ${this.d.path} -> ${this.d.backend.key}: backend request aborted`);
      this.preq.destroy();
    }
    this.settled = true;
  }
}
