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
//     nothing matches → 404.
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
import { makeBackend, paramsFor, authorityOf } from './compile.js';
import { canonEncodePath, canonicalizePath, hasCtlOrSpace, toBytes } from './canon-path.js';
import { prefixMatch } from './match-prefix.js';
import { earliestPrefix } from './prefix-index.js';
import { parseRequestTarget } from './request-target.js';
import type { CompiledRule, ServerRouting } from './routing.js';
import type { Decision, Plan, ProxySettings, RequestFacts } from './types.js';
import { decideUpgrade, isWsScheme } from './upgrade.js';
import { selectServer } from './vhost-select.js';
import { parseTargetUrl } from '../modules/proxy/target-url.js';
import type { Loc } from '../../grammar/ast.js';

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

/** The URL a rule maps the request to, or undefined when the rule does not match. */
interface Mapped {
  readonly url: string;
  /** nocanon in effect: the URL holds the raw request-target text (query included). */
  readonly raw: boolean;
}

/** ap_proxy_trans_match for one rule (the `!` case is the caller's). */
export function mapRule(rule: CompiledRule, uri: string, unparsed: string): Mapped | 'stop' | undefined {
  const real = rule.route.target?.raw;
  if (rule.kind === 'prefix') {
    const len = prefixMatch(uri, rule.path);
    if (len <= 0) return undefined;
    if (real === undefined) return 'stop';
    const raw = rule.route.nocanon && prefixMatch(unparsed, rule.path) === len;
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

export interface RuleSearch {
  /** Index into routing.rules, or -1. */
  readonly index: number;
  readonly mapped: Mapped | 'stop' | undefined;
  /** Index entries probed plus regex rules tried: stays small however many prefix rules there are. */
  readonly examined: number;
}

/** The first rule of the server's list, in config order, that matches (prefix rules via the index). */
export function findRule(routing: ServerRouting, uri: string, unparsed: string, skip?: (rule: CompiledRule) => boolean): RuleSearch {
  const found = findIndexed(routing, uri, unparsed);
  if (skip === undefined || found.index < 0 || !skip(routing.rules[found.index]!)) return found;
  // Rules a request declines (legacy ws:// rules without Upgrade): the rest of the list in order, linearly. Only
  // configs with ProxyWebsocketFallbackToProxyHttp Off get here.
  let examined = found.examined;
  for (let i = found.index + 1; i < routing.rules.length; i++) {
    const rule = routing.rules[i]!;
    examined++;
    if (skip(rule)) continue;
    const mapped = mapRule(rule, uri, unparsed);
    if (mapped !== undefined) return { index: i, mapped, examined };
  }
  return { index: -1, mapped: undefined, examined };
}

function findIndexed(routing: ServerRouting, uri: string, unparsed: string): RuleSearch {
  const { rule: p, probes } = earliestPrefix(routing.index, uri);
  let examined = probes;
  for (const i of routing.index.regexRules) {
    if (p >= 0 && i > p) break;
    examined++;
    const mapped = mapRule(routing.rules[i]!, uri, unparsed);
    if (mapped !== undefined) return { index: i, mapped, examined };
  }
  if (p < 0) return { index: -1, mapped: undefined, examined };
  return { index: p, mapped: mapRule(routing.rules[p]!, uri, unparsed), examined };
}

function locationMatches(routing: ServerRouting, uri: string): number[] {
  const matched: number[] = [];
  routing.locations.forEach((l, i) => {
    const ok = l.kind === 'prefix' ? prefixMatch(uri, l.path) > 0 : l.regex!.test(uri);
    if (ok) matched.push(i);
  });
  return matched;
}

const respond = (status: number, reason: string, settings: ProxySettings | undefined, from: Loc | undefined): Extract<Decision, { kind: 'respond' }> => ({
  kind: 'respond',
  status,
  reason,
  settings,
  from,
});

/** From the mapped URL to the forward (or error) decision. */
function decide(
  routing: ServerRouting,
  rule: CompiledRule,
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
  } else if (backend === undefined || authority !== authorityOf(target.raw)) {
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

/** proxy_wstunnel_check_trans: a ws(s):// rule declines a request without Upgrade (legacy path only). */
const declinesWithoutUpgrade = (rule: CompiledRule): boolean => rule.route.target !== undefined && isWsScheme(rule.route.target.scheme);

export function route(plan: Plan, facts: RequestFacts): Decision {
  const sel = selectServer(plan, facts);
  if (!sel.ok) return sel.decision;
  const routing = sel.server.routing;
  const t = parseRequestTarget(facts.target, facts.tls);
  if (t.form === 'asterisk') {
    return facts.method === 'OPTIONS'
      ? respond(200, 'OPTIONS * is answered by the server itself', sel.server.settings, undefined)
      : respond(400, `'*' is only a request-target for OPTIONS`, undefined, undefined);
  }
  if (t.form === 'invalid') return respond(400, t.reason, undefined, undefined);

  const canon = canonicalizePath(t.path, routing.pathOptions);
  if (!canon.ok) return respond(canon.status, canon.reason, sel.server.settings, undefined);
  const uri = canon.uri;
  const unparsed = toBytes(facts.target);
  const matched = locationMatches(routing, uri);
  const settings = routing.settingsFor(matched);
  const host = t.form === 'absolute' && t.authority !== undefined && facts.host !== undefined ? t.authority : undefined;

  const upgradeValue = facts.header('upgrade');
  const outcome = (rule: CompiledRule, mapped: Mapped | 'stop'): Decision =>
    mapped === 'stop'
      ? respond(404, 'proxying disabled for this path (ProxyPass !)', settings, rule.loc)
      : decide(routing, rule, mapped, t.args, settings, host, upgradeValue);
  const skip = !sel.server.settings.wsFallback && upgradeValue === undefined ? declinesWithoutUpgrade : undefined;

  // The last matching section that holds a ProxyPass.
  for (let k = matched.length - 1; k >= 0; k--) {
    const rule = routing.locations[matched[k]!]!.rule;
    if (rule === undefined) continue;
    if (skip?.(rule)) break;
    const mapped = mapRule(rule, uri, unparsed);
    if (mapped !== undefined) return outcome(rule, mapped);
    break;
  }
  const found = findRule(routing, uri, unparsed, skip);
  if (found.mapped !== undefined) return outcome(routing.rules[found.index]!, found.mapped);
  return respond(404, 'no ProxyPass matches this path', settings, undefined);
}
