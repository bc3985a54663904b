// One RewriteRule (mod_rewrite's apply_rewrite_rule, httpd 2.4.71, server context): the pattern is tried on the
// current URL (r->filename), then the conditions (AND; [OR] joins a condition with the next; the first true one of
// an [OR] run skips the rest of the run), then the substitution is expanded and the result classified:
//   '-' (or F/G/R=4xx): nothing is substituted; a status is remembered;
//   the query: a '?' in the result starts a new query string (QSA appends the old one, QSD drops it, QSL splits at
//   the last '?'; a trailing '?' leaves none); schemes without queries (ftp, ldap…) drop it;
//   a result that is not a URL-path nor a known URL gets a '/' prefix (CVE-2024-39573);
//   [P]: made absolute (http://this-host/…) and marked "proxy:"; [R]: made absolute, redirect status kept;
//   http(s)://this-server/x is reduced to /x (reduce_uri); any other absolute URL is an implicit redirect (302).
import type { RewriteRule } from '../modules/rewrite/model.js';
import { applyCond } from './cond.js';
import { buildCookie } from './cookie.js';
import { absoluteUriScheme, escapeUri } from './escape.js';
import { backrefEscaping, expand, expandTracked, type ExpandScope } from './expand.js';
import { groupsText } from './trace.js';
import type { RewriteEffects } from './types.js';
import { serverNameForUrl, serverPort } from './vars.js';

export interface RunState extends ExpandScope {
  /** r->status as the rules set it (a redirect's or a forced status). */
  status: number;
  /** Per-directory rules: the section's directory ("/loc/"), which is stripped from and added back to the URL. */
  readonly perdir?: string;
  readonly cookies: string[];
  readonly cookieNames: Set<string>;
  /** [T=…] as the last rule that set it left it (force_type_handler). */
  forcedType?: string;
}

export const enum RuleRc {
  NoMatch = 0,
  Match = 1,
  /** Matched, no substitution ('-', [F], [G], [R=4xx]). */
  NoSub = 2,
  /** Refused (UnsafeAllow3F): s.status holds the status. */
  StatusSet = 3,
}

const defaultPort = (tls: boolean): number => (tls ? 443 : 80);

/** fully_qualify_uri: a relative result becomes scheme://server[:port]/… */
function fullyQualify(s: RunState): void {
  if (absoluteUriScheme(s.filename).length > 0) return;
  const tls = s.req.facts.tls;
  const port = serverPort(s);
  const portText = port === defaultPort(tls) ? '' : `:${port}`;
  s.filename = `${tls ? 'https' : 'http'}://${serverNameForUrl(s)}${portText}${s.filename.startsWith('/') ? '' : '/'}${s.filename}`;
}

/** ap_matches_request_vhost. */
function isThisServer(s: RunState, host: string, port: number): boolean {
  const h = host.toLowerCase();
  const srv = s.server;
  if (srv.addrs.some((a) => a.host !== undefined && a.host === h && (a.port === undefined || a.port === port))) return true;
  if (port !== srv.port) return false;
  return srv.name === h || srv.aliases.some((a) => a.toLowerCase() === h);
}

/** reduce_uri: strip http[s]://this-server[:port] from the result. */
function reduceUri(s: RunState): void {
  const scheme = s.req.facts.tls ? 'https' : 'http';
  const f = s.filename;
  const l = scheme.length;
  if (f.length <= l + 3 || f.slice(0, l).toLowerCase() !== scheme || f.slice(l, l + 3) !== '://') return;
  const rest = f.slice(l + 3);
  const m = /^([^/:]*)(?::([^/]*))?(.*)$/s.exec(rest)!;
  const port = m[2] !== undefined ? Number(/^\d*/.exec(m[2])![0] || 0) : defaultPort(s.req.facts.tls);
  if (!isThisServer(s, m[1]!, port)) return;
  const url = m[3] === '' ? '/' : m[3]!;
  s.log.trace(3, `reduce ${f} -> ${url}`);
  s.filename = url;
}

const queryText = (s: RunState): string => (s.args !== undefined ? ` with query '${s.args}'` : '');

/** splitout_queryargs. */
function splitQuery(s: RunState, rule: RewriteRule): void {
  const abs = absoluteUriScheme(s.filename);
  if (abs.length > 0 && !abs.queryOk) {
    s.args = undefined;
    return;
  }
  const f = rule.flags;
  if (f.qsDiscard) {
    s.args = undefined;
    s.log.trace(2, 'discarding query string');
  }
  const q = f.qsLast ? s.filename.lastIndexOf('?') : s.filename.indexOf('?', abs.length);
  if (q < abs.length) return;
  const old = s.filename;
  const rest = old.slice(q + 1);
  s.filename = old.slice(0, q);
  if (!f.qsAppend) s.args = rest;
  else if (rest !== '') s.args = `${rest}&${s.args ?? ''}`;
  if (s.args !== undefined) {
    if (s.args === '') s.args = undefined;
    else if (s.args.endsWith('&')) s.args = s.args.slice(0, -1);
  }
  s.log.trace(3, `split uri=${old} -> uri=${s.filename}, args=${s.args ?? '<none>'}`);
}

