// route(plan, facts): one request's facts to a Decision, as httpd's translate_name phase for mod_proxy does it
// (modules/proxy/mod_proxy.c proxy_trans + ap_proxy_trans_match, mod_proxy_http.c proxy_http_canon). Pure.
//
// Order (verified against apache2 2.4.71):
//  1. server selection (vhost-select.ts), then the request-target's form (request-target.ts);
//  2. the path is normalised and decoded (canon-path.ts) with the selected server's AllowEncodedSlashes/MergeSlashes;
//  3. the <Location>/<LocationMatch> sections that match the decoded path are merged in order; the LAST one holding
//     a ProxyPass provides "the location rule" (verified: <Location /loc> + <Location /loc/sub>, each with a
//     ProxyPass: /loc/sub/y goes to the second; a later matching section without ProxyPass keeps it but still
//     applies its settings, e.g. ProxyPreserveHost);
//  4. the location rule is tried first: a match decides, `!` stops with 404 (even though a server-level ProxyPass
//     for the path follows), no match falls through;
//  5. then the server's list (main server's rules first), first match in config order wins; `!` stops (404);
//     nothing matches → 404;
//  6. where 4–5 end in `!` or no match, a <Location>'s `SetHandler server-status|balancer-manager` answers instead
//     of the 404, if its Require rules allow the client (handler.ts; a ProxyPass for the path wins, as in httpd).
// Building the URL (ap_proxy_trans_match, verified):
//  - prefix rule: target URL + the rest of the decoded path after the matched prefix (ProxyPass /bar http://b/
//    sends /bar/x as //x; /app/../admin is /admin before matching, so it never reaches the /app/ rule);
//  - regex rule: $0-$9 in the URL are replaced by the groups (an absent group is empty, '\' takes the next char
//    literally: `\$1` stays "$1", '&' is not special); if that leaves the URL unchanged the whole path is appended
//    (ProxyPassMatch ^/nb2/ http://b/pre sends /nb2/y as /pre/nb2/y; a URL with only a '\' escape is "changed");
//  - the URL's path is then re-encoded (canonEncodePath) and the raw query string appended when the request had
//    one ("/app/x?" keeps its '?'); `noquery` changes nothing for http (it is an fcgi option);
//  - nocanon: the match is also tried on the raw request-target (path AND query); if it matches the same way, the
//    raw text is used as is and the query is NOT appended again (ProxyPassMatch ^/nc/([^?]*) … nocanon drops the
//    query of /nc/a%20b?z=1); if not, nocanon is ignored (httpd's AH01136);
//  - a control character or space in a raw (nocanon) path or in the query string → 403 (CVE-2023-25690);
//  - balancer://name: the first member for now, the member URL's path prepended (BalancerMember
//    http://h/mpath with ProxyPass /bal balancer://c1/in sends /bal/x as /mpath/in/x); no members → 503;
//  - ws:// and wss:// targets forward with that scheme; upgrade.ts decides whether the client's Upgrade goes along
//    (a tunnel after the backend's 101) or the request is plain HTTP; with ProxyWebsocketFallbackToProxyHttp Off a
//    ws(s):// rule is skipped for a request without Upgrade (httpd's proxy_wstunnel_check_trans), so that
//    `ProxyPass / ws://b/` can precede `ProxyPass / http://b/`.
import { canonEncodePath, canonicalizePath, toBytes } from './canon-path.js';
import { forwardMapped, respond, type Mapped } from './forward-url.js';
import { interpolateEnv } from './interpolate.js';
import { workerRoute } from './worker-lookup.js';
import { prefixMatch } from './match-prefix.js';
import { earliestPrefix } from './prefix-index.js';
import { parseRequestTarget } from './request-target.js';
import type { CompiledRule, ServerRouting } from './routing.js';
import { fixupPhase, rewritePhase, withCookies, withEffects } from './rewrite-phase.js';
import type { Decision, Plan, ProxySettings, RequestFacts, ServerPlan } from './types.js';
import { isWsScheme } from './upgrade.js';
import { localHandler } from './handler.js';
import { refusal } from './access.js';
import { candidatesFor, handshakeServer, selectServer } from './vhost-select.js';
import { sslPhases } from './ssl-phases.js';
import { tlsCompatible } from '../tls/site.js';
import type { RewriteCarry, RewriteEffects } from '../rewrite/types.js';

/** httpd's ap_pregsub: $0-$9 from the match, '\' escapes the next char. */
export function pregsub(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const d = template.charCodeAt(i + 1);
    if (c === '$' && d >= 48 && d <= 57) {
      out += m[d - 48] ?? '';
      i++;
    } else if (c === '\\' && i + 1 < template.length) out += template[++i];
    else out += c;
  }
  return out;
}

