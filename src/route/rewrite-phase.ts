// The rewrite phase in route(): the server's RewriteRules run before proxy translation (mod_rewrite's
// translate_name hook runs first, so a [P] rule wins over any ProxyPass whatever the file order), and their outcome
// becomes a Decision, or the path ProxyPass matching goes on with. Verified against apache2 2.4.71:
//   - [P]: forwarded through the worker whose URL is the longest prefix of the target (a ProxyPass or ProxySet
//     worker: its parameters and its connection pool); with none, mod_proxy's default worker, which does not
//     reuse connections (the backend sees "Connection: close"). balancer:// picks a member as ProxyPass does;
//     ws:// and wss:// go through the same upgrade decision (with ProxyWebsocketFallbackToProxyHttp Off a plain
//     request is a 426: mod_proxy_wstunnel's ws:// skip applies to ProxyPass only);
//   - [PT]: ProxyPass (and the <Location> sections) see the rewritten path and query;
//   - a local path without [PT] is a file in httpd (ProxyPass is not consulted: /old -> /new with
//     `ProxyPass /new …` is a 404 there); tsproxyd serves no files: 404;
//   - [R] and absolute results: the redirect, Location as built by the engine;
//   - [CO] cookies are on every response (httpd's err_headers_out), [E] variables reach the header rules (%{X}e,
//     env=X); the Vary that httpd computes from %{HTTP:…} conditions never reaches the client on a proxied response
//     or a redirect (both replace headers_out), so there is none here either.
import type { Loc } from '../../grammar/ast.js';
import type { HeaderOp } from '../modules/headers/directives.js';
import { runRewrite } from '../rewrite/engine.js';
import type { RewriteCarry, RewriteEffects, RewriteOutcome, RewritePlan, RewriteRequest } from '../rewrite/types.js';
import { directoriesFor, mergeDirs, runFixup, type DirSection, type FixupOutcome, type PerDirPlan } from '../rewrite/fixup.js';
import { forwardMapped, respond } from './forward-url.js';
import type { ServerRouting } from './routing.js';
import type { Decision, ProxySettings, RequestFacts } from './types.js';
import { workerRoute } from './worker-lookup.js';
import { splitHost } from '../proxy/host-port.js';

/** What the rest of route() goes on with when no rule decided the request. */
export interface RewriteContinue {
  readonly kind: 'continue';
  readonly uri: string;
  readonly args: string | undefined;
  /** The outcome, for its effects (withEffects, withCookies); undefined when nothing ran. */
  readonly outcome: RewriteOutcome;
}

/** `local`: a local path the rules produced (httpd would serve the file; the fixups still run on it). */
export type RewriteStep =
  | { readonly kind: 'decided'; readonly decision: Decision; readonly outcome: RewriteOutcome; readonly local?: string }
  | RewriteContinue;

/** A Decision with the rewrite phase's environment and log lines. */
export function withEffects(d: Decision, o: RewriteEffects | undefined): Decision {
  if (o === undefined || (o.env.size === 0 && o.log.length === 0)) return d;
  // Set on the decision itself: route() makes its decisions per request and never shares one, and this runs for
  // every request a rewrite phase saw (a spread copy of the decision was ~0.5 µs of it).
  const w = d as { env?: ReadonlyMap<string, string>; log?: readonly string[] };
  if (o.env.size > 0) w.env = o.env;
  if (o.log.length > 0) w.log = o.log;
  return d;
}

/**
 * [CO] cookies as `Header always add Set-Cookie` operations, and [T=type] as `Header setifempty Content-Type type`
 * (a backend response without Content-Type gets it; apache2 2.4.71 leaves the backend's own and the pages it makes
 * itself alone), ahead of the server's own Header rules.
 */
