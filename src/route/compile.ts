// compilePlan: the config model as a Plan, one ServerPlan per server, merged the way httpd merges the main server
// into each <VirtualHost> (verified against apache2 2.4.71 where noted).
//
//  - ProxyPass lists: the main server's rules come FIRST, then the vhost's. httpd's merge_proxy_config appends the
//    alias arrays unconditionally: `ProxyPassInherit Off` in a vhost did NOT stop a main-server `ProxyPass /p` from
//    serving that vhost's /p (verified; ProxyPassInherit only governs ProxyRemote lists there).
//  - ProxyPreserveHost, ProxyAddHeaders, ProxyErrorOverride, LimitRequestBody: vhost value, else the main server's,
//    else httpd's default; then each matching <Location>/<LocationMatch> that sets one overrides it, in order.
//  - ProxyVia, ProxyTimeout, Timeout: vhost value, else the main server's, else the default.
//  - ProxyPassReverse*, Header/RequestHeader: main server's, then the vhost's, then the matching sections'.
import { hostname } from 'node:os';
import type { Loc } from '../../grammar/ast.js';
import { compilePcre } from '../config/regex.js';
import type { ConfigModel, DirScope, ServerScope } from '../config/types.js';
import { parseAddrPort } from '../modules/core/listen.js';
import type { CoreDirConf, CoreServerConf } from '../modules/core/types.js';
import type { HeaderOp, HeadersConf } from '../modules/headers/directives.js';
import { parseTargetUrl, type TargetUrl } from '../modules/proxy/target-url.js';
import type { BalancerDef, ProxyDirConf, ProxyRoute, ProxyServerConf } from '../modules/proxy/types.js';
import type { WorkerParams } from '../modules/proxy/worker-params.js';
import type { WstunnelConf } from '../modules/proxy/submodules.js';
import type { SslDirConf, SslServerConf } from '../modules/ssl/directives.js';
import { compileBackendTls } from '../proxy/backend-tls.js';
import { tlsSiteOf } from '../tls/site.js';
import { sslDirPlan } from '../tls/dir.js';
import { BalancerStates } from '../balancer/runtime.js';
import { expandBalancerReverse } from '../balancer/reverse.js';
import { canonEncodePath, toBytes } from './canon-path.js';
import { fnmatchTest, fnmatchToRegExp } from '../config/fnmatch.js';
import { interpolates } from './interpolate.js';
import { buildPrefixIndex } from './prefix-index.js';
import { compileRewrite, compileRewriteDirs } from '../rewrite/plan.js';
import { compileServerLogs } from '../log/plan.js';
import type { RewriteDirConf } from '../modules/rewrite/model.js';
import type { AuthzDirConf } from '../modules/authz/types.js';
import { LOCAL_HANDLERS } from '../modules/authz/directives.js';
import type { HandlerScope } from '../status/types.js';
import type { CompiledLocation, CompiledRule, ServerRouting, VhostAddr } from './routing.js';
import type { CompiledProxySection, SectionAuthz } from './access.js';
import type { Backend, Plan, ProxySettings, ServerPlan } from './types.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_LIMIT_REQUEST_BODY = 1_073_741_824; // httpd 2.4.54+

const core = (s: ServerScope) => s.confs.get('core') as CoreServerConf | undefined;
const proxy = (s: ServerScope) => s.confs.get('proxy') as ProxyServerConf | undefined;
const headers = (s: ServerScope) => s.confs.get('headers') as HeadersConf | undefined;
const ssl = (s: ServerScope) => s.confs.get('ssl') as SslServerConf | undefined;
const wstunnel = (s: ServerScope | DirScope) => s.confs.get('proxy_wstunnel') as WstunnelConf | undefined;

const DEFAULT_PORT: Record<string, number> = { http: 80, ws: 80, https: 443, wss: 443 };