/** [E=…] and [CO=…], expanded with the rule's back-references (do_expand_env, do_expand_cookie). */
function sideEffects(rule: RewriteRule, s: RunState): void {
  for (const e of rule.flags.env) {
    const text = expand(e.raw, s);
    if (text.startsWith('!')) {
      s.env.delete(text.slice(1));
      s.log.trace(5, `unsetting env variable '${text.slice(1)}'`);
      continue;
    }
    const colon = text.indexOf(':');
    const [name, value] = colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
    s.env.set(name, value);
    s.log.trace(5, `setting env variable '${name}' to '${value}'`);
  }
  for (const c of rule.flags.cookies) {
    const cookie = buildCookie(expand(c.raw, s), s.now);
    if (cookie === undefined) continue;
    if (s.cookieNames.has(cookie.name)) {
      s.log.trace(5, `skipping already set cookie '${cookie.name}'`);
      continue;
    }
    s.cookieNames.add(cookie.name);
    s.cookies.push(cookie.value);
    s.log.trace(5, `setting cookie '${cookie.value}'`);
  }
}

/**
 * force_type_handler: [T=type] is expanded and lower-cased, then remembered for the response (an empty result sets
 * nothing). [H=handler] is not: in front of a proxy httpd's handlers never run (apache2 2.4.71: [P,H=text/plain]
 * and [PT,H=server-status] to a ProxyPass are proxied unchanged), and tsproxyd serves nothing else.
 */
function forceType(rule: RewriteRule, s: RunState): void {
  if (rule.flags.type === undefined) return;
  const t = expand(rule.flags.type, s).replace(/[A-Z]+/g, (x) => x.toLowerCase());
  if (t === '') return;
  s.log.trace(2, `remember ${s.filename} to have MIME-type '${t}'`);
  if (s.log.explaining) s.log.explain(rule.loc, `[T]: Content-Type '${t}' when the backend sends none`);
  s.forcedType = t;
}

/** The conditions of a rule whose pattern matched. */
function conditionsHold(rule: RewriteRule, s: RunState): boolean {
  const conds = rule.conds;
  for (let i = 0; i < conds.length; i++) {
    const c = conds[i]!;
    const ok = applyCond(c, s);
    if (c.flags.orNext) {
      if (!ok) continue;
      while (i < conds.length && conds[i]!.flags.orNext) i++; // the rest of the [OR] run is not evaluated
    } else if (!ok) return false;
  }
  return true;
}

/** Can `uri` match the rule's pattern, as far as its literal prefix tells? */
export function prefixAllows(rule: RewriteRule, uri: string): boolean {
  const p = rule.shortcut;
  if (!p.caseless) return uri.startsWith(p.prefix);
  const t = p.prefix;
  if (uri.length < t.length) return false;
  for (let i = 0; i < t.length; i++) {
    let c = uri.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== t.charCodeAt(i)) return false;
  }
  return true;
}

/** What a run leaves for the response and the log: the environment, [CO] cookies, trace lines and [T]. */
export function runEffects(s: RunState): RewriteEffects {
  return { env: s.env, cookies: s.cookies, log: s.log.lines, ...(s.forcedType !== undefined ? { forcedType: s.forcedType } : {}) };
}

