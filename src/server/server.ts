// The front end: one http.Server per Listen address, each request routed by the injected route() and then
// forwarded or answered. createProxyServer owns every server, socket, agent and timer it creates; close() ends them.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { refuseUnverified, type ListenerTls, type ListenerTlsResult } from '../tls/listener.js';
import { gateTlsConnections } from '../tls/gate.js';
import { answerPlainHttp } from '../tls/plain-http.js';
import { afterRenegotiation } from '../tls/renegotiate.js';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BackendPools } from '../proxy/pools.js';
import { setConnectionPolicy } from '../proxy/connection-policy.js';
import { forward, type ForwardHandle } from '../proxy/forward.js';
import { sendErrorPage, writeRawErrorPage } from '../proxy/respond.js';
import { WorkerStates } from '../proxy/worker-state.js';
import type { TunnelStats } from '../proxy/tunnel.js';
import type { Decision, Plan, RequestFacts } from '../route/types.js';
import type { AccessLogs } from '../log/access-log.js';
import { defaultServerOf, RequestLogger } from './access-entry.js';
import { bindAddrs, formatAddr, type BindAddr } from './listeners.js';
import { checkRequestLimits, DEFAULT_LIMITS, nodeMaxHeaderSize, type ServerLimits } from './limits.js';
import { requestFacts } from './request-facts.js';
import { ServerStats, type TunnelRoute } from '../status/stats.js';
import { StatusLive } from '../status/live.js';
import { serveLocalHandler } from '../status/serve.js';
import { ownFigures, type ServerView } from '../status/snapshot.js';
import { ProcessTable } from '../status/processes.js';
import type { LocalHandler } from '../status/types.js';

/** What the server itself reads from a Plan (the rest is route()'s business); vhosts: for access logs. */
export type ServedPlan = Pick<Plan, 'listen'> & { readonly main: Pick<Plan['main'], 'settings'>; readonly vhosts?: Plan['vhosts'] };

export interface ProxyServerOptions {
  readonly plan: ServedPlan;
  /** A Promise only when the request waits for something outside route() (a RewriteMap program's answer). */
  readonly route: (facts: RequestFacts) => Decision | Promise<Decision>;
  readonly limits?: Partial<ServerLimits>;
  readonly log?: (line: string) => void;
  /** Whether a listen address speaks TLS and with which certificates (src/tls/listener.ts); absent: plain HTTP. */
  readonly listenerTls?: (host: string | undefined, port: number) => ListenerTlsResult;
  /** The access logs opened for this plan (src/log/access-log.ts): the server writes them and close() closes them. */
  readonly accessLogs?: AccessLogs;
  /** This plan's balancer health checks (src/balancer/hcheck-runner.ts): run while the plan is served. */
  readonly healthChecks?: { start(): void; stop(): void };
}

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:8080", "[::1]:8080", "*:8080" */
  readonly text: string;
}

/** What a reload did: `ok: false` leaves the server exactly as it was (the old configuration keeps serving). */
export type ReloadResult = { readonly ok: true; readonly addresses: ListeningAddress[]; readonly warnings: string[] } | { readonly ok: false; readonly errors: string[] };

