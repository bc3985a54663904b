// Keep-alive connection pools, one per Backend.key (httpd's per-worker connection pool).
//
// Two clients. Plain-TCP requests without Expect that are not on the upgrade path go through the lean client
// (backend-client.ts, leanPoolFor): the profile of small keep-alive GETs showed node:http's client side as the
// largest cost, and a minimal proxy measured on this machine (Node 20.20.2, wrk -c50) spent 54 µs of CPU per request
// with ClientRequest + Agent, 35 µs with undici 7's Pool.dispatch and 30 µs with the lean client; in tsproxyd alone
// it took small GETs from ~95 to ~56 µs per request. undici was not taken: besides being slower here, it rewrites the
// request head (a lower-case "host:" first, its own "connection: keep-alive" before the client's fields) where httpd's
// field order and spelling must be kept, and it refuses Expect. Everything else (Expect: 100-continue, whose
// 'continue' and 'information' events ClientRequest gives; the upgrade path, which needs its 'upgrade' event;
// https:// and wss:// backends) keeps node:http's Agent below, with the same worker parameters; a backend served
// both ways has two pools, so max= bounds each of them.
//
// Worker parameters: disablereuse=On (enablereuse=Off) → no pooling ("Connection: close" is sent);
// max → maxSockets (requests queue beyond it); ttl → idle (free) socket timeout; keepalive → SO_KEEPALIVE;
// connectiontimeout and timeout are applied per request by the forwarder.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Backend } from '../route/types.js';
import { peerCheck, type BackendTls } from './backend-tls.js';
import { LeanPool } from './backend-client.js';

type AnyAgent = http.Agent;

interface AgentHooks {
  createConnection(options: net.NetConnectOpts & tls.ConnectionOptions, cb?: unknown): Duplex;
  keepSocketAlive(socket: net.Socket): boolean;
}

function tune(agent: AnyAgent, b: Backend, t: BackendTls | undefined): AnyAgent {
  const soKeepAlive = b.params.keepalive === true;
  const ttl = b.params.ttlMs ?? 0;
  const hooks = agent as unknown as AgentHooks;
  hooks.createConnection = (options) => {
    let socket: net.Socket;
    if (t !== undefined) {
      const s = tls.connect({ ...options, ...t.connect });
      s.once('secureConnect', () => {
        const bad = peerCheck(s, t, options.servername || b.host); // the name checked is the SNI name, as in httpd
        if (bad) s.destroy(bad);
      });
      socket = s;
    } else socket = net.createConnection(options);
    socket.setNoDelay(true);
    if (soKeepAlive) socket.setKeepAlive(true);
    return socket;
  };
  hooks.keepSocketAlive = (socket) => {
    socket.setKeepAlive(soKeepAlive);
    socket.unref();
    socket.setTimeout(ttl); // 0: kept until the backend closes it, as httpd without ttl=
    return true;
  };
  return agent;
}

const isSecure = (b: Backend): boolean => b.scheme === 'https' || b.scheme === 'wss';

export class BackendPools {
  readonly #agents = new Map<string, AnyAgent>();
  readonly #tunnelAgents = new Map<string, AnyAgent>();
  readonly #lean = new Map<string, LeanPool>();

  /** The lean client's pool for a plain-TCP backend (backend-client.ts), with the same worker parameters. */
  leanPoolFor(b: Backend): LeanPool {
    let pool = this.#lean.get(b.key);
    if (pool) return pool;
    pool = new LeanPool({
      host: b.host,
      port: b.port,
      reuse: b.params.disableReuse !== true,
      max: b.params.max !== undefined && b.params.max > 0 ? b.params.max : 0,
      idleMs: b.params.ttlMs ?? 0,
      soKeepAlive: b.params.keepalive === true,
    });
    this.#lean.set(b.key, pool);
    return pool;
  }

  /**
   * Connections for upgrade requests: never pooled (httpd 2.4.10+ "Don't pool backend websockets connections");
   * a 101 detaches the socket from the agent and the tunnel owns it, any other answer closes it.
   */
  tunnelAgentFor(b: Backend, t: BackendTls): AnyAgent {
    const secure = isSecure(b);
    const key = secure ? `${b.key}#${t.id}` : b.key;
    let agent = this.#tunnelAgents.get(key);
    if (agent) return agent;
    const options: http.AgentOptions = { keepAlive: false, maxSockets: Infinity };
    agent = tune(secure ? new https.Agent(options) : new http.Agent(options), b, secure ? t : undefined);
    this.#tunnelAgents.set(key, agent);
    return agent;
  }

  /** The pool for a backend; TLS backends have one per distinct SSLProxy* settings. */
  agentFor(b: Backend, t: BackendTls): AnyAgent {
    const secure = isSecure(b);
    const key = secure ? `${b.key}#${t.id}` : b.key;
    let agent = this.#agents.get(key);
    if (agent) return agent;
    const options: http.AgentOptions = {
      keepAlive: b.params.disableReuse !== true,
      maxSockets: b.params.max !== undefined && b.params.max > 0 ? b.params.max : Infinity,
      maxFreeSockets: 256,
      scheduling: 'lifo', // reuse the warmest socket; idle ones age out (ttl) or are closed by the backend
    };
    agent = tune(secure ? new https.Agent(options) : new http.Agent(options), b, secure ? t : undefined);
    this.#agents.set(key, agent);
    return agent;
  }

  /** Open sockets per backend (busy + idle), for tests and status pages. */
  socketCount(key: string): number {
    const count = (m: NodeJS.ReadOnlyDict<unknown[]>): number => Object.values(m).reduce((n, l) => n + (l?.length ?? 0), 0);
    let n = this.#lean.get(key)?.size ?? 0;
    for (const [k, a] of this.#agents) if (k === key || k.startsWith(`${key}#`)) n += count(a.sockets) + count(a.freeSockets);
    return n;
  }

  close(): void {
    for (const a of [...this.#agents.values(), ...this.#tunnelAgents.values()]) a.destroy();
    this.#agents.clear();
    this.#tunnelAgents.clear();
    for (const p of this.#lean.values()) p.close();
    this.#lean.clear();
  }
}