export function withCookies(settings: ProxySettings, o: Pick<RewriteEffects, 'cookies' | 'forcedType'> | undefined): ProxySettings {
  if (o === undefined || (o.cookies.length === 0 && o.forcedType === undefined)) return settings;
  const ops: HeaderOp[] = o.cookies.map((c) => ({ table: 'always', action: 'add', header: 'Set-Cookie', value: [{ kind: 'text', text: c }] }));
  if (o.forcedType !== undefined) ops.push({ table: 'onsuccess', action: 'setifempty', header: 'Content-Type', value: [{ kind: 'text', text: o.forcedType }] });
  return { ...settings, responseHeaders: [...ops, ...settings.responseHeaders] };
}

export interface RewriteContext {
  readonly routing: ServerRouting;
  /** The host the client named: an absolute-form request-target's authority, else the Host header. */
  readonly rawHost: string | undefined;
  /** The settings for the request's own path (<Location> sections of the original URL), cookies included. */
  readonly settings: (o: RewriteEffects) => ProxySettings;
  /** Absolute-form authority for the backend's Host, as route() computed it. */
  readonly host: string | undefined;
  readonly upgradeValue: string | undefined;
  /** The request's header lookup (a balancer's sticky cookie). */
  readonly header?: (name: string) => string | undefined;
  /** After an internal redirect: what the first pass left (REDIRECT_ environment, cookies). */
  readonly carry?: RewriteCarry;
}

function rewriteRequest(facts: RequestFacts, uri: string, args: string | undefined, hostname: string | undefined, ctx: RewriteContext): RewriteRequest {
  const hostPort = ctx.rawHost === undefined ? undefined : splitHost(ctx.rawHost).port;
  return { facts, uri, args, hostname, ...(hostPort !== undefined ? { hostPort } : {}), ...(ctx.carry !== undefined ? { carry: ctx.carry } : {}) };
}

/** `uri`, `args`: r->uri and r->args; `hostname`: the host name virtual-host selection normalised. */
export function rewritePhase(plan: RewritePlan, facts: RequestFacts, uri: string, args: string | undefined, hostname: string | undefined, ctx: RewriteContext): RewriteStep {
  const o = runRewrite(plan, rewriteRequest(facts, uri, args, hostname, ctx));
  const decided = (d: Decision): RewriteStep => ({ kind: 'decided', decision: withEffects(d, o), outcome: o });
  switch (o.kind) {
    case 'pass':
      return { kind: 'continue', uri, args, outcome: o };
    case 'passthrough':
      return { kind: 'continue', uri: o.uri, args: o.args, outcome: o };
    case 'local':
      return {
        kind: 'decided',
        outcome: o,
        decision: withEffects(respond(404, `rewritten to the local path ${o.path} (tsproxyd serves no files; [PT] hands it to ProxyPass)`, ctx.settings(o), o.from), o),
        local: o.path,
      };
    case 'status':
    case 'redirect':
    case 'proxy':
      return decided(finalDecision(o, ctx));
  }
}

type Final = Extract<RewriteOutcome | FixupOutcome, { kind: 'status' | 'redirect' | 'proxy' }>;

/** A status, a redirect or a [P] forward, from the server's rules or a <Location>'s. */
function finalDecision(o: Final, ctx: RewriteContext): Decision {
  const settings = ctx.settings(o);
  switch (o.kind) {
    case 'status':
      return respond(o.status, o.reason, settings, o.from);
    case 'redirect':
      // A Location Node could not write (a raw control character after [NE]) is httpd's 500 (AH02430).
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f]/.test(o.location)) return respond(500, 'the redirect Location holds a control character', settings, o.from);
      return { ...respond(o.status, `redirect to ${o.location}`, settings, o.from), headers: [['Location', o.location]] };
    case 'proxy': {
      const route = workerRoute(ctx.routing, o.url, o.from, settings, 'RewriteRule [P]');
      if ('kind' in route) return route;
      return forwardMapped(ctx.routing, route, { url: o.url, raw: o.raw }, o.args, settings, ctx.host, ctx.upgradeValue, ctx.header);
    }
  }
}