/** A worker's identity: scheme://host:port (IPv6 in brackets). */
export function backendKey(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function makeBackend(scheme: Backend['scheme'], host: string, port: number | undefined, params: Readonly<WorkerParams>): Backend {
  const p = port ?? DEFAULT_PORT[scheme]!;
  return { key: backendKey(scheme, host, p), scheme, host, port: p, params };
}

/** A URL as workers are compared: lower-case scheme and host, explicit port, then the path as written. */
export function normalWorkerUrl(raw: string): string | undefined {
  const t = parseTargetUrl(raw, '');
  return t.ok ? normalTargetUrl(t.value) : undefined;
}

/** normalWorkerUrl() of a URL already parsed, without its query (undefined for balancer://). */
export function normalTargetUrl(t: TargetUrl): string | undefined {
  if (t.scheme === 'balancer') return undefined;
  const q = t.path.indexOf('?');
  return backendKey(t.scheme, t.host, t.port ?? DEFAULT_PORT[t.scheme]!) + (q < 0 ? t.path : t.path.slice(0, q));
}

/** ProxySet params for a worker URL (the longest ProxySet URL that is a prefix of it), under the line's own params. */
export function paramsFor(url: string, line: Readonly<WorkerParams>, sets: ServerRouting['workerParams']): Readonly<WorkerParams> {
  return sets.length === 0 ? line : paramsForNormal(normalWorkerUrl(url), line, sets);
}

/** paramsFor() of a URL already in normalWorkerUrl() form. */
export function paramsForNormal(norm: string | undefined, line: Readonly<WorkerParams>, sets: ServerRouting['workerParams']): Readonly<WorkerParams> {
  let best: (typeof sets)[number] | undefined;
  if (norm !== undefined) {
    for (const s of sets) if (norm.startsWith(s.url) && (best === undefined || s.url.length >= best.url.length)) best = s;
  }
  return best ? { ...best.params, ...line } : line;
}

/** The scheme://AUTHORITY part of a URL. */
export function authorityOf(raw: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1] ?? '';
}

function compileRule(
  route: ProxyRoute,
  kind: 'prefix' | 'regex',
  path: string,
  regex: RegExp | undefined,
  balancers: ReadonlyMap<string, BalancerDef>,
  sets: ServerRouting['workerParams'],
  interpolateEnv: boolean,
): CompiledRule {
  const t = route.target;
  const interpolate = interpolateEnv && route.interpolate && (interpolates(path) || (t !== undefined && interpolates(t.raw)));
  let backend: Backend | undefined;
  let balancer: BalancerDef | undefined;
  if (t?.scheme === 'balancer') balancer = balancers.get(t.host);
  else if (t !== undefined && !authorityOf(t.raw).includes('$')) {
    // A $N in scheme://host:port is resolved per request (route.ts).
    backend = makeBackend(t.scheme, t.host, t.port, paramsFor(t.raw, route.params, sets));
  }
  const workerByUrl = interpolate || (backend !== undefined && !canonicalWorkerPath(kind, t!.path));
  return { route, kind, path: kind === 'prefix' ? toBytes(path) : path, regex, backend, balancer, interpolate, workerByUrl, loc: route.loc };
}

/** Whether a worker URL's path (up to a ProxyPassMatch's first $N) stays as written once canonically encoded. */
function canonicalWorkerPath(kind: 'prefix' | 'regex', path: string): boolean {
  const dollar = kind === 'regex' ? path.search(/\$[0-9]/) : -1;
  const fixed = toBytes(dollar >= 0 ? path.slice(0, dollar) : path);
  return canonEncodePath(fixed, false) === fixed;
}

/** <VirtualHost> address words as (host, port) pairs; '*' and '_default_' hosts and ':*' ports are wildcards. */
function parseVhostAddrs(words: readonly string[]): VhostAddr[] {
  const out: VhostAddr[] = [];
  for (const w of words) {
    const wildPort = w === '*' || w.endsWith(':*');
    const spec = w === '*' ? '*' : wildPort ? w.slice(0, -2) : w;
    const ap = spec === '*' || spec === '_default_' ? { host: spec, port: 0 } : parseAddrPort(spec);
    if (ap === undefined || ap.host === undefined) continue;
    const host = ap.host === '*' || ap.host.toLowerCase() === '_default_' ? undefined : ap.host.toLowerCase();
    out.push({ host, port: wildPort || ap.port === 0 ? undefined : ap.port });
  }
  return out;
}