/**
 * ap_proxy_trans_match for one rule (the `!` case is the caller's). `env`: the request's environment, for rules
 * whose path and URL are interpolated (a regex rule's pattern was compiled at load, as httpd's, and is not).
 */
export function mapRule(rule: CompiledRule, uri: string, unparsed: string, env?: ReadonlyMap<string, string>): Mapped | 'stop' | undefined {
  const raw0 = rule.route.target?.raw;
  const real = rule.interpolate && raw0 !== undefined ? interpolateEnv(raw0, env) : raw0;
  if (rule.kind === 'prefix') {
    const path = rule.interpolate ? interpolateEnv(rule.path, env, toBytes) : rule.path;
    const len = prefixMatch(uri, path);
    if (len <= 0) return undefined;
    if (real === undefined) return 'stop';
    const raw = rule.route.nocanon && prefixMatch(unparsed, path) === len;
    return { url: real + (raw ? unparsed : uri).slice(len), raw };
  }
  const re = rule.regex!;
  re.lastIndex = 0;
  const m = re.exec(uri);
  if (m === null) return undefined;
  if (real === undefined) return 'stop';
  let raw = false;
  let use = uri;
  let groups = m;
  if (rule.route.nocanon) {
    re.lastIndex = 0;
    const m2 = re.exec(unparsed);
    if (m2 !== null) [raw, use, groups] = [true, unparsed, m2];
  }
  const found = pregsub(real, groups);
  return { url: found === real ? real + use : found, raw };
}

/** The URL a worker is looked up with: its path as it will be forwarded (canonically encoded unless raw). */
function canonicalUrl(mapped: Mapped): string {
  if (mapped.raw) return mapped.url;
  const at = mapped.url.indexOf('/', mapped.url.indexOf('://') + 3);
  if (at < 0) return mapped.url;
  return mapped.url.slice(0, at) + (canonEncodePath(toBytes(mapped.url.slice(at)), false) ?? mapped.url.slice(at));
}

export interface RuleSearch {
  /** Index into routing.rules, or -1. */
  readonly index: number;
  readonly mapped: Mapped | 'stop' | undefined;
  /** Index entries probed plus regex rules tried: stays small however many prefix rules there are. */
  readonly examined: number;
}

/** The first rule of the server's list, in config order, that matches (prefix rules via the index). */
export function findRule(
  routing: ServerRouting,
  uri: string,
  unparsed: string,
  skip?: (rule: CompiledRule) => boolean,
  env?: ReadonlyMap<string, string>,
): RuleSearch {
  const found = findIndexed(routing, uri, unparsed, env);
  if (skip === undefined || found.index < 0 || !skip(routing.rules[found.index]!)) return found;
  // Rules a request declines (legacy ws:// rules without Upgrade): the rest of the list in order, linearly. Only
  // configs with ProxyWebsocketFallbackToProxyHttp Off get here.
  let examined = found.examined;
  for (let i = found.index + 1; i < routing.rules.length; i++) {
    const rule = routing.rules[i]!;
    examined++;
    if (skip(rule)) continue;
    const mapped = mapRule(rule, uri, unparsed, env);
    if (mapped !== undefined) return { index: i, mapped, examined };
  }
  return { index: -1, mapped: undefined, examined };
}

function findIndexed(routing: ServerRouting, uri: string, unparsed: string, env: ReadonlyMap<string, string> | undefined): RuleSearch {
  const { rule: p, probes } = earliestPrefix(routing.index, uri);
  let examined = probes;
  for (const i of routing.index.linearRules) {
    if (p >= 0 && i > p) break;
    examined++;
    const mapped = mapRule(routing.rules[i]!, uri, unparsed, env);
    if (mapped !== undefined) return { index: i, mapped, examined };
  }
  if (p < 0) return { index: -1, mapped: undefined, examined };
  return { index: p, mapped: mapRule(routing.rules[p]!, uri, unparsed, env), examined };
}

function locationMatches(routing: ServerRouting, uri: string): number[] {
  const matched: number[] = [];
  const locations = routing.locations;
  for (let i = 0; i < locations.length; i++) {
    const l = locations[i]!;
    const ok = l.kind === 'prefix' ? prefixMatch(uri, l.path) > 0 : l.regex!.test(uri);
    if (ok) matched.push(i);
  }
  return matched;
}

/** proxy_wstunnel_check_trans: a ws(s):// rule declines a request without Upgrade (legacy path only). */
const declinesWithoutUpgrade = (rule: CompiledRule): boolean => rule.route.target !== undefined && isWsScheme(rule.route.target.scheme);

