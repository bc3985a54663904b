// `npm run bench:rewrite`: what the rewrite phase costs per request, in process and CPU only: route(plan, facts)
// (virtual-host selection, path canonicalisation, the server's RewriteRules, ProxyPass matching) timed on the same
// requests through a config with one ProxyPass and no rewrite rules (the baseline), and through rule sets of 1, 20
// and 200 RewriteRules (with RewriteConds, [P], [R], [PT], [E], [NC] rules, as real configs mix them).
//
// The requests: a path the last rule takes (every earlier rule tried: the worst case), a path no rule takes (it
// falls through to the ProxyPass), a path an early rule takes, and a WebSocket upgrade through the [P] recipe.
// Each is timed for BENCH_ITER iterations (default 200,000) after a warm-up, BENCH_RUNS times (default 7), the
// configurations interleaved; the fastest run is reported (the 2-core machine is shared: other processes only ever
// make a run slower). The "share of a proxied request" column relates the added cost to the ~38 µs
// of CPU tsproxyd spends on a small proxied GET (test/bench/http-latest.md): the target is that 200 rules
// cost under 25% of the throughput.
//
// Results: printed, written to bench/results/rewrite.json and test/bench/rewrite-latest.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import type { Decision, Plan, RequestFacts } from '../../src/route/types.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench/rewrite
const REPO = resolve(HERE, '..', '..', '..');
const RESULTS = join(REPO, 'bench', 'results', 'rewrite.json');
const LATEST = join(REPO, 'test', 'bench', 'rewrite-latest.md');
/** CPU per small proxied GET in the last `npm run bench:http` (test/bench/http-latest.md). */
const PROXY_CPU_NS = 38_400;
const TARGET_SHARE = 0.25;

function envInt(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, not '${raw}'`);
  return n;
}

const RUNS = envInt('BENCH_RUNS', 7, 1);
const ITER = envInt('BENCH_ITER', 200_000, 1000);

const HEAD = `Listen 127.0.0.1:8080
ServerName bench.test
LoadModule rewrite_module modules/mod_rewrite.so
ProxyPass / http://127.0.0.1:3000/
`;

/** Rule i of a realistic mix; every rule's path is its own ("/svc17/…"), so each request meets all earlier rules. */
function rule(i: number): string {
  switch (i % 5) {
    case 0:
      return `RewriteRule ^/svc${i}/(.*)$ http://127.0.0.1:3001/svc${i}/$1 [P,L]`;
    case 1:
      return `RewriteCond %{HTTP_HOST} ^shop${i}\\.example\\.com$ [NC]\nRewriteRule ^/(.*)$ http://127.0.0.1:3002/shop${i}/$1 [P,L]`;
    case 2:
      return `RewriteRule ^/old${i}/(.*)$ /new${i}/$1 [R=301,L]`;
    case 3:
      return `RewriteCond %{QUERY_STRING} (^|&)v=${i}(&|$)\nRewriteRule ^/api/(.*)$ /v${i}/$1 [PT,E=API:${i}]`;
    default:
      return `RewriteRule ^/Legacy${i}(/.*)?$ /svc${i}$1 [NC,PT]`;
  }
}

function config(rules: number): string {
  const body = Array.from({ length: rules }, (_, i) => rule(i)).join('\n');
  const ws = 'RewriteCond %{HTTP:Upgrade} websocket [NC]\nRewriteCond %{HTTP:Connection} upgrade [NC]\nRewriteRule ^/ws/(.*) ws://127.0.0.1:3003/$1 [P,L]';
  return rules === 0 ? HEAD : `${HEAD}RewriteEngine on\n${body}\n${ws}\n`;
}