function compileLocation(dir: DirScope, balancers: ReadonlyMap<string, BalancerDef>, sets: ServerRouting['workerParams'], interpolateEnv: boolean): CompiledLocation | undefined {
  const words = dir.args;
  let kind: CompiledLocation['kind'];
  let path: string;
  if (dir.section === 'LocationMatch') [kind, path] = ['regex', words[0] ?? ''];
  else if (words[0] === '~') [kind, path] = ['regex', words[1] ?? ''];
  else [kind, path] = [fnmatchTest(words[0] ?? '') ? 'fnmatch' : 'prefix', words[0] ?? ''];
  let regex: RegExp | undefined;
  if (kind === 'regex') {
    const c = compilePcre(path);
    if (!c.ok) return undefined; // reported at load
    regex = c.re;
  } else if (kind === 'fnmatch') regex = fnmatchToRegExp(path, { pathname: true });

  // The section's ProxyPass is a regex exactly when the section's path holds a wildcard (apr_fnmatch_test),
  // whatever the section kind. Verified: <LocationMatch "^/lm2/"> + ProxyPass is tried as the PREFIX "^/lm2/"
  // (never matches), <LocationMatch "^/lm3/[a-z]+$"> and <Location /gl*b> as regexes (the latter matches /glb, /gllb).
  const own = (dir.confs.get('proxy') as ProxyDirConf | undefined)?.route;
  let rule: CompiledRule | undefined;
  if (own) {
    if (fnmatchTest(path)) {
      const c = own.regex && own.path === path ? { ok: true as const, re: own.regex } : compilePcre(path);
      if (c.ok) rule = compileRule(own, 'regex', path, c.re, balancers, sets, interpolateEnv);
    } else rule = compileRule(own, 'prefix', path, undefined, balancers, sets, interpolateEnv);
  }
  const rewrite = dir.confs.get('rewrite') as RewriteDirConf | undefined;
  const handler = (dir.confs.get('core') as CoreDirConf | undefined)?.handler?.toLowerCase();
  const authz = sectionAuthz(dir);
  return {
    kind,
    path: kind === 'prefix' ? toBytes(path) : path,
    regex,
    rule,
    loc: dir.loc,
    ...(rewrite !== undefined ? { rewrite } : {}),
    ...(handler !== undefined ? { handler } : {}),
    ...(authz !== undefined ? { authz } : {}),
  };
}

const isLocation = (d: DirScope) => d.section === 'Location' || d.section === 'LocationMatch';

function sectionAuthz(dir: DirScope): SectionAuthz | undefined {
  const az = dir.confs.get('authz_core') as AuthzDirConf | undefined;
  return az?.node !== undefined ? { node: az.node, merging: az.merging ?? 'Off' } : undefined;
}

/** A <Proxy>/<ProxyMatch> with Require rules, as mod_proxy's proxy_walk matches it (undefined: no rules, or a bad regex). */
function compileProxySection(dir: DirScope): CompiledProxySection | undefined {
  const authz = sectionAuthz(dir);
  if (authz === undefined) return undefined;
  const arg = (dir.args[0] ?? '').replace(/^proxy:/i, '');
  if (dir.section === 'ProxyMatch') {
    const c = compilePcre(arg);
    return c.ok ? { kind: 'regex', path: arg, regex: c.re, authz, loc: dir.loc } : undefined;
  }
  if (fnmatchTest(arg)) return { kind: 'fnmatch', path: arg, regex: fnmatchToRegExp(arg), authz, loc: dir.loc };
  return { kind: 'prefix', path: arg, regex: undefined, authz, loc: dir.loc };
}

function earlyFirst(ops: readonly HeaderOp[]): HeaderOp[] {
  const early = ops.filter((o) => o.condition?.kind === 'early');
  return early.length === 0 ? [...ops] : [...early, ...ops.filter((o) => o.condition?.kind !== 'early')];
}

/** Numbers the servers for the rewrite trace's [name/sid#N]. */
let serverCount = 0;

