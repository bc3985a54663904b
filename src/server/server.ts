// The front end: one http.Server per Listen address, each request routed by the injected route() and then
// forwarded or answered. createProxyServer owns every server, socket, agent and timer it creates; close() ends them.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BackendPools } from '../proxy/pools.js';
import { setConnectionPolicy } from '../proxy/connection-policy.js';
import { forward, type ForwardHandle } from '../proxy/forward.js';
import { sendErrorPage, writeRawErrorPage } from '../proxy/respond.js';
import { WorkerStates } from '../proxy/worker-state.js';
import type { TunnelStats } from '../proxy/tunnel.js';
import type { Decision, Plan, RequestFacts } from '../route/types.js';
import { bindAddrs, formatAddr, type BindAddr } from './listeners.js';
import { checkRequestLimits, DEFAULT_LIMITS, nodeMaxHeaderSize, type ServerLimits } from './limits.js';
import { requestFacts } from './request-facts.js';

/** What the server itself reads from a Plan (the rest is route()'s business). */
export type ServedPlan = Pick<Plan, 'listen'> & { readonly main: Pick<Plan['main'], 'settings'> };

export interface ProxyServerOptions {
  readonly plan: ServedPlan;
  readonly route: (facts: RequestFacts) => Decision;
  readonly limits?: Partial<ServerLimits>;
  readonly log?: (line: string) => void;
}

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:8080", "[::1]:8080", "*:8080" */
  readonly text: string;
}

