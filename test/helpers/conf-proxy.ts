// A tsproxyd front end on 127.0.0.1:0 served from config text, as `tsproxyd -f` builds it (plan, route, the
// balancers' health checks), for the e2e tests of what a config does end to end. The text gets "ServerName
// localhost" and "Listen 127.0.0.1:8080" in front (the real listener is on port 0); it must load without errors.
import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { healthCheckerFor } from '../../src/balancer/hcheck-runner.js';
import { loadConfig } from '../../src/config/load.js';
import type { HcheckServerConf } from '../../src/modules/proxy/hcheck.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import type { Plan } from '../../src/route/types.js';
import { createProxyServer, type ProxyServer } from '../../src/server/server.js';
import { makeConfDir } from './conf-dir.js';

export interface ServedConf {
  readonly port: number;
  readonly plan: Plan;
  readonly server: ProxyServer;
  /** Every line the server (and its health checks) logged. */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function serveConf(conf: string): Promise<ServedConf> {
  const dir = makeConfDir();
  const loaded = loadConfig({ file: dir.write('served.conf', `ServerName localhost\nListen 127.0.0.1:8080\n${conf}`), env: {} });
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const plan = compilePlan(loaded.model);
  const logs: string[] = [];
  const log = (l: string): void => void logs.push(l);
  const tpsize = (loaded.model.main.confs.get('proxy_hcheck') as HcheckServerConf | undefined)?.tpsize;
  const server = createProxyServer({
    plan: { ...plan, listen: [{ host: '127.0.0.1', port: 0, protocol: 'http' }] },
    route: (f) => route(plan, f),
    log,
    healthChecks: healthCheckerFor(plan, log, tpsize),
  });
  const port = (await server.listen())[0]!.port;
  return {
    port,
    plan,
    server,
    logs,
    close: async () => {
      await server.close();
      dir.remove();
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
}

export function get(port: number, path: string, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<Reply> {
  return new Promise((res, rej) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => res({ status: r.statusCode ?? 0, body, headers: r.headers }));
      })
      .on('error', rej);
  });
}

/** A port on 127.0.0.1 that nothing listens on (it refuses connections). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