/**
 * mod_ssl's checks of a request on a TLS connection (ssl_hook_ReadReq), in httpd 2.4.71's order (each verified with
 * apache2): without SNI, when either the handshake's server or the request's has SSLStrictSNIVHostCheck on and the
 * address has name-based virtual hosts, 403 (AH02033); SNI but no host name in the request (HTTP/1.0 without Host),
 * 400 (AH02031); a request whose host selects another server than the handshake used (the SNI name's, else the
 * address default) with an incompatible TLS setup (different certificates count), 421 (AH02032).
 */
function checkSni(plan: Plan, facts: RequestFacts, server: ServerPlan, host: string | undefined): Decision | undefined {
  const candidates = candidatesFor(plan, facts.localAddress, facts.localPort);
  const handshake = handshakeServer(plan, facts);
  if (facts.sni === undefined && candidates.length > 1 && (handshake.tls.strictSni || server.tls.strictSni)) {
    return respond(403, 'no hostname was provided via SNI for a name based virtual host (SSLStrictSNIVHostCheck, httpd AH02033)', server.settings, undefined);
  }
  if (facts.sni !== undefined && host === undefined) {
    return respond(400, `hostname ${facts.sni} provided via SNI, but no hostname provided in the HTTP request (httpd AH02031)`, undefined, undefined);
  }
  if (handshake === server || tlsCompatible(handshake.tls, server.tls)) return undefined;
  const by = facts.sni !== undefined ? `the SNI name ${facts.sni}` : `the address default ${handshake.routing.serverName} (no SNI)`;
  return respond(421, `${by} and the Host select servers with different TLS settings (httpd AH02032)`, server.settings, undefined);
}

export function route(plan: Plan, facts: RequestFacts): Decision {
  const d = routeRequest(plan, facts, undefined, 0);
  return facts.ssl === undefined ? d : sslPhases(d, facts, facts.clientVerifyMode ?? handshakeServer(plan, facts).tls.verifyClient);
}

/** LimitInternalRecursion's default: more internal redirects (per-directory rewrites) are a 500 (AH00124). */
const MAX_INTERNAL_REDIRECTS = 10;

/** `carry`: after an internal redirect, what the earlier pass left (REDIRECT_ environment, cookies). */
function routeRequest(plan: Plan, facts: RequestFacts, carry: RewriteCarry | undefined, depth: number): Decision {
  const t = parseRequestTarget(facts.target, facts.tls);
  const sel = selectServer(plan, facts, t);
  if (!sel.ok) return sel.decision;
  if (facts.tls && facts.ssl !== undefined) {
    const refused = checkSni(plan, facts, sel.server, sel.host);
    if (refused !== undefined) return refused;
  }
  const routing = sel.server.routing;
  if (t.form === 'asterisk') {
    return facts.method === 'OPTIONS'
      ? respond(200, 'OPTIONS * is answered by the server itself', sel.server.settings, undefined)
      : respond(400, `'*' is only a request-target for OPTIONS`, undefined, undefined);
  }
  if (t.form === 'invalid') return respond(400, t.reason, undefined, undefined);

  const canon = canonicalizePath(t.path, routing.pathOptions);
  if (!canon.ok) return respond(canon.status, canon.reason, sel.server.settings, undefined);
  const host = t.form === 'absolute' && t.authority !== undefined && facts.host !== undefined ? t.authority : undefined;
  // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored (httpd forwards it and then never answers the client).
  const upgradeValue = facts.httpVersion === '1.0' ? undefined : facts.header('upgrade');
  const wsFallback = sel.server.settings.wsFallback;

  // mod_rewrite's translate_name hook runs before mod_proxy's: server and vhost RewriteRules first, then ProxyPass,
  // then the <Location> sections' RewriteRules in the fixup phase (rewrite-phase.ts).
  const rw = routing.rewrite;
  const dirs = routing.rewriteDirs;
  if (rw === undefined && dirs === undefined && carry === undefined) return proxyTrans(routing, wsFallback, facts, canon.uri, t.args, host, upgradeValue, undefined);
  const ctx = {
    routing,
    rawHost: (t.form === 'absolute' ? t.authority : undefined) ?? facts.host,
    settings: (o: RewriteEffects) => withCookies(routing.settingsFor(locationMatches(routing, canon.uri)), o),
    host,
    upgradeValue,
    header: facts.header,
    ...(carry !== undefined ? { carry } : {}),
  };
  let d: Decision;
  let uri = canon.uri;
  let args = t.args;
  let local: string | undefined;
  let so: RewriteEffects;
  if (rw !== undefined) {
    const step = rewritePhase(rw, facts, canon.uri, t.args, sel.host, ctx);
    so = step.outcome;
    if (step.kind === 'decided') {
      [d, local] = [step.decision, step.local];
      // Require is checked after translate_name: on a [P] target (with the <Proxy> sections) or a local path, not
      // on a status or redirect translate_name answered itself.
      const o = step.outcome;
      const denied = o.kind === 'proxy' || o.kind === 'local' ? refusal(routing, locationMatches(routing, canon.uri), o.kind === 'proxy' ? o.url : undefined, facts, d.settings) : undefined;
      if (denied !== undefined) d = withEffects(denied, so);
    }
    else {
      [uri, args] = [step.uri, step.args];
      d = withEffects(proxyTrans(routing, wsFallback, facts, uri, args, host, upgradeValue, so), so);
    }
  } else {
    so = { env: carry?.env ?? new Map<string, string>(), cookies: carry?.cookies ?? [], log: [] };
    d = withEffects(proxyTrans(routing, wsFallback, facts, uri, args, host, upgradeValue, so), so);
  }
  if (dirs === undefined) return d;
  const current = uri;
  return fixupPhase(dirs, facts, d, so, {
    ...ctx,
    settings: (o: RewriteEffects) => withCookies(routing.settingsFor(locationMatches(routing, current)), o),
    uri,
    args,
    hostname: sel.host,
    matched: locationMatches(routing, uri),
    local,
    redirect: (target, next) =>
      depth >= MAX_INTERNAL_REDIRECTS
        ? withEffects(respond(500, 'more than 10 internal redirects (AH00124: LimitInternalRecursion)', withCookies(sel.server.settings, next), undefined), {
            ...next,
            log: [`[core:error] AH00124: Request exceeded the limit of ${MAX_INTERNAL_REDIRECTS} internal redirects due to probable configuration error. Use 'LimitInternalRecursion' to increase the limit if necessary. Use 'LogLevel debug' to get a backtrace.`],
          })
        : routeRequest(plan, { ...facts, target }, next, depth + 1),
  });
}

