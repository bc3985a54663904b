// The server's side of access logging: one entry per request, started when the request arrives, told the Decision,
// and written when the response is finished, the client goes away first, or -- for a WebSocket or other upgrade --
// when the tunnel closes (status 101, bytes both ways, the tunnel's whole duration). The entry keeps a small
// snapshot (addresses, request line, raw header array), never the ServerResponse: an open tunnel holds only that.
//
// Byte counts come from the client socket's counters, per connection: %I/%O are what was read/written on it since
// the previous request's line (exact for sequential keep-alive requests; with pipelining the bytes of a request
// read early are counted with the request before it). %B is %O less the response head.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessLogs } from '../log/access-log.js';
import type { ServerLogs } from '../log/plan.js';
import type { AccessRecord } from '../log/record.js';
import { sameName } from '../proxy/header-list.js';
import type { TunnelStats } from '../proxy/tunnel.js';
import { canonicalizePath } from '../route/canon-path.js';
import { parseRequestTarget } from '../route/request-target.js';
import type { Decision, ServerPlan } from '../route/types.js';
import { candidatesFor, normaliseHost } from '../route/vhost-select.js';

/** The server a request is logged under when its Decision names none (a 400 before a server was chosen). */
export type DefaultServer = (localAddress: string, localPort: number) => { readonly serverName: string; readonly logs?: ServerLogs | undefined };

/**
 * httpd logs a request refused before a server was chosen (bad Host, bad request-target, limits) under the
 * connection's default server: the first <VirtualHost> for the local address and port, else the main server.
 */
export function defaultServerOf(plan: { readonly main: Pick<ServerPlan, 'settings'>; readonly vhosts?: readonly ServerPlan[] | undefined }): DefaultServer {
  return (address, port) => {
    const vhost = plan.vhosts === undefined ? undefined : candidatesFor({ vhosts: plan.vhosts }, address, port)[0];
    const settings = (vhost ?? plan.main).settings;
    return { serverName: settings.serverName, logs: settings.logs };
  };
}

interface Baseline {
  read: number;
  written: number;
}

const nowUs = (): number => (performance.timeOrigin + performance.now()) * 1000;
const plain = (a: string | undefined): string => (a === undefined ? '' : a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

/** Node keeps the response head it wrote as a string; its fields serve %{…}o and its length %B. */
function responseHead(res: ServerResponse): string {
  const h = (res as unknown as { _header?: string | null })._header;
  return typeof h === 'string' ? h : '';
}

function fieldLookup(head: string): (name: string) => string | undefined {
  let fields: Map<string, string> | undefined;
  return (name) => {
    if (fields === undefined) {
      fields = new Map();
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        const had = fields.get(key);
        // httpd's %{Set-Cookie}o lists every cookie; other fields give the first one.
        if (had === undefined) fields.set(key, value);
        else if (key === 'set-cookie') fields.set(key, `${had}, ${value}`);
      }
    }
    return fields.get(name);
  };
}

function headerLookup(raw: readonly string[]): (name: string) => string | undefined {
  return (key) => {
    let value: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!sameName(raw[i]!, key)) continue;
      value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
    }
    return value;
  };
}

const NO_ENV: ReadonlyMap<string, string> = new Map();

/** The request's environment; for a balancer:// route with the BALANCER_* variables of the member that served it. */
function envOf(d: Decision | undefined): ReadonlyMap<string, string> {
  const env = d?.env ?? NO_ENV;
  const lease = d?.kind === 'forward' ? d.balancer : undefined;
  if (lease === undefined || lease.env.size === 0) return env;
  const all = new Map(env);
  for (const [k, v] of lease.env) all.set(k, v);
  return all;
}

class Entry {
  private decision: Decision | undefined;
  private readonly startUs = nowUs();
  private readonly startHr = process.hrtime.bigint();
  private readonly method: string;
  private readonly url: string;
  private readonly version: string;
  private readonly rawHeaders: readonly string[];
  /** Taken now: a closed socket (a tunnel's, at its end) no longer knows its addresses. */
  private readonly remoteAddr: string;
  private readonly remotePort: number;
  private readonly localAddr: string;
  private readonly localPort: number;
  private done = false;