export interface ProxyServer {
  listen(): Promise<ListeningAddress[]>;
  /**
   * A new configuration for what comes next: new connections and the next request on a kept-alive connection use
   * it at once; requests in flight finish on the old one; open tunnels are not touched. Listen addresses added or
   * removed open or close; TLS certificates are swapped on listeners that stay.
   */
  reload(next: ProxyServerOptions): Promise<ReloadResult>;
  /**
   * Graceful stop: stop accepting, let requests in flight finish (kept-alive connections close after their
   * response), let tunnels end by themselves, and after `graceMs` (0: no limit) close the remaining tunnels cleanly
   * (FIN both ways, not reset). Then close().
   */
  shutdown(graceMs: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Entry point for one request, whichever server received it: tsproxyd's own listeners call it, and so does the
   * library API (src/library) for requests of an http.Server the application owns. `expectContinue`: the request
   * came through 'checkContinue' (no `100 Continue` sent yet).
   */
  handleRequest(req: IncomingMessage, res: ServerResponse, expectContinue?: boolean): void;
  /** Entry point for a request with an Upgrade header (an http.Server's 'upgrade' event): tunnel or answer it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Serve the next requests with another configuration without touching listeners (the library API, whose server
   * is the application's); reload() does this and then opens and closes listeners.
   */
  replaceConfiguration(next: ProxyServerOptions): void;
  /** Open backend connections per Backend.key (tests, status). */
  backendSockets(key: string): number;
  /** Tunnels open now (after a 101, until either side closes). */
  openTunnels(): number;
}

interface InFlight {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  exchange?: ForwardHandle;
}

function ignore(): void {}

/** One configuration's request-side state; a reload makes a new one, and the old one retires when idle. */
interface Generation {
  readonly route: ProxyServerOptions['route'];
  readonly requestLog: RequestLogger | undefined;
  readonly accessLogs: AccessLogs | undefined;
  /** Requests started under it and not yet finished. */
  active: number;
  retired: boolean;
}

function generationOf(o: ProxyServerOptions): Generation {
  return {
    route: o.route,
    requestLog: o.accessLogs?.targets ? new RequestLogger(o.accessLogs, defaultServerOf(o.plan)) : undefined,
    accessLogs: o.accessLogs,
    active: 0,
    retired: false,
  };
}

function limitsOf(o: ProxyServerOptions): ServerLimits {
  return { ...DEFAULT_LIMITS, timeoutMs: o.plan.main.settings.clientTimeoutMs, ...o.limits };
}

interface Listener {
  readonly server: http.Server;
  /** The TLS settings the SNI callback and the client-certificate check read (swapped by a reload). */
  readonly state: { lt: ListenerTls | undefined };
  readonly tls: boolean;
}

interface Wanted {
  readonly listed: BindAddr;
  readonly lt: ListenerTls | undefined;
}

const listenerKey = (b: BindAddr): string => `${b.host ?? '*'}|${b.port}`;

function addressOf(server: http.Server, bind: BindAddr): ListeningAddress {
  const a = server.address();
  const port = a !== null && typeof a === 'object' ? a.port : bind.port;
  return { host: bind.host ?? '*', port, text: formatAddr(bind.host, port) };
}

/** Whether a request came over TLS (an https.Server's socket), for route() and the forwarder. */
function overTls(socket: Duplex): boolean {
  return (socket as Partial<TLSSocket>).encrypted === true;
}

/** A request body the Upgrade path cannot frame (Content-Length other than 0, or any Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl.trim() !== '0');
}

export function createProxyServer(opts: ProxyServerOptions): ProxyServer {
  let cfg = opts;
  let limits = limitsOf(opts);
  const log = opts.log ?? ((line: string) => process.stderr.write(`tsproxyd: ${line}\n`));
  const pools = new BackendPools();
  const workers = new WorkerStates();
  const sockets = new Set<Duplex>();
  const inFlight = new WeakMap<Duplex, InFlight>();
  const served = new WeakMap<Duplex, number>();
  const listeners = new Map<string, Listener>();
  let gen = generationOf(opts);
  /** Requests being answered (all generations), and the sockets of open tunnels: what a graceful stop waits for. */
  let active = 0;
  let stopping = false;
  const tunnelSockets = new Set<Socket>();

  // Status pages (src/status): plain counters the request path increments, what the pages read of this server,
  // and the live view's WebSocket viewers (closed by shutdown/close).
  const stats = new ServerStats();
  const upgrades = new WeakMap<Duplex, Extract<Decision, { kind: 'forward' }>>();
  const processTable = new ProcessTable(); // the other worker processes' figures (WorkerProcesses > 1)
  const statusView: ServerView = {
    stats,
    processes: processTable,
    busy: () => Math.max(0, active - live.size - stats.tunnelsOpen),
    openConnections: () => sockets.size,
    openBytes: () => {
      let i = 0;
      let o = 0;
      for (const s of sockets) {
        i += (s as Socket).bytesRead;
        o += (s as Socket).bytesWritten;
      }
      return { in: i, out: o };
    },
    poolSockets: (key) => pools.socketCount(key),
    workerError: (b, now) => workers.unusable(b, now),
    stopping: () => stopping,
  };
  const live = new StatusLive(statusView);
  const statusCtx = { view: statusView, live };

