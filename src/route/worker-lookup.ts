// Which worker serves a URL known only at request time: the ProxyPass worker whose URL is the longest prefix of
// it (its parameters and connection pool), a ProxySet's, or mod_proxy's default worker, which does not reuse
// connections (the backend sees "Connection: close"; checked with apache2 2.4.71).
import type { Loc } from '../../grammar/ast.js';
import type { WorkerParams } from '../modules/proxy/worker-params.js';
import { parseTargetUrl } from '../modules/proxy/target-url.js';
import { makeBackend, normalTargetUrl, normalWorkerUrl, paramsForNormal } from './compile.js';
import { respond, type ForwardRoute } from './forward-url.js';
import type { CompiledRule, ServerRouting } from './routing.js';
import type { Backend, Decision, ProxySettings } from './types.js';

interface WorkerEntry {
  readonly name: string;
  readonly rule: CompiledRule;
}

/** The ProxyPass workers of a server, longest URL first (ap_proxy_get_worker takes the longest matching name). */
const workerIndexes = new WeakMap<ServerRouting, readonly WorkerEntry[]>();
function workerIndex(routing: ServerRouting): readonly WorkerEntry[] {
  let index = workerIndexes.get(routing);
  if (index !== undefined) return index;
  const entries: WorkerEntry[] = [];
  for (const rule of [...routing.rules, ...routing.locations.flatMap((l) => (l.rule ? [l.rule] : []))]) {
    const raw = rule.route.target?.raw;
    if (rule.backend === undefined || raw === undefined) continue;
    // A ProxyPassMatch worker's name matches anything where it has $N (a `${VAR}` is literal there, as in httpd's
    // ap_proxy_strcmp_ematch); a ProxyPass worker's name is its whole URL.
    const dollar = rule.kind === 'regex' ? raw.search(/\$[0-9]/) : -1;
    const name = normalWorkerUrl(dollar >= 0 ? raw.slice(0, dollar) : raw);
    if (name !== undefined) entries.push({ name, rule });
  }
  index = entries.sort((a, b) => b.name.length - a.name.length);
  workerIndexes.set(routing, index);
  return index;
}

const DEFAULT_WORKER: Readonly<WorkerParams> = Object.freeze({ disableReuse: true });
const NO_PARAMS: Readonly<WorkerParams> = Object.freeze({});

/** mod_proxy's default reverse worker for a URL no worker is defined for: its own pool key, no reuse. */
function defaultWorker(b: Backend): Backend {
  return { ...b, key: `${b.key} (default worker)` };
}

/**
 * The route a URL found at request time (a RewriteRule [P] target, an interpolated ProxyPass URL) is forwarded
 * through, as httpd's ap_proxy_pre_request finds its worker; or the refusal.
 */
export function workerRoute(routing: ServerRouting, url: string, from: Loc, settings: ProxySettings, who: string): ForwardRoute | Decision {
  const t = parseTargetUrl(url, who);
  if (!t.ok) {
    // httpd: "No protocol handler was valid for the URL" (500). tsproxyd has no Unix domain socket backends either
    // (httpd would connect to the socket of a literal `unix:/path|http://…` target): 500 too.
    return respond(500, t.error, settings, from);
  }
  const target = t.value;
  if (target.scheme === 'balancer') {
    const balancer = routing.balancers.get(target.host);
    // httpd (ap_proxy_pre_request finds no balancer of that name): 500.
    if (balancer === undefined) return respond(500, `no balancer named balancer://${target.host}`, settings, from);
    return { route: { target, params: {} }, backend: undefined, balancer, loc: from };
  }
  const norm = normalTargetUrl(target);
  const hit = norm === undefined ? undefined : workerIndex(routing).find((w) => norm.startsWith(w.name));
  if (hit !== undefined) return { route: { target, params: hit.rule.route.params }, backend: hit.rule.backend, balancer: undefined, loc: from, forUrl: true };
  const set = routing.workerParams.length === 0 ? NO_PARAMS : paramsForNormal(norm, NO_PARAMS, routing.workerParams);
  const backend =
    Object.keys(set).length > 0
      ? makeBackend(target.scheme, target.host, target.port, set)
      : defaultWorker(makeBackend(target.scheme, target.host, target.port, DEFAULT_WORKER));
  return { route: { target, params: set }, backend, balancer: undefined, loc: from, forUrl: true };
}