  constructor(
    private readonly owner: RequestLogger,
    req: IncomingMessage,
    private readonly socket: Socket,
    private readonly keepAlives: number,
    private readonly tls: boolean,
  ) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
    this.version = req.httpVersion;
    this.rawHeaders = req.rawHeaders;
    this.remoteAddr = plain(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.localAddr = plain(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
  }

  decided(d: Decision): void {
    this.decision = d;
    if (d.kind === 'forward' && d.upgrade !== undefined) this.owner.tunnels.set(d, this);
  }

  /** The response is complete ('finish') or the connection closed before it was ('close'). */
  responded(res: ServerResponse, aborted: boolean): void {
    if (this.done) return;
    this.done = true;
    this.owner.pending--;
    const head = responseHead(res);
    const last = (res as unknown as { _last?: boolean })._last === true;
    const status = res.statusCode;
    this.write(status, head.length, fieldLookup(head), aborted ? 'X' : last || !res.shouldKeepAlive ? '-' : '+');
  }

  tunnelClosed(_stats: TunnelStats): void {
    if (this.done) return;
    this.done = true;
    this.owner.pending--;
    this.write(101, -1, () => undefined, '-');
  }

  /** headLength -1: everything written counts as the exchange (a tunnel's 101 and the bytes after it). */
  private write(status: number, headLength: number, responseHeader: (name: string) => string | undefined, connStatus: AccessRecord['connStatus']): void {
    const server = this.server();
    if (server.logs === undefined || server.logs.access.length === 0) return;
    const base = this.owner.baseline(this.socket);
    const read = this.socket.bytesRead - base.read;
    const written = this.socket.bytesWritten - base.written;
    base.read = this.socket.bytesRead;
    base.written = this.socket.bytesWritten;
    const { url, tls } = this;
    const requestHeader = headerLookup(this.rawHeaders);
    const d = this.decision;
    // What only some letters need (%U, %q, %V) is worked out when a format asks for it.
    let target: ReturnType<typeof parseRequestTarget> | undefined;
    const parsed = () => (target ??= parseRequestTarget(url, tls));
    const record: AccessRecord = {
      startUs: this.startUs,
      startHr: this.startHr,
      endUs: nowUs(),
      endHr: process.hrtime.bigint(),
      remoteAddr: this.remoteAddr,
      remotePort: this.remotePort,
      localAddr: this.localAddr,
      localPort: this.localPort,
      tls,
      serverName: server.serverName,
      serverPort: server.logs.serverPort,
      get hostName() {
        const t = parsed();
        const host = (t.form === 'absolute' ? t.authority : undefined) ?? requestHeader('host');
        return host === undefined ? undefined : normaliseHost(host);
      },
      useCanonicalName: server.logs.useCanonicalName,
      requestLine: `${this.method} ${url} HTTP/${this.version}`,
      method: this.method,
      protocol: `HTTP/${this.version}`,
      get path() {
        const t = parsed();
        const raw = t.form === 'origin' || t.form === 'absolute' ? t.path : url;
        const canon = raw.startsWith('/') ? canonicalizePath(raw, { allowEncodedSlashes: 'On', mergeSlashes: true }) : undefined;
        return canon?.ok ? canon.uri : raw;
      },
      get query() {
        const t = parsed();
        return t.form === 'origin' || t.form === 'absolute' ? t.args : undefined;
      },
      status,
      originalStatus: status,
      bodyBytes: headLength < 0 ? 0 : Math.max(0, written - headLength),
      bytesSent: written,
      bytesReceived: read,
      requestHeader,
      responseHeader,
      env: envOf(d),
      keepAlives: this.keepAlives,
      connStatus,
      handler: d?.kind === 'forward' ? 'proxy-server' : d?.handler?.name, // SetHandler server-status, balancer-manager
      filename: d?.kind === 'forward' ? `proxy:${d.backend.key}${d.path}` : undefined,
      pid: process.pid,
    };
    this.owner.logs.log(record, server.logs);
  }

  private server(): { readonly serverName: string; readonly logs?: ServerLogs | undefined } {
    const s = this.decision?.settings;
    return s !== undefined ? { serverName: s.serverName, logs: s.logs } : this.owner.defaultServer(this.localAddr, this.localPort);
  }
}

export type { Entry as AccessEntry };

/** Owned by the server: starts entries, finds a tunnel's entry when it closes. */
export class RequestLogger {
  /** Entries of upgrade requests, by their Decision (what tunnelClosed hands back). */
  readonly tunnels = new WeakMap<Decision, Entry>();
  private readonly baselines = new WeakMap<Socket, Baseline>();
  /** Entries begun and not yet written. */
  pending = 0;

  constructor(
    readonly logs: AccessLogs,
    readonly defaultServer: DefaultServer,
  ) {}

  /** Starts the entry and hooks it to the response's end. */
  begin(req: IncomingMessage, res: ServerResponse, keepAlives: number, tls: boolean): Entry {
    const entry = new Entry(this, req, req.socket, keepAlives, tls);
    this.pending++;
    res.once('finish', () => entry.responded(res, false));
    res.once('close', () => entry.responded(res, !res.writableFinished));
    return entry;
  }

  tunnelClosed(d: Decision, stats: TunnelStats): void {
    this.tunnels.get(d)?.tunnelClosed(stats);
  }

  /**
   * At close, after every socket was destroyed: their 'close' events (which end responses and tunnels) come on
   * later ticks. Waits (at most `timeoutMs`) until every begun entry has written its line.
   */
  async settle(timeoutMs = 2000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  }

  baseline(socket: Socket): Baseline {
    let b = this.baselines.get(socket);
    if (b === undefined) {
      b = { read: 0, written: 0 };
      this.baselines.set(socket, b);
    }
    return b;
  }
}
