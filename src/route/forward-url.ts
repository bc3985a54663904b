// From the URL a request is mapped to, to the forward decision: which worker takes it (the route's backend, a
// balancer member, or a backend built from a URL whose authority came from a back-reference), the path as
// mod_proxy_http's canon hook builds it (re-encoded unless raw/nocanon, the query appended), the CVE-2023-25690
// checks and the upgrade decision. Shared by ProxyPass routes (route.ts) and RewriteRule [P] (rewrite-phase.ts).
import type { Loc } from '../../grammar/ast.js';
import type { BalancerDef, ProxyRoute } from '../modules/proxy/types.js';
import { parseTargetUrl } from '../modules/proxy/target-url.js';
import { canonEncodePath, hasCtlOrSpace, toBytes } from './canon-path.js';
import { authorityOf, makeBackend, paramsFor } from './compile.js';
import type { ServerRouting } from './routing.js';
import type { Backend, Decision, ProxySettings } from './types.js';
import { decideUpgrade } from './upgrade.js';

/** The URL a rule maps the request to. */
export interface Mapped {
  readonly url: string;
  /** nocanon in effect: the URL holds the raw request-target text (query included). */
  readonly raw: boolean;
}

/** What a forward needs of its route: a ProxyPass rule (CompiledRule) or the worker a RewriteRule [P] URL found. */
export interface ForwardRoute {
  readonly route: Pick<ProxyRoute, 'target' | 'params'>;
  /** The backend when it is known at load (not `!`, not balancer://, no $N in scheme://host:port). */
  readonly backend: Backend | undefined;
  readonly balancer: BalancerDef | undefined;
  readonly loc: Loc;
}

export type Respond = Extract<Decision, { kind: 'respond' }>;

export const respond = (status: number, reason: string, settings: ProxySettings | undefined, from: Loc | undefined): Respond => ({
  kind: 'respond',
  status,
  reason,
  settings,
  from,
});

/** authorityOf() of a rule's target URL, a config constant: parsed once, not per request. */
const targetAuthority = new Map<string, string>();
function authorityOfTarget(raw: string): string {
  let a = targetAuthority.get(raw);
  if (a === undefined) targetAuthority.set(raw, (a = authorityOf(raw)));
  return a;
}

/** From the mapped URL to the forward (or error) decision. */
export function forwardMapped(
  routing: ServerRouting,
  rule: ForwardRoute,
  mapped: Mapped,
  args: string | undefined,
  settings: ProxySettings,
  host: string | undefined,
  upgradeValue: string | undefined,
): Decision {
  const from = rule.loc;
  const target = rule.route.target!;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)(.*)$/s.exec(mapped.url);
  if (!m) return respond(400, `cannot parse the forwarded URL ${mapped.url}`, settings, from);
  const [, scheme, authority, urlPath] = m as unknown as [string, string, string, string];

  let backend = rule.backend;
  let prefix = '';
  if (target.scheme === 'balancer') {
    const name = authority.toLowerCase();
    const bal = name === target.host ? rule.balancer : routing.balancers.get(name);
    const member = bal?.members[0];
    if (member === undefined) return respond(503, `no members in balancer://${name}`, settings, from);
    backend = makeBackend(member.url.scheme as 'http', member.url.host, member.url.port, member.params);
    prefix = member.url.path;
  } else if (backend === undefined || authority !== authorityOfTarget(target.raw)) {
    const t = parseTargetUrl(`${scheme}://${authority}`, '');
    if (!t.ok || t.value.scheme === 'balancer') return respond(400, `invalid forwarded URL ${mapped.url}`, settings, from);
    backend = makeBackend(t.value.scheme, t.value.host, t.value.port, paramsFor(mapped.url, rule.route.params, routing.workerParams));
  }

  let path: string;
  if (mapped.raw) {
    if (hasCtlOrSpace(urlPath)) return respond(403, 'forwarded path holds a control character or space', settings, from);
    path = urlPath;
  } else {
    const enc = canonEncodePath(toBytes(urlPath), routing.pathOptions.allowEncodedSlashes === 'NoDecode');
    if (enc === undefined) return respond(400, 'invalid %-escape in the forwarded path', settings, from);
    if (args !== undefined && hasCtlOrSpace(args)) return respond(403, 'forwarded query string holds a control character or space', settings, from);
    path = args === undefined ? enc : `${enc}?${args}`;
  }
  path = prefix + (path.startsWith('/') ? path : `/${path}`);
  const timeoutMs = backend.params.timeoutMs;
  const s = timeoutMs !== undefined && timeoutMs !== settings.timeoutMs ? { ...settings, timeoutMs } : settings;
  const up = decideUpgrade(backend, upgradeValue, settings.wsFallback);
  if (up.kind === 'refuse') return { ...respond(up.status, `Upgrade '${upgradeValue ?? ''}' is not accepted by this route (legacy mod_proxy_wstunnel)`, s, from), headers: up.headers };
  return { kind: 'forward', backend, path, settings: s, from, ...(host !== undefined ? { host } : {}), ...(up.kind === 'upgrade' ? { upgrade: up.plan } : {}) };
}