/** mod_proxy's translate_name: the <Location> rule, then the server's ProxyPass list, for the (rewritten) path. */
function proxyTrans(
  routing: ServerRouting,
  wsFallback: boolean,
  facts: RequestFacts,
  uri: string,
  args: string | undefined,
  host: string | undefined,
  upgradeValue: string | undefined,
  rewritten: RewriteEffects | undefined,
): Decision {
  const unparsed = toBytes(facts.target);
  const matched = locationMatches(routing, uri);
  const settings = withCookies(routing.settingsFor(matched), rewritten);
  const env = rewritten?.env;
  const outcome = (rule: CompiledRule, mapped: Mapped | 'stop'): Decision => {
    if (mapped === 'stop') return notProxied(routing, matched, facts, settings) ?? respond(404, 'proxying disabled for this path (ProxyPass !)', settings, rule.loc);
    const denied = refusal(routing, matched, mapped.url, facts, settings);
    if (denied !== undefined) return denied;
    if (!rule.workerByUrl) return forwardMapped(routing, rule, mapped, args, settings, host, upgradeValue, facts.header);
    // The worker from the URL, as httpd's ap_proxy_pre_request finds it (an interpolated URL is known only now).
    const via = workerRoute(routing, canonicalUrl(mapped), rule.loc, settings, rule.route.spelling);
    return 'kind' in via ? via : forwardMapped(routing, via, mapped, args, settings, host, upgradeValue, facts.header);
  };
  const skip = !wsFallback && upgradeValue === undefined ? declinesWithoutUpgrade : undefined;

  // The last matching section that holds a ProxyPass.
  for (let k = matched.length - 1; k >= 0; k--) {
    const rule = routing.locations[matched[k]!]!.rule;
    if (rule === undefined) continue;
    if (skip?.(rule)) break;
    const mapped = mapRule(rule, uri, unparsed, env);
    if (mapped !== undefined) return outcome(rule, mapped);
    break;
  }
  const found = findRule(routing, uri, unparsed, skip, env);
  if (found.mapped !== undefined) return outcome(routing.rules[found.index]!, found.mapped);
  // Nothing proxies it: a handler tsproxyd serves itself (SetHandler server-status …), else 404.
  return notProxied(routing, matched, facts, settings) ?? respond(404, 'no ProxyPass matches this path', settings, undefined);
}

/** A path no ProxyPass forwards: refused by its <Location>'s Require, else answered by a local handler (or undefined: 404). */
function notProxied(routing: ServerRouting, matched: readonly number[], facts: RequestFacts, settings: ProxySettings): Decision | undefined {
  return refusal(routing, matched, undefined, facts, settings) ?? localHandler(routing, matched, facts, settings);
}
