// From the URL a request is mapped to, to the forward decision: which worker takes it (the route's backend, a
// balancer member, or a backend built from a URL whose authority came from a back-reference), the path as
// mod_proxy_http's canon hook builds it (re-encoded unless raw/nocanon, the query appended), the CVE-2023-25690
// checks and the upgrade decision. Shared by ProxyPass routes (route.ts) and RewriteRule [P] (rewrite-phase.ts).
import type { Loc } from '../../grammar/ast.js';
import type { BalancerDef, BalancerMember, ProxyRoute } from '../modules/proxy/types.js';
import { BalancerLease } from '../balancer/lease.js';
import { parseTargetUrl } from '../modules/proxy/target-url.js';
import { canonEncodePath, hasCtlOrSpace, toBytes } from './canon-path.js';
import { authorityOf, makeBackend, paramsFor } from './compile.js';
import type { ServerRouting } from './routing.js';
import type { Backend, Decision, ProxySettings, UpgradePlan } from './types.js';
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
  /**
   * Set when `backend` was looked up for the very URL being forwarded (a [P] target, an interpolated URL), whose
   * authority therefore needs no comparison with the route's (and is not a config constant worth caching).
   */
  readonly forUrl?: true;
}

export type Respond = Extract<Decision, { kind: 'respond' }>;

export const respond = (status: number, reason: string, settings: ProxySettings | undefined, from: Loc | undefined): Respond => ({
  kind: 'respond',
  status,
  reason,
  settings,
  from,
});

/** authorityOf() of a rule's target URL, a config constant: parsed once, not per request (never a request's URL). */
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
  /** The request's header lookup: a balancer's sticky cookie (read only for balancer:// targets). */
  header?: (name: string) => string | undefined,
): Decision {
  const from = rule.loc;
  const target = rule.route.target!;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)(.*)$/s.exec(mapped.url);
  if (!m) return respond(400, `cannot parse the forwarded URL ${mapped.url}`, settings, from);
  const [, scheme, authority, urlPath] = m as unknown as [string, string, string, string];

  let backend = rule.backend;
  let balancer: BalancerDef | undefined;
  if (target.scheme === 'balancer') {
    const name = authority.toLowerCase();
    balancer = name === target.host ? rule.balancer : routing.balancers.get(name);
    // httpd: AH01168 "No workers in balancer" (a balancer:// nobody defined has no workers either).
    if (balancer === undefined || balancer.members.length === 0) return respond(503, `no members in balancer://${name}`, settings, from);
  } else if (backend === undefined || (rule.forUrl !== true && authority !== authorityOfTarget(target.raw))) {
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
  if (balancer !== undefined) return forwardBalanced(routing, balancer, `${scheme}://${authority}${path}`, path, header?.('cookie'), settings, from, host, upgradeValue);
  path = path.startsWith('/') ? path : `/${path}`;
  const t = targetFor(backend!, '', path, settings, upgradeValue);
  if (t.refuse !== undefined) return { ...respond(t.refuse.status, `Upgrade '${upgradeValue ?? ''}' is not accepted by this route (legacy mod_proxy_wstunnel)`, t.settings, from), headers: t.refuse.headers };
  return { kind: 'forward', backend: t.backend, path: t.path, settings: t.settings, from, ...(host !== undefined ? { host } : {}), ...(t.upgrade !== undefined ? { upgrade: t.upgrade } : {}) };
}

/** One worker's share of a forward decision: the backend, the path it is sent, its timeout and upgrade decision. */
export interface WorkerTarget {
  readonly backend: Backend;
  readonly path: string;
  readonly settings: ProxySettings;
  readonly upgrade: UpgradePlan | undefined;
  readonly refuse: { readonly status: number; readonly headers: readonly (readonly [string, string])[] } | undefined;
}

/** `settings` with the worker's timeout= applied. */
function targetFor(backend: Backend, prefix: string, path: string, settings: ProxySettings, upgradeValue: string | undefined): WorkerTarget {
  const timeoutMs = backend.params.timeoutMs;
  const s = timeoutMs !== undefined && timeoutMs !== settings.timeoutMs ? { ...settings, timeoutMs } : settings;
  const up = decideUpgrade(backend, upgradeValue, settings.wsFallback);
  return {
    backend,
    path: prefix + path,
    settings: s,
    upgrade: up.kind === 'upgrade' ? up.plan : undefined,
    refuse: up.kind === 'refuse' ? { status: up.status, headers: up.headers } : undefined,
  };
}

/** Each member's Backend, a config constant: made once, not per request. */
const memberBackends = new WeakMap<BalancerMember, Backend>();

/** A balancer member's backend (its worker keys; pools and TLS are keyed by scheme://host:port as for any worker). */
function memberTarget(m: BalancerMember, path: string, settings: ProxySettings, upgradeValue: string | undefined): WorkerTarget {
  let backend = memberBackends.get(m);
  if (backend === undefined) memberBackends.set(m, (backend = makeBackend(m.url.scheme as Backend['scheme'], m.url.host, m.url.port, m.params)));
  return targetFor(backend, m.url.path, path.startsWith('/') ? path : `/${path}`, settings, upgradeValue);
}

/**
 * balancer://name: the decision names the first member, and carries the lease through which the forwarder picks the
 * member when it handles the request (src/balancer): lbmethod, sticky route, failover. The member URL's path is
 * prepended (BalancerMember http://h/mpath with ProxyPass /bal balancer://c1/in sends /bal/x as /mpath/in/x).
 */
function forwardBalanced(
  routing: ServerRouting,
  def: BalancerDef,
  url: string,
  path: string,
  cookie: string | undefined,
  settings: ProxySettings,
  from: Loc,
  host: string | undefined,
  upgradeValue: string | undefined,
): Decision {
  const first = memberTarget(def.members[0]!, path, settings, upgradeValue);
  if (first.refuse !== undefined) return { ...respond(first.refuse.status, `Upgrade '${upgradeValue ?? ''}' is not accepted by this route (legacy mod_proxy_wstunnel)`, first.settings, from), headers: first.refuse.headers };
  const lease = new BalancerLease<WorkerTarget>(routing.balancerStates.of(def), { url, cookie }, (m) => memberTarget(m.def, path, settings, upgradeValue));
  return {
    kind: 'forward',
    backend: first.backend,
    path: first.path,
    settings: first.settings,
    from,
    ...(host !== undefined ? { host } : {}),
    ...(first.upgrade !== undefined ? { upgrade: first.upgrade } : {}),
    balancer: lease,
  };
}
