// Helpers for the rewrite engine's unit tests: a config snippet compiled into a Plan, request facts, and the
// engine run on them.
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import type { Plan, RequestFacts } from '../../src/route/types.js';
import { runRewrite } from '../../src/rewrite/engine.js';
import type { RewriteOutcome, RewritePlan } from '../../src/rewrite/types.js';

export function planOf(text: string, file = '/nonexistent/rewrite-test.conf'): Plan {
  const r = loadConfig({ file, text, env: {} });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.loc.line}: ${d.message}`), []);
  return compilePlan(r.model);
}

/** The main server's rewrite plan for a snippet ("RewriteEngine on" is prepended). */
export function rewritePlan(rules: string, file?: string): RewritePlan {
  const plan = planOf(`RewriteEngine on\n${rules}`, file);
  assert.ok(plan.main.routing.rewrite, 'the snippet compiles into a rewrite phase');
  return plan.main.routing.rewrite;
}

export interface Req {
  /** "GET /path?q HTTP/1.1"-style request line, or just the target. */
  target: string;
  method?: string;
  host?: string;
  headers?: Record<string, string>;
  tls?: boolean;
  /** mod_ssl's variables of a TLS connection (SSL_PROTOCOL …). */
  ssl?: Record<string, string>;
  version?: string;
  remote?: string;
  localPort?: number;
}

export function factsOf(q: Req): RequestFacts {
  const host = q.host ?? 'localhost';
  const headers = new Map(Object.entries({ host, ...q.headers }).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: q.method ?? 'GET',
    target: q.target,
    host,
    localAddress: '127.0.0.1',
    localPort: q.localPort ?? 8080,
    remoteAddress: q.remote ?? '127.0.0.1',
    remotePort: 50000,
    tls: q.tls ?? false,
    header: (n) => headers.get(n.toLowerCase()),
    ...(q.version ? { httpVersion: q.version } : {}),
    ...(q.ssl ? { ssl: (n: string) => q.ssl![n] } : {}),
  };
}

/** Runs the engine on a request whose path needs no decoding (the test's own concern). */
export function run(plan: RewritePlan, q: Req | string): RewriteOutcome {
  const req = typeof q === 'string' ? { target: q } : q;
  const f = factsOf(req);
  const qm = req.target.indexOf('?');
  const uri = decodeURIComponent(qm < 0 ? req.target : req.target.slice(0, qm));
  const hostPort = /:(\d+)$/.exec(f.host ?? '')?.[1];
  return runRewrite(plan, {
    facts: f,
    uri,
    args: qm < 0 ? undefined : req.target.slice(qm + 1),
    hostname: (f.host ?? '').replace(/:\d+$/, '').toLowerCase(),
    ...(hostPort !== undefined ? { hostPort: Number(hostPort) } : {}),
    now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  });
}

/** A one-line summary of an outcome: "proxy http://b/x?q", "redirect 302 http://…", "status 403", "pass", … */
export function summary(o: RewriteOutcome): string {
  switch (o.kind) {
    case 'pass':
      return 'pass';
    case 'passthrough':
      return `pt ${o.uri}${o.args !== undefined ? `?${o.args}` : ''}`;
    case 'local':
      return `local ${o.path}`;
    case 'proxy':
      return `proxy${o.raw ? ' raw' : ''} ${o.url}${o.args !== undefined ? `?${o.args}` : ''}`;
    case 'redirect':
      return `redirect ${o.status} ${o.location}`;
    case 'status':
      return `status ${o.status}`;
  }
}