  let tunnels = 0;
  const forwardCtx = {
    pools,
    workers,
    log,
    tunnelOpened: (client: Socket) => {
      tunnels++;
      inFlight.delete(client);
      tunnelSockets.add(client);
      const d = upgrades.get(client);
      const route: TunnelRoute = stats.tunnelOpened(d?.balancer?.runtime.name ?? d?.backend.key ?? '?', d?.path ?? '');
      client.once('close', () => {
        tunnelSockets.delete(client);
        stats.tunnelClosed(route);
      });
    },
    tunnelClosed: (d: Extract<Decision, { kind: 'forward' }>, st: TunnelStats) => {
      tunnels--;
      gen.requestLog?.tunnelClosed(d, st);
      log(`[proxy:info] tunnel-closed ${d.backend.key}${d.path} ${st.reason} up=${st.up} down=${st.down} ${st.durationMs}ms`);
    },
  };

  /**
   * The end of a request, once. Made outside handle(): a closure made inside it would keep handle's whole scope
   * (the request, the response, the exchange) alive from an open tunnel's socket, ~7 KiB per idle tunnel.
   */
  function doneOnce(g: Generation, t0: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      stats.requestDone(t0);
      requestDone(g);
    };
  }

  function handle(req: IncomingMessage, res: ServerResponse, expectContinue: boolean, upgrade?: { socket: Socket; head: Buffer }): void {
    const tls = overTls(req.socket);
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const current: InFlight = { req, res };
    inFlight.set(req.socket, current);
    const g = gen; // this request's configuration, whatever a reload does meanwhile
    active++;
    g.active++;
    stats.requests++;
    const t0 = performance.now();
    // Done when the response closes; a tunnel's ServerResponse is detached from its socket at the 101 and never
    // closes, so an upgrade is done when its socket closes (its generation's logs stay open for its log line).
    const finished = doneOnce(g, t0);
    res.once('close', finished);
    if (upgrade) upgrade.socket.once('close', finished);
    if (stopping) res.shouldKeepAlive = false;
    // MaxKeepAliveRequests counted here (not Node's maxRequestsPerSocket) so that "max=" is httpd's countdown.
    const n = served.get(req.socket) ?? 0;
    served.set(req.socket, n + 1);
    const entry = g.requestLog?.begin(req, res, n, tls); // the access-log line, written when the response ends
    const max = limits.maxKeepAliveRequests;
    if (!limits.keepAlive || upgrade || (max > 0 && n >= max)) res.shouldKeepAlive = false;
    setConnectionPolicy(req, res, { keepAliveTimeoutSec: Math.floor(limits.keepAliveTimeoutMs / 1000), remaining: max > 0 ? max - n : undefined });
    const method = req.method ?? 'GET';
    const over = checkRequestLimits(method, req.url ?? '', req.httpVersion, req.rawHeaders, limits);
    if (over) return sendErrorPage(res, over.status, { method, ...(over.notes !== undefined ? { notes: over.notes } : {}), close: true });
    let routed: Decision | Promise<Decision>;
    const routeFailed = (err: unknown): void => {
      log(`[core:error] route-failed ${method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      sendErrorPage(res, 500, { method, close: true });
    };
    const facts = requestFacts(req, tls);
    try {
      routed = g.route(facts);
    } catch (err) {
      return routeFailed(err);
    }
    if (routed instanceof Promise) {
      routed.then((d) => dispatch(d), routeFailed);
      return;
    }
    dispatch(routed);

    function dispatch(decision: Decision): void {
      // A <Location>'s SSLVerifyClient over TLS 1.2: renegotiate for a client certificate, then route again.
      if (decision.kind === 'respond' && decision.renegotiate !== undefined) {
        return void afterRenegotiation(req.socket as TLSSocket, decision, () => g.route(requestFacts(req, tls)), limits.timeoutMs).then(dispatch, routeFailed);
      }
      entry?.decided(decision);
      if (decision.log !== undefined) for (const line of decision.log) log(line); // mod_rewrite's trace and errors
      if (upgrade && hasBody(req) && !(decision.kind === 'forward' && decision.upgrade)) {
        // Node hands a request with "Connection: upgrade" over without its parser: when it is not tunnelled (its
        // body would then follow the 101, as in httpd), tsproxyd cannot frame its body for the backend.
        log(`[core:info] 400 ${method} ${req.url}: a request body with an Upgrade that is not forwarded is not supported`);
        return sendErrorPage(res, 400, { method, notes: 'A request body together with Upgrade is not supported here.', close: true });
      }
      switch (decision.kind) {
        case 'forward':
          if (upgrade && decision.upgrade) upgrades.set(upgrade.socket, decision); // for the status page's tunnels per route
          current.exchange = forward(req, res, decision, forwardCtx, {
            tls,
            ssl: facts.ssl,
            expectContinue,
            closeAfter: upgrade !== undefined,
            ...(decision.env !== undefined ? { env: decision.env } : {}),
            noBody: upgrade !== undefined,
            ...(upgrade ? { upgrade } : {}),
          });
          return;
        case 'respond': {
          // SetHandler server-status / balancer-manager, allowed by the section's Require rules (src/status).
          if (decision.handler !== undefined) return serveLocalHandler(req, res, decision as typeof decision & { handler: LocalHandler }, statusCtx, upgrade);
          log(`[core:info] ${decision.status} ${method} ${req.url}: ${decision.reason}`);
          const alwaysOps = decision.settings?.responseHeaders ?? [];
          const ops = { env: decision.env ?? new Map<string, string>(), requestTimeUs: Date.now() * 1000, startedAt: process.hrtime.bigint() };
          return sendErrorPage(res, decision.status, { method, alwaysOps, ops, ...(decision.headers ? { extraHeaders: decision.headers } : {}) });
        }
      }
    }
  }

  // Requests with an Upgrade header: Node has detached its parser, so whatever the answer the connection does not
  // go on as HTTP. An HTTP answer (error page, refused upgrade, upgrade not allowed) goes out through a
  // ServerResponse on the socket, which is then closed; a 101 detaches it and the tunnel takes the socket. The
  // client's bytes after its head are not read until then (never into the backend before a 101).
  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A listener without a closure: one that shared this scope would keep `res` (and through it the whole
    // exchange) alive for as long as the tunnel is open.
    socket.on('error', ignore);
    const res = new http.ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      res.detachSocket(socket as Socket);
      (socket as Socket).destroySoon();
    });
    handle(req, res, false, { socket: socket as Socket, head });
  }

  function onClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
    const s = socket as Socket;
    const busy = inFlight.get(socket);
    if (err.code === 'ECONNRESET' || !s.writable || (busy && busy.res.headersSent && !busy.res.writableFinished)) {
      s.destroy();
      return;
    }
    switch (err.code) {
      case 'HPE_HEADER_OVERFLOW': {
        // Beyond the whole-block bound given to Node: a request line or a field too long.
        const packet = err.rawPacket?.toString('latin1') ?? '';
        const eol = packet.indexOf('\r\n');
        if (/^[A-Z]+ /.test(packet) && (eol < 0 || eol > limits.limitRequestLine)) return writeRawErrorPage(s, 414);
        return writeRawErrorPage(s, 400, { notes: 'Size of a request header field exceeds server limit.' });
      }
      case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
        return writeRawErrorPage(s, 413);
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return writeRawErrorPage(s, 408);
      default:
        return writeRawErrorPage(s, 400);
    }
  }

  /** Timeout: idle while the client should be sending (headers or body) or reading (a stalled response). */
  function onTimeout(socket: Socket): void {
    const cur = inFlight.get(socket);
    if (!cur || cur.res.writableFinished) return void socket.destroy();
    const { req, res } = cur;
    // Only while tsproxyd is reading the body: a body paused by backpressure (the backend is not reading) or not
    // yet asked for (connecting, waiting for 100-continue) is the backend's timeout to judge.
    if (!req.complete && !res.headersSent && req.readableFlowing === true) {
      if (cur.exchange) return cur.exchange.clientTimedOut();
      log(`[core:info] client-timeout ${req.method} ${req.url}: request body not received within Timeout`);
      return sendErrorPage(res, 408, { method: req.method ?? 'GET', close: true });
    }
    if (res.headersSent && res.writableNeedDrain) socket.destroy(); // the client stopped reading
    // else: waiting for the backend, whose own timeout applies.
  }

  function requestDone(g: Generation): void {
    active--;
    if (--g.active === 0 && g !== gen) void retire(g);
    if (stopping) for (const l of listeners.values()) l.server.closeIdleConnections();
  }

  /** A configuration replaced by a reload: its access logs close once its last request has been logged. */
  async function retire(g: Generation): Promise<void> {
    if (g.retired) return;
    g.retired = true;
    await g.requestLog?.settle();
    await g.accessLogs?.close();
  }

  function makeServer(state: { lt: ListenerTls | undefined }): http.Server {
    const lt = state.lt;
    const httpOptions: http.ServerOptions = {
      maxHeaderSize: nodeMaxHeaderSize(limits),
      requestTimeout: 0,
      headersTimeout: limits.timeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.timeoutMs),
      insecureHTTPParser: false,
    };
    // The SNI callback and the client-certificate check read `state`, which a reload updates.
    const server = lt === undefined ? http.createServer(httpOptions) : https.createServer({ ...httpOptions, ...lt.options, SNICallback: (name, cb) => state.lt?.options.SNICallback?.(name, cb) });
    if (lt !== undefined) {
      // Before TLS: plain HTTP is answered with mod_ssl's 400; a handshake gets its SNI vhost's context (src/tls/gate.ts).
      gateTlsConnections(server as https.Server, { connectionTls: (name) => state.lt?.connectionTls(name), plainHttp: (s) => answerPlainHttp(s, log), timeoutMs: () => limits.timeoutMs });
      server.on('secureConnection', (s: TLSSocket) => {
        const now = state.lt;
        if (now !== undefined && refuseUnverified(now.serverFor(s).tls, s)) {
          log(`[ssl:info] ${s.remoteAddress}:${s.remotePort} refused: SSLVerifyClient and no valid client certificate (${String(s.authorizationError ?? 'none sent')})`);
          s.destroy();
        }
      });
      server.on('tlsClientError', (err: Error, s: TLSSocket) => log(`[ssl:info] ${s.remoteAddress}:${s.remotePort} handshake failed: ${err.message}`));
    }
    applyLimits(server);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      stats.connections++;
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        stats.connectionClosed(s);
      });
    });
    server.on('request', (req, res) => handle(req, res, false));
    server.on('checkContinue', (req, res) => handle(req, res, true));
    server.on('clientError', onClientError);
    server.on('upgrade', handleUpgrade);
    return server;
  }

  /** Timeouts and limits a reload can change on a running http.Server (maxHeaderSize is fixed at creation). */
  function applyLimits(server: http.Server): void {
    server.maxHeadersCount = limits.limitRequestFields > 0 ? limits.limitRequestFields + 1 : 0;
    server.headersTimeout = limits.timeoutMs;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.setTimeout(limits.timeoutMs, onTimeout);
  }

  /** The TLS settings of every address of a configuration, or every reason they cannot be used. */
  function wantedListeners(o: ProxyServerOptions): { ok: true; wanted: Map<string, Wanted> } | { ok: false; errors: string[] } {
    const wanted = new Map<string, Wanted>();
    const errors: string[] = [];
    for (const listed of bindAddrs(o.plan.listen)) {
      const lt = o.listenerTls?.(listed.host, listed.port) ?? { ok: true, tls: undefined };
      if (!lt.ok) errors.push(`TLS for ${formatAddr(listed.host, listed.port)}: ${lt.errors.join('; ')}`);
      else wanted.set(listenerKey(listed), { listed, lt: lt.tls });
    }
    return errors.length > 0 ? { ok: false, errors } : { ok: true, wanted };
  }

  async function openListener(w: Wanted): Promise<ListeningAddress> {
    const { listed } = w;
    if (listed.tls && w.lt === undefined) log(`[ssl:warn] Listen ${formatAddr(listed.host, listed.port)} https: no server of that address has SSLEngine on, so it speaks plain HTTP`);
    const bind: BindAddr = { ...listed, tls: w.lt !== undefined };
    const state = { lt: w.lt };
    const server = makeServer(state);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: bind.port, ...(bind.host !== undefined ? { host: bind.host } : {}) }, () => {
        server.off('error', reject);
        server.on('error', (err) => log(`[core:error] listener ${formatAddr(bind.host, bind.port)}: ${err.message}`));
        resolve();
      });
    });
    listeners.set(listenerKey(listed), { server, state, tls: bind.tls });
    return addressOf(server, bind);
  }

  function closeListener(key: string, l: Listener): void {
    listeners.delete(key);
    l.server.close(); // stops accepting; its connections finish what they are doing
    l.server.closeIdleConnections();
  }

  function replaceConfiguration(next: ProxyServerOptions): void {
    const old = gen;
    cfg.healthChecks?.stop(); // the new configuration has its own member states and health checks
    cfg = next;
    cfg.healthChecks?.start();
    limits = limitsOf(next);
    gen = generationOf(next);
    stats.generation++;
    if (old.active === 0) void retire(old);
  }

  async function close(): Promise<void> {
    cfg.healthChecks?.stop();
    live.close();
    processTable.stop();
    const servers = [...listeners.values()].map((l) => l.server);
    listeners.clear();
    const closing = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of servers) s.closeAllConnections();
    for (const s of sockets) s.destroy();
    for (const s of tunnelSockets) s.destroy(); // a library user's server (not in `sockets`) may hold tunnels too
    pools.close();
    await Promise.all(closing);
    await gen.requestLog?.settle(); // the lines of responses and tunnels the destroyed sockets ended
    await gen.accessLogs?.close(); // then every line is written
  }

  return {
    async listen() {
      const w = wantedListeners(cfg);
      if (!w.ok) throw new Error(w.errors.join('\n'));
      const out: ListeningAddress[] = [];
      for (const x of w.wanted.values()) out.push(await openListener(x));
      processTable.start(() => ownFigures(statusView));
      cfg.healthChecks?.start();
      return out;
    },
    async reload(next) {
      const w = wantedListeners(next);
      if (!w.ok) return { ok: false, errors: w.errors };
      replaceConfiguration(next);
      const warnings: string[] = [];
      for (const [key, l] of [...listeners]) {
        const keep = w.wanted.get(key);
        // A listener that stops or starts speaking TLS is replaced (its address refuses connections meanwhile).
        if (keep === undefined || (keep.lt !== undefined) !== l.tls) closeListener(key, l);
      }
      const addresses: ListeningAddress[] = [];
      for (const [key, x] of w.wanted) {
        const l = listeners.get(key);
        if (l === undefined) {
          try {
            addresses.push(await openListener(x));
          } catch (err) {
            warnings.push(`cannot listen on ${formatAddr(x.listed.host, x.listed.port)}: ${(err as Error).message}`);
          }
          continue;
        }
        l.state.lt = x.lt;
        if (x.lt !== undefined) (l.server as https.Server).setSecureContext(x.lt.options);
        applyLimits(l.server);
        addresses.push(addressOf(l.server, { ...x.listed, tls: l.tls }));
      }
      return { ok: true, addresses, warnings };
    },
    async shutdown(graceMs) {
      stopping = true;
      cfg.healthChecks?.stop();
      live.close(); // the status pages' live viewers are not work to wait for
      for (const [key, l] of [...listeners]) closeListener(key, l);
      const deadline = graceMs > 0 ? Date.now() + graceMs : Infinity;
      while (active > 0 && Date.now() < deadline) await sleep(50);
      while (tunnelSockets.size > 0 && Date.now() < deadline) await sleep(50);
      // FIN to every client still tunnelled; the tunnel passes the end on to its backend (half-close), and both
      // sockets close when both sides have ended. Bounded: whatever is still open after that is destroyed by close().
      for (const c of tunnelSockets) c.end();
      const ends = Date.now() + 2000;
      while (tunnelSockets.size > 0 && Date.now() < ends) await sleep(20);
      await close();
    },
    close,
    handleRequest: (req, res, expectContinue = false) => handle(req, res, expectContinue),
    handleUpgrade,
    replaceConfiguration,
    backendSockets: (key) => pools.socketCount(key),
    openTunnels: () => tunnels,
  };
}