export function applyRule(rule: RewriteRule, s: RunState): RuleRc {
  let uri = s.filename;
  // Per-directory: a proxied request's URL ("proxy:http://…") is matched whole, anything else below the directory.
  const proxyReq = s.perdir !== undefined && uri.startsWith('proxy:');
  if (s.perdir !== undefined && !proxyReq && uri.startsWith(s.perdir)) {
    s.log.trace(3, `strip per-dir prefix: ${uri} -> ${uri.slice(s.perdir.length)}`);
    uri = uri.slice(s.perdir.length);
  }
  if (s.log.on(3)) s.log.trace(3, `applying pattern '${rule.source}' to uri '${uri}'`);
  // Without a trace, a first condition that cannot depend on the pattern is tested first: it is cheaper than the
  // pattern in the lists that make rule lists long (`^/(.*)$` guarded by a %{HTTP_HOST} condition). A failing one
  // decides the rule as it would after the pattern; a holding one is evaluated again in order below.
  const allowed = prefixAllows(rule, uri);
  if (allowed && rule.shortcut.precheck && !s.log.on(3)) {
    const rc = s.rc;
    const holds = applyCond(rule.conds[0]!, s);
    s.rc = rc;
    if (!holds) return RuleRc.NoMatch;
  }
  const m = allowed ? rule.pattern.exec(uri) : null;
  if ((m !== null) === rule.negate) {
    if (s.log.explaining) s.log.explain(rule.loc, `'${uri}' against '${rule.negate ? '!' : ''}${rule.source}' => not-matched`);
    return RuleRc.NoMatch;
  }
  if (s.log.explaining) s.log.explain(rule.loc, `'${uri}' against '${rule.negate ? '!' : ''}${rule.source}' => matched${groupsText(rule.negate ? null : m, '$')}`);
  s.rr = rule.negate ? null : m;
  s.rc = null;
  if (rule.conds.length > 0 && !conditionsHold(rule, s)) {
    if (s.log.explaining) s.log.explain(rule.loc, 'the conditions do not hold: the rule does nothing');
    return RuleRc.NoMatch;
  }

  const f = rule.flags;
  const noSub = rule.substitution.kind === 'none' || f.status !== undefined;
  let result = '';
  if (!noSub) {
    const e = expandTracked(rule.substitution.text, s, backrefEscaping(rule));
    result = e.text;
    s.log.trace(2, `rewrite '${uri}' -> '${result}'`);
    if (e.unsafeQmark && !f.unsafeAllow3F) {
      if (s.log.explaining) s.log.explain(rule.loc, `'${result}': its '?' comes from a back-reference or variable (a decoded %3f?): 403 without [UnsafeAllow3F]`);
      s.log.error('AH10508', 'Unsafe URL with %3f URL rewritten without UnsafeAllow3F');
      s.status = 403;
      return RuleRc.StatusSet;
    }
  }
  if (f.env.length > 0 || f.cookies.length > 0) sideEffects(rule, s);
  if (noSub) {
    forceType(rule, s);
    if (f.status !== undefined) {
      s.log.trace(2, `forcing responsecode ${f.status} for ${s.filename}`);
      s.status = f.status;
    }
    if (s.log.explaining) s.log.explain(rule.loc, f.status !== undefined ? `forces status ${f.status}` : "'-': the URL is left as it is");
    return RuleRc.NoSub;
  }
  s.filename = result;
  splitQuery(s, rule);
  if (!proxyReq && !s.filename.startsWith('/') && absoluteUriScheme(s.filename).length === 0) {
    if (s.perdir !== undefined) {
      // A relative result is below the section's directory.
      s.log.trace(3, `add per-dir prefix: ${s.filename} -> ${s.perdir}${s.filename}`);
      s.filename = s.perdir + s.filename;
    } else if (!f.proxy && f.redirect === undefined) {
      // CVE-2024-39573 (httpd 2.4.60): a result that is neither a URL-path nor a known absolute URL, and that
      // [P]/[R] will not qualify, gets a '/' prefix: `RewriteRule ^/x(.*) $1` cannot make /xproxy:http://… a proxy
      // request.
      s.log.trace(3, `add root prefix: ${s.filename} -> /${s.filename}`);
      s.filename = `/${s.filename}`;
    }
  }
  if (f.proxy) {
    if (s.perdir !== undefined && !f.noEscape) {
      // Per-directory rules run after mod_proxy's canonicalisation: the URL is escaped here instead.
      const escaped = escapeUri(s.filename);
      s.log.trace(2, `escaped URI in per-dir context for proxy, ${s.filename} -> ${escaped}`);
      s.filename = escaped;
    }
    fullyQualify(s);
    s.log.trace(2, `forcing proxy-throughput with ${s.filename}`);
    s.filename = `proxy:${s.filename}`;
    if (s.log.explaining) s.log.explain(rule.loc, `[P]: proxy to ${s.filename.slice(6)}${queryText(s)}`);
    return RuleRc.Match;
  }
  if (f.redirect !== undefined) {
    fullyQualify(s);
    s.log.trace(2, `explicitly forcing redirect with ${s.filename}`);
    s.status = f.redirect;
    if (s.log.explaining) s.log.explain(rule.loc, `[R=${f.redirect}]: redirect to ${s.filename}${queryText(s)}`);
    return RuleRc.Match;
  }
  reduceUri(s);
  if (absoluteUriScheme(s.filename).length > 0) {
    s.log.trace(2, `implicitly forcing redirect (rc=302 with ${s.filename}`); // sic: httpd's text has no ')'
    s.status = 302;
    if (s.log.explaining) s.log.explain(rule.loc, `an absolute URL: redirect (302) to ${s.filename}${queryText(s)}`);
    return RuleRc.Match;
  }
  if (s.log.explaining) s.log.explain(rule.loc, `rewritten to '${s.filename}'${queryText(s)}`);
  forceType(rule, s);
  return RuleRc.Match;
}