/** The respond reasons of requests that httpd maps to a file (no ProxyPass, or `ProxyPass !`): fixups run on them. */
export const NOT_PROXIED = new Set(['no ProxyPass matches this path', 'proxying disabled for this path (ProxyPass !)']);

/**
 * r->filename of a forwarded request after mod_proxy's canon hook: "proxy:scheme://host[:port]/path", without the
 * query (apache2 2.4.71: a <Location> rule `^proxy:http://([^/]*)/pp/h(.*)$` gets no query in $2, which the [P]
 * result then gets back from r->args).
 */
function proxyFilename(d: Extract<Decision, { kind: 'forward' }>): string {
  const b = d.backend;
  const host = b.host.includes(':') ? `[${b.host}]` : b.host;
  const dflt = b.scheme === 'https' || b.scheme === 'wss' ? 443 : 80;
  const q = d.path.indexOf('?');
  return `proxy:${b.scheme}://${host}${b.port === dflt ? '' : `:${b.port}`}${q < 0 ? d.path : d.path.slice(0, q)}`;
}

export interface FixupContext extends RewriteContext {
  readonly uri: string;
  readonly args: string | undefined;
  readonly hostname: string | undefined;
  /** The matching <Location> sections, in order (indices into routing.locations). */
  readonly matched: readonly number[];
  /** A local path the server's rules produced (its 404 decision is `d`). */
  readonly local: string | undefined;
  /** Routes the request again with another request-target (an internal redirect), keeping `carry`. */
  readonly redirect: (target: string, carry: RewriteCarry) => Decision;
}

/**
 * The fixup phase: the <Location> sections' RewriteRules on the decision translate_name made (fixup.ts). `so`:
 * the environment and cookies so far. Returns `d` unchanged when no per-directory rule applies.
 */
export function fixupPhase(dirs: PerDirPlan, facts: RequestFacts, d: Decision, so: RewriteCarry, ctx: FixupContext): Decision {
  let filename: string;
  if (d.kind === 'forward') filename = proxyFilename(d);
  else if (ctx.local !== undefined) filename = dirs.documentRoot + ctx.local;
  else if (NOT_PROXIED.has(d.reason)) filename = dirs.documentRoot + ctx.uri;
  else return d;
  // <Directory> sections first (httpd's directory walk precedes the location walk), never for a proxied request.
  const sections: DirSection[] = d.kind === 'forward' ? [] : directoriesFor(dirs, filename);
  for (const i of ctx.matched) {
    const l = ctx.routing.locations[i]!;
    if (l.rewrite !== undefined) sections.push({ path: l.path, conf: l.rewrite });
  }
  if (sections.length === 0) return d;
  const o = runFixup(dirs, mergeDirs(dirs, sections), rewriteRequest(facts, ctx.uri, ctx.args, ctx.hostname, { ...ctx, carry: so }), filename);
  const fresh = { env: o.env, cookies: o.cookies.slice(so.cookies.length), log: o.log, ...(o.forcedType !== undefined ? { forcedType: o.forcedType } : {}) };
  const decided = (x: Decision): Decision => withEffects(x, o);
  switch (o.kind) {
    case 'pass': {
      if (fresh.cookies.length === 0 && fresh.forcedType === undefined && o.log.length === 0 && o.env.size === (d.env?.size ?? 0)) return d;
      const settings = d.settings === undefined ? undefined : withCookies(d.settings, fresh);
      return withEffects({ ...d, settings } as Decision, { ...o, log: [...(d.log ?? []), ...o.log] });
    }
    case 'status':
    case 'redirect':
    case 'proxy':
      return decided(finalDecision(o, ctx));
    case 'internal': {
      const env = new Map<string, string>();
      for (const [k, v] of o.env) env.set(`REDIRECT_${k}`, v);
      const next = ctx.redirect(o.target, { env, cookies: o.cookies });
      return { ...next, log: [...(d.log ?? []), ...o.log, ...(next.log ?? [])] } as Decision;
    }
  }
}
