// `tsproxyd --check -f FILE --explain 'GET /path?q HTTP/1.1' -H 'Host: x'`: what route() decides for one request and
// why, without a server or a socket: the virtual host chosen, each RewriteRule and RewriteCond tried with its input
// and result (the engine's "[rewrite:explain]" lines, src/rewrite/trace.ts), and the Decision with the config line
// that made it. RewriteMap programs are run for the lookups the rules make (as the server would).
import { isAbsolute, relative } from 'node:path';
import type { Loc } from '../../grammar/ast.js';
import { EXPLAIN_LEVEL, EXPLAIN_TAG } from '../rewrite/trace.js';
import { parseRequestTarget } from '../route/request-target.js';
import type { ServerRouting } from '../route/routing.js';
import type { Decision, Plan, RequestFacts, ServerPlan } from '../route/types.js';
import { selectServer } from '../route/vhost-select.js';
import { lineOf } from './format.js';

export interface ExplainInput {
  /** "GET /path?q HTTP/1.1" (the version may be left out: HTTP/1.1). */
  readonly requestLine: string;
  /** "Name: value" fields, in order. */
  readonly headers: readonly string[];
  /** The client's address[:port] (default 127.0.0.1:50000). */
  readonly remote?: string;
  /** The address:port the request arrives on (default: the first Listen). */
  readonly local?: string;
  readonly tls?: boolean;
}

export type FactsResult = { ok: true; facts: RequestFacts } | { ok: false; error: string };

/** "addr:port", "[v6]:port", "addr" → [addr, port]. */
function addrPort(text: string, dflt: number): [string, number] | undefined {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  if (m === null) return undefined;
  const port = m[2] !== undefined ? Number(m[2]) : dflt;
  return port > 0 && port < 65536 ? [m[1]!, port] : undefined;
}