function compileServer(scope: ServerScope, main: ServerScope, mainName: string, balancerStates: BalancerStates): ServerPlan {
  const isMain = scope === main;
  const chain = isMain ? [main] : [main, scope]; // base first
  const c = core(scope);
  const mc = core(main);
  const pc = proxy(scope);
  const mp = proxy(main);

  const balancers = new Map<string, BalancerDef>();
  for (const s of chain) for (const [k, b] of proxy(s)?.balancers ?? []) balancers.set(k, b);
  const workerParams: { url: string; params: WorkerParams }[] = [];
  for (const s of chain) {
    for (const [url, params] of proxy(s)?.workerParams ?? []) {
      const norm = normalWorkerUrl(url);
      if (norm !== undefined) workerParams.push({ url: norm, params });
    }
  }

  const routes = chain.flatMap((s) => proxy(s)?.routes ?? []);
  // ProxyPass lines are matched in translate_name, with the server's own ProxyPassInterpolateEnv.
  const interpolateEnv = pc?.interpolateEnv ?? mp?.interpolateEnv ?? false;
  const rules = routes.map((r) => compileRule(r, r.kind, r.path, r.regex, balancers, workerParams, interpolateEnv));
  const index = buildPrefixIndex(rules);

  const dirs = chain.flatMap((s) => s.dirs.filter(isLocation));
  const compiled = dirs.map((d) => ({ dir: d, loc: compileLocation(d, balancers, workerParams, interpolateEnv) }));
  const locDirs = compiled.filter((x) => x.loc !== undefined).map((x) => x.dir);
  const locations = compiled.flatMap((x) => (x.loc ? [x.loc] : []));
  const proxySections = chain.flatMap((s) => s.dirs.filter((d) => d.section === 'Proxy' || d.section === 'ProxyMatch')).flatMap((d) => compileProxySection(d) ?? []);

  const serverName = isMain ? mainName : (c?.serverName?.host ?? mainName);
  const clientTimeoutMs = c?.timeoutMs ?? mc?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = {
    preserveHost: pc?.preserveHost ?? mp?.preserveHost ?? false,
    addHeaders: pc?.addHeaders ?? mp?.addHeaders ?? true,
    via: pc?.via ?? mp?.via ?? 'Off',
    timeoutMs: pc?.timeoutMs ?? mp?.timeoutMs ?? clientTimeoutMs,
    clientTimeoutMs,
    serverName,
    errorOverride: pc?.errorOverride ?? mp?.errorOverride ?? { on: false, codes: [] },
    interpolateEnv,
    limitRequestBody: c?.limitRequestBody ?? mc?.limitRequestBody ?? DEFAULT_LIMIT_REQUEST_BODY,
    wsFallback: wstunnel(scope)?.fallbackToProxyHttp ?? wstunnel(main)?.fallbackToProxyHttp ?? true,
    wsIdleTimeoutMs: wstunnel(scope)?.idleTimeoutMs ?? wstunnel(main)?.idleTimeoutMs,
    // httpd merges SSLProxy* per directive: the vhost's value, else the main server's.
    backendTls: compileBackendTls({ ...ssl(main)?.proxy, ...(isMain ? {} : ssl(scope)?.proxy) }),
    // CustomLog/TransferLog are per server (no <Location> changes them): one compiled set per server.
    logs: compileServerLogs(scope, main),
  } as const;
  const strip = <T extends { loc: Loc }>(xs: readonly T[]) => xs.map(({ loc: _loc, ...rest }) => rest);

  const cache = new Map<string, ProxySettings>();
  const settingsFor = (matched: readonly number[]): ProxySettings => {
    const key = matched.join(',');
    const hit = cache.get(key);
    if (hit) return hit;
    let { preserveHost, addHeaders, errorOverride, limitRequestBody, wsFallback, wsIdleTimeoutMs, interpolateEnv } = base;
    const reverse = chain.flatMap((s) => proxy(s)?.reverse ?? []);
    const cookieDomain = chain.flatMap((s) => strip(proxy(s)?.reverseCookieDomain ?? []));
    const cookiePath = chain.flatMap((s) => strip(proxy(s)?.reverseCookiePath ?? []));
    const ops = chain.flatMap((s) => headers(s)?.ops ?? []);
    for (const i of matched) {
      const d = locDirs[i]!;
      const pd = d.confs.get('proxy') as ProxyDirConf | undefined;
      if (pd) {
        preserveHost = pd.preserveHost ?? preserveHost;
        interpolateEnv = pd.interpolateEnv ?? interpolateEnv;
        addHeaders = pd.addHeaders ?? addHeaders;
        errorOverride = pd.errorOverride ?? errorOverride;
        reverse.push(...pd.reverse);
        cookieDomain.push(...strip(pd.reverseCookieDomain));
        cookiePath.push(...strip(pd.reverseCookiePath));
      }
      limitRequestBody = (d.confs.get('core') as CoreDirConf | undefined)?.limitRequestBody ?? limitRequestBody;
      wsFallback = wstunnel(d)?.fallbackToProxyHttp ?? wsFallback;
      wsIdleTimeoutMs = wstunnel(d)?.idleTimeoutMs ?? wsIdleTimeoutMs;
      ops.push(...((d.confs.get('headers') as HeadersConf | undefined)?.ops ?? []));
    }
    const { wsIdleTimeoutMs: _idle, ...rest } = base;
    const settings: ProxySettings = Object.freeze({
      ...rest,
      ...(wsIdleTimeoutMs !== undefined ? { wsIdleTimeoutMs } : {}),
      wsFallback,
      preserveHost,
      addHeaders,
      errorOverride,
      limitRequestBody,
      interpolateEnv,
      reverse: expandBalancerReverse(reverse, balancers),
      reverseCookieDomain: cookieDomain,
      reverseCookiePath: cookiePath,
      ssl: sslDirPlan(chain.map(ssl), matched.map((i) => locDirs[i]!.confs.get('ssl') as SslDirConf | undefined)),
      requestHeaders: earlyFirst(ops.filter((o) => o.table === 'request')),
      responseHeaders: earlyFirst(ops.filter((o) => o.table !== 'request')),
    });
    cache.set(key, settings);
    return settings;
  };

  const aliases = c?.serverAliases ?? [];
  const vhostAddrs = parseVhostAddrs(scope.addrs);
  const id = { name: serverName, aliases, addrs: vhostAddrs, index: ++serverCount };
  const rewriteDirs = compileRewriteDirs(scope, main, id, locations.map((l) => l.rewrite));
  const rewrite = compileRewrite(scope, main, id, rewriteDirs !== undefined);
  // What a status page shows of this server: its balancers (their runtimes, shared with the forwarder) and the
  // backends its ProxyPass lines name.
  const backends = new Map<string, Backend>();
  for (const r of [...rules, ...locations.flatMap((l) => (l.rule ? [l.rule] : []))]) if (r.backend && !backends.has(r.backend.key)) backends.set(r.backend.key, r.backend);
  const handlerScope: HandlerScope = {
    serverName,
    proxyStatus: pc?.status ?? mp?.status ?? 'Off',
    balancers: () => [...new Set(balancers.values())].map((def) => balancerStates.of(def)),
    backends: [...backends.values()],
  };
  const routing: ServerRouting = {
    hasHandlers: locations.some((l) => l.handler !== undefined && LOCAL_HANDLERS.has(l.handler)),
    hasAuthz: proxySections.length > 0 || locations.some((l) => l.authz !== undefined),
    proxySections,
    handlerScope,
    rules,
    index,
    locations,
    pathOptions: {
      allowEncodedSlashes: c?.allowEncodedSlashes ?? mc?.allowEncodedSlashes ?? 'Off',
      mergeSlashes: c?.mergeSlashes ?? mc?.mergeSlashes ?? true,
    },
    vhostAddrs,
    serverName,
    aliasNames: new Set(aliases.filter((a) => !fnmatchTest(a)).map((a) => a.toLowerCase())),
    aliasPatterns: aliases.filter(fnmatchTest).map((a) => fnmatchToRegExp(a, { nocase: true })),
    workerParams,
    balancers,
    balancerStates,
    settingsFor,
    ...(rewrite !== undefined ? { rewrite } : {}),
    ...(rewriteDirs !== undefined ? { rewriteDirs } : {}),
  };
  return {
    name: serverName,
    aliases,
    addrs: scope.addrs,
    loc: scope.loc,
    settings: settingsFor([]),
    routing,
    tls: tlsSiteOf(scope, main),
  };
}

export function compilePlan(model: ConfigModel): Plan {
  // Without a ServerName httpd uses the machine's name (AH00558); vhosts without one take the main server's.
  const mainName = core(model.main)?.serverName?.host ?? hostname().toLowerCase();
  // Balancer runtimes live as long as this Plan: shared by the servers (a vhost uses the main server's balancers'
  // members, as httpd's merged configs share the worker structs), started afresh by a reload.
  const balancerStates = new BalancerStates();
  return Object.freeze({
    listen: (core(model.main)?.listen ?? []).map(({ host, port, protocol }) => ({ host, port, protocol })),
    main: compileServer(model.main, model.main, mainName, balancerStates),
    vhosts: model.vhosts.map((v) => compileServer(v, model.main, mainName, balancerStates)),
  });
}