export interface ProxyServer {
  listen(): Promise<ListeningAddress[]>;
  close(): Promise<void>;
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

/** A request body the Upgrade path cannot frame (Content-Length other than 0, or any Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl.trim() !== '0');
}

export function createProxyServer(opts: ProxyServerOptions): ProxyServer {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, timeoutMs: opts.plan.main.settings.clientTimeoutMs, ...opts.limits };
  const log = opts.log ?? ((line: string) => process.stderr.write(`tsproxyd: ${line}\n`));
  const pools = new BackendPools();
  const workers = new WorkerStates();
  const sockets = new Set<Duplex>();
  const inFlight = new WeakMap<Duplex, InFlight>();
  const served = new WeakMap<Duplex, number>();
  const servers: http.Server[] = [];

  let tunnels = 0;
  const forwardCtx = {
    pools,
    workers,
    log,
    tunnelOpened: (client: Socket) => {
      tunnels++;
      inFlight.delete(client);
    },
    tunnelClosed: (d: Extract<Decision, { kind: 'forward' }>, st: TunnelStats) => {
      tunnels--;
      log(`[proxy:info] tunnel-closed ${d.backend.key}${d.path} ${st.reason} up=${st.up} down=${st.down} ${st.durationMs}ms`);
    },
  };

  function handle(req: IncomingMessage, res: ServerResponse, bind: BindAddr, expectContinue: boolean, upgrade?: { socket: Socket; head: Buffer }): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const current: InFlight = { req, res };
    inFlight.set(req.socket, current);
    // MaxKeepAliveRequests counted here (not Node's maxRequestsPerSocket) so that "max=" is httpd's countdown.
    const n = served.get(req.socket) ?? 0;
    served.set(req.socket, n + 1);
    const max = limits.maxKeepAliveRequests;
    if (!limits.keepAlive || upgrade || (max > 0 && n >= max)) res.shouldKeepAlive = false;
    setConnectionPolicy(req, res, { keepAliveTimeoutSec: Math.floor(limits.keepAliveTimeoutMs / 1000), remaining: max > 0 ? max - n : undefined });
    const method = req.method ?? 'GET';
    const over = checkRequestLimits(method, req.url ?? '', req.httpVersion, req.rawHeaders, limits);
    if (over) return sendErrorPage(res, over.status, { method, ...(over.notes !== undefined ? { notes: over.notes } : {}), close: true });
    let decision: Decision;
    try {
      decision = opts.route(requestFacts(req, bind.tls));
    } catch (err) {
      log(`[core:error] route-failed ${method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      return sendErrorPage(res, 500, { method, close: true });
    }
    if (decision.log !== undefined) for (const line of decision.log) log(line); // mod_rewrite's trace and errors
    if (upgrade && hasBody(req) && !(decision.kind === 'forward' && decision.upgrade)) {
      // Node hands a request with "Connection: upgrade" over without its parser: when it is not tunnelled (its
      // body would then follow the 101, as in httpd), tsproxyd cannot frame its body for the backend.
      log(`[core:info] 400 ${method} ${req.url}: a request body with an Upgrade that is not forwarded is not supported`);
      return sendErrorPage(res, 400, { method, notes: 'A request body together with Upgrade is not supported here.', close: true });
    }
    switch (decision.kind) {
      case 'forward':
        current.exchange = forward(req, res, decision, forwardCtx, {
          tls: bind.tls,
          expectContinue,
          closeAfter: upgrade !== undefined,
          ...(decision.env !== undefined ? { env: decision.env } : {}),
          noBody: upgrade !== undefined,
          ...(upgrade ? { upgrade } : {}),
        });
        return;
      case 'respond': {
        log(`[core:info] ${decision.status} ${method} ${req.url}: ${decision.reason}`);
        const alwaysOps = decision.settings?.responseHeaders ?? [];
        const ops = { env: decision.env ?? new Map<string, string>(), requestTimeUs: Date.now() * 1000, startedAt: process.hrtime.bigint() };
        return sendErrorPage(res, decision.status, { method, alwaysOps, ops, ...(decision.headers ? { extraHeaders: decision.headers } : {}) });
      }
    }
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

  function makeServer(bind: BindAddr): http.Server {
    const server = http.createServer({
      maxHeaderSize: nodeMaxHeaderSize(limits),
      requestTimeout: 0,
      headersTimeout: limits.timeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.timeoutMs),
      insecureHTTPParser: false,
    });
    server.maxHeadersCount = limits.limitRequestFields > 0 ? limits.limitRequestFields + 1 : 0;
    server.setTimeout(limits.timeoutMs, onTimeout);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    server.on('request', (req, res) => handle(req, res, bind, false));
    server.on('checkContinue', (req, res) => handle(req, res, bind, true));
    server.on('clientError', onClientError);
    // Requests with an Upgrade header: Node has detached its parser, so whatever the answer the connection does not
    // go on as HTTP. An HTTP answer (error page, refused upgrade, upgrade not allowed) goes out through a
    // ServerResponse on the socket, which is then closed; a 101 detaches it and the tunnel takes the socket. The
    // client's bytes after its head are not read until then (never into the backend before a 101).
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // A listener without a closure: one that shared this scope would keep `res` (and through it the whole
      // exchange) alive for as long as the tunnel is open.
      socket.on('error', ignore);
      const res = new http.ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.on('finish', () => {
        res.detachSocket(socket as Socket);
        (socket as Socket).destroySoon();
      });
      handle(req, res, bind, false, { socket: socket as Socket, head });
    });
    return server;
  }

  return {
    async listen() {
      const out: ListeningAddress[] = [];
      for (const bind of bindAddrs(opts.plan.listen)) {
        if (bind.tls) throw new Error(`Listen ${formatAddr(bind.host, bind.port)} https: TLS listeners are not available yet`);
        const server = makeServer(bind);
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port: bind.port, ...(bind.host !== undefined ? { host: bind.host } : {}) }, () => {
            server.off('error', reject);
            server.on('error', (err) => log(`[core:error] listener ${formatAddr(bind.host, bind.port)}: ${err.message}`));
            resolve();
          });
        });
        const a = server.address();
        const port = a !== null && typeof a === 'object' ? a.port : bind.port;
        out.push({ host: bind.host ?? '*', port, text: formatAddr(bind.host, port) });
      }
      return out;
    },
    async close() {
      const closing = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const s of servers) s.closeAllConnections();
      for (const s of sockets) s.destroy();
      pools.close();
      await Promise.all(closing);
      servers.length = 0;
    },
    backendSockets: (key) => pools.socketCount(key),
    openTunnels: () => tunnels,
  };
}