function planOf(text: string): Plan {
  const r = loadConfig({ file: '/bench/rewrite.conf', text, env: {} });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.loc.line}: ${d.message}`).join('\n'));
  return compilePlan(r.model);
}

function facts(target: string, headers: Record<string, string> = {}): RequestFacts {
  const h = new Map(Object.entries({ host: 'bench.test', ...headers }).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'GET', target, host: h.get('host'), localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 40000, tls: false, header: (n) => h.get(n.toLowerCase()) };
}

interface Scenario {
  readonly name: string;
  readonly facts: (rules: number) => RequestFacts;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'last rule takes it', facts: (n) => facts(n === 0 ? '/svc0/x/y?z=1' : `/svc${Math.floor((n - 1) / 5) * 5}/x/y?z=1`) },
  { name: 'no rule: ProxyPass', facts: () => facts('/static/app.js?v=3') },
  { name: 'first rule takes it', facts: () => facts('/svc0/x/y?z=1') },
  { name: 'WebSocket [P] recipe', facts: () => facts('/ws/chat', { Upgrade: 'websocket', Connection: 'Upgrade' }) },
];

function timeOne(plan: Plan, f: RequestFacts): number {
  let sink: Decision | undefined;
  for (let i = 0; i < ITER / 10; i++) sink = route(plan, f); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ITER; i++) sink = route(plan, f);
  const ns = Number(process.hrtime.bigint() - t0) / ITER;
  if (sink === undefined) throw new Error('no decision');
  return ns;
}


function describeDecision(d: Decision): string {
  return d.kind === 'forward' ? `forward ${d.backend.scheme}://${d.backend.host}:${d.backend.port}${d.path}${d.upgrade ? ' (upgrade)' : ''}` : `${d.status}`;
}

interface Row {
  readonly scenario: string;
  readonly rules: number;
  readonly ns: number;
  readonly decision: string;
}

function main(): void {
  const sizes = [0, 1, 20, 200];
  const plans = new Map(sizes.map((n) => [n, planOf(config(n))]));
  const rows: Row[] = [];
  for (const sc of SCENARIOS) {
    const best = new Map(sizes.map((n) => [n, Infinity]));
    for (let run = 0; run < RUNS; run++) {
      for (const n of sizes) best.set(n, Math.min(best.get(n)!, timeOne(plans.get(n)!, sc.facts(n))));
    }
    for (const n of sizes) rows.push({ scenario: sc.name, rules: n, ns: best.get(n)!, decision: describeDecision(route(plans.get(n)!, sc.facts(n))) });
  }
  const base = (sc: string) => rows.find((r) => r.scenario === sc && r.rules === 0)!.ns;
  const lines: string[] = [];
  lines.push('# Rewrite benchmark: latest run', '');
  lines.push(
    `Written by \`npm run bench:rewrite\` (bench/rewrite/run.ts) on ${new Date().toISOString()}. Machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; node ${process.version}.`,
    '',
    `route(plan, facts) in process, CPU only: the fastest of ${RUNS} interleaved runs of ${ITER.toLocaleString('en')} calls per cell. "0 rules" is the same ` +
      'config without RewriteEngine (one ProxyPass). "added" is the cost over that baseline; "share" relates it to the ' +
      `${(PROXY_CPU_NS / 1000).toFixed(1)} µs of CPU a small proxied GET costs tsproxyd (test/bench/http-latest.md), target under ${TARGET_SHARE * 100}%.`,
    '',
    '| request | rules | ns/request | added | share of a proxied request | decision |',
    '|---|---:|---:|---:|---:|---|',
  );
  for (const r of rows) {
    const added = r.ns - base(r.scenario);
    const share = r.rules === 0 ? '—' : `${((Math.max(0, added) / PROXY_CPU_NS) * 100).toFixed(1)}%`;
    lines.push(`| ${r.scenario} | ${r.rules} | ${Math.round(r.ns).toLocaleString('en')} | ${r.rules === 0 ? '—' : Math.round(added).toLocaleString('en')} | ${share} | ${r.decision} |`);
  }
  const worst = rows.filter((r) => r.rules === 200).reduce((a, b) => (b.ns - base(b.scenario) > a.ns - base(a.scenario) ? b : a));
  const worstShare = (worst.ns - base(worst.scenario)) / PROXY_CPU_NS;
  lines.push('', `Worst case with 200 rules: ${worst.scenario}, ${(worstShare * 100).toFixed(1)}% of a proxied request's CPU: the target (< ${TARGET_SHARE * 100}%) is ${worstShare < TARGET_SHARE ? 'met' : 'NOT met'}.`);
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ date: new Date().toISOString(), runs: RUNS, iterations: ITER, proxyCpuNs: PROXY_CPU_NS, rows }, null, 2) + '\n');
  mkdirSync(dirname(LATEST), { recursive: true });
  writeFileSync(LATEST, text);
}

main();
