// A tsproxyd front end on 127.0.0.1:0 with hand-made Decisions (no config, no matcher), plus a raw client.
import net from 'node:net';
import type { WorkerParams } from '../../src/modules/proxy/worker-params.js';
import type { Backend, Decision, ProxySettings, RequestFacts } from '../../src/route/types.js';
import { NO_BACKEND_TLS } from '../../src/proxy/backend-tls.js';
import { createProxyServer, type ProxyServer } from '../../src/server/server.js';
import type { ServerLimits } from '../../src/server/limits.js';

const LOC = { file: 'test', line: 1, col: 1 };

export function settings(over: Partial<ProxySettings> = {}): ProxySettings {
  return {
    preserveHost: false,
    addHeaders: true,
    via: 'Off',
    timeoutMs: 60_000,
    clientTimeoutMs: 60_000,
    serverName: 'proxy.example',
    reverse: [],
    reverseCookieDomain: [],
    reverseCookiePath: [],
    requestHeaders: [],
    responseHeaders: [],
    errorOverride: { on: false, codes: [] },
    limitRequestBody: 0,
    wsFallback: true,
    interpolateEnv: false,
    backendTls: NO_BACKEND_TLS,
    ...over,
  };
}

export function backendAt(port: number, params: WorkerParams = {}, host = '127.0.0.1'): Backend {
  return { key: `http://${host}:${port}`, scheme: 'http', host, port, params };
}

export function forwardTo(backend: Backend, s: ProxySettings = settings(), path?: (facts: RequestFacts) => string): (facts: RequestFacts) => Decision {
  return (facts) => ({ kind: 'forward', backend, path: path ? path(facts) : facts.target, settings: s, from: LOC });
}

export interface RunningProxy {
  readonly server: ProxyServer;
  readonly port: number;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startProxy(route: (facts: RequestFacts) => Decision, limits: Partial<ServerLimits> = {}): Promise<RunningProxy> {
  const logs: string[] = [];
  const s = settings();
  const server = createProxyServer({
    plan: { listen: [{ host: '127.0.0.1', port: 0, protocol: 'http' }], main: { settings: s } },
    route,
    limits,
    log: (l) => logs.push(l),
  });
  const [addr] = await server.listen();
  return { server, port: addr!.port, logs, close: () => server.close() };
}

/** Sends raw bytes, collects everything until the server closes or `waitMs` passes. */
export function rawExchange(port: number, data: string | Buffer, waitMs = 2000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    const chunks: Buffer[] = [];
    let closed = false;
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const t = setTimeout(done, waitMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      closed = true;
      done();
    });
  });
}