/** The request the user described, as the server would hand it to route(). */
export function explainFacts(plan: Plan, input: ExplainInput): FactsResult {
  const parts = input.requestLine.trim().split(/\s+/);
  if (parts.length < 2 || parts.length > 3) return { ok: false, error: `--explain wants a request line such as 'GET /path HTTP/1.1', not '${input.requestLine}'` };
  const [method = '', target = '', proto = 'HTTP/1.1'] = parts;
  const v = /^HTTP\/(1\.[01])$/.exec(proto);
  if (v === null) return { ok: false, error: `--explain: '${proto}' is not HTTP/1.0 or HTTP/1.1` };
  const fields = new Map<string, string>();
  for (const h of input.headers) {
    const colon = h.indexOf(':');
    if (colon <= 0) return { ok: false, error: `-H wants 'Name: value', not '${h}'` };
    const name = h.slice(0, colon).trim().toLowerCase();
    const value = h.slice(colon + 1).trim();
    const prev = fields.get(name);
    fields.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  const listen = plan.listen[0];
  const local = addrPort(input.local ?? `${listen?.host ?? '127.0.0.1'}:${listen?.port ?? 80}`, 80);
  const remote = addrPort(input.remote ?? '127.0.0.1:50000', 50000);
  if (local === undefined) return { ok: false, error: `--local wants ADDRESS:PORT, not '${input.local ?? ''}'` };
  if (remote === undefined) return { ok: false, error: `--remote wants ADDRESS[:PORT], not '${input.remote ?? ''}'` };
  return {
    ok: true,
    facts: {
      method,
      target,
      host: fields.get('host'),
      localAddress: local[0],
      localPort: local[1],
      remoteAddress: remote[0],
      remotePort: remote[1],
      tls: input.tls ?? false,
      header: (n) => fields.get(n.toLowerCase()),
      httpVersion: v[1]!,
    },
  };
}

/** The plan with every rewrite phase tracing at EXPLAIN_LEVEL (the plan itself is frozen and shared). */
export function explainPlan(plan: Plan): Plan {
  const server = (s: ServerPlan): ServerPlan => {
    const r: ServerRouting = s.routing;
    if (r.rewrite === undefined && r.rewriteDirs === undefined) return s;
    const routing: ServerRouting = {
      ...r,
      ...(r.rewrite !== undefined ? { rewrite: { ...r.rewrite, traceLevel: EXPLAIN_LEVEL } } : {}),
      ...(r.rewriteDirs !== undefined ? { rewriteDirs: { ...r.rewriteDirs, traceLevel: EXPLAIN_LEVEL } } : {}),
    };
    return { ...s, routing };
  };
  return { ...plan, main: server(plan.main), vhosts: plan.vhosts.map(server) };
}

type Sources = ReadonlyMap<string, string>;

/** A config file as the user named it: relative to the working directory when it is below it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function where(loc: Loc | undefined, sources: Sources): string {
  if (loc === undefined) return "no config line (httpd's built-in behaviour)";
  const text = lineOf(sources.get(loc.file), loc.line)?.trim();
  return `${shown(loc.file)}:${loc.line}${text !== undefined ? `: ${text}` : ''}`;
}

function serverText(plan: Plan, s: ServerPlan, sources: Sources): string {
  if (s === plan.main) return `the main server (ServerName ${s.name})`;
  return `<VirtualHost ${s.addrs.join(' ')}> ServerName ${s.name}, ${where(s.loc, sources).replace(/: .*$/, '')}`;
}

/** "[rewrite:explain] file:line: text" lines, grouped under their config line. */
function rewriteLines(log: readonly string[], sources: Sources): string[] {
  const out: string[] = [];
  let last = '';
  for (const line of log) {
    if (!line.startsWith(EXPLAIN_TAG)) continue;
    const body = line.slice(EXPLAIN_TAG.length);
    const m = /^(.+?):(\d+): (.*)$/s.exec(body);
    if (m === null) {
      out.push(`      ${body}`);
      continue;
    }
    const key = `${m[1]}:${m[2]}`;
    if (key !== last) {
      out.push(`  ${where({ file: m[1]!, line: Number(m[2]), col: 1 }, sources)}`);
      last = key;
    }
    out.push(`      ${m[3]}`);
  }
  return out;
}

function decisionLines(d: Decision, facts: RequestFacts, sources: Sources): string[] {
  const out: string[] = [];
  if (d.kind === 'forward') {
    const b = d.backend;
    const host = b.host.includes(':') ? `[${b.host}]` : b.host;
    out.push(`decision: forward to ${b.scheme}://${host}:${b.port}${d.path}`);
    const asked = facts.httpVersion === '1.0' ? undefined : facts.header('upgrade');
    if (d.upgrade !== undefined) {
      out.push(`  upgrade: '${d.upgrade.protocol}' goes to the backend; its 101 naming '${d.upgrade.requested}' opens a tunnel${d.upgrade.legacy ? ' (legacy mod_proxy_wstunnel path)' : ''}`);
    } else if (asked !== undefined) {
      out.push(`  upgrade: no tunnel; the route does not forward 'Upgrade: ${asked}', so the request goes on as plain HTTP`);
    } else out.push('  plain HTTP (no Upgrade asked for)');
    out.push(`  worker: ${b.key}${d.host !== undefined ? `; Host: ${d.host}` : ''}`);
  } else {
    const location = d.headers?.find(([n]) => n.toLowerCase() === 'location')?.[1];
    out.push(location !== undefined ? `decision: redirect ${d.status} to ${location}` : `decision: respond ${d.status} (${d.reason})`);
  }
  out.push(`  decided by ${where(d.from, sources)}`);
  const env = [...(d.env ?? [])].filter(([k]) => k !== 'SCRIPT_URL' && k !== 'SCRIPT_URI');
  if (env.length > 0) out.push(`  environment: ${env.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  for (const line of d.log ?? []) if (line.startsWith('[rewrite:error]') || line.startsWith('[core:error]')) out.push(`  ${line}`);
  return out;
}

/**
 * The explanation. `decide` is route() on an explainPlan() (possibly waiting for RewriteMap programs); `plan` is
 * the same explain plan, for the virtual-host line.
 */
export async function explain(plan: Plan, facts: RequestFacts, sources: Sources, decide: (f: RequestFacts) => Decision | Promise<Decision>): Promise<string> {
  const out: string[] = [];
  out.push(`request: ${facts.method} ${facts.target} HTTP/${facts.httpVersion ?? '1.1'} from ${facts.remoteAddress}:${facts.remotePort} to ${facts.localAddress}:${facts.localPort}${facts.tls ? ' (TLS)' : ''}`);
  const sel = selectServer(plan, facts, parseRequestTarget(facts.target, facts.tls));
  out.push(sel.ok ? `server: ${serverText(plan, sel.server, sources)}` : 'server: none (the request is refused before a server is chosen)');
  const d = await decide(facts);
  const rw = rewriteLines(d.log ?? [], sources);
  if (sel.ok && (sel.server.routing.rewrite !== undefined || sel.server.routing.rewriteDirs !== undefined)) {
    out.push(rw.length > 0 ? 'rewrite:' : 'rewrite: no rule was tried', ...rw);
  } else if (sel.ok) out.push('rewrite: none (RewriteEngine is off or there are no rules for this server)');
  out.push(...decisionLines(d, facts, sources));
  return out.join('\n');
}
